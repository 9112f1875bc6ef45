# Aio.py: the PyGObject override of aiomisc-glib (namespace Aio)
#
# SPDX-License-Identifier: MIT

"""Pythonic aiomisc-glib: services are plain classes, as in aiomisc.

A service subclasses ``Aio.Service`` and writes ``start`` (and, optionally,
``stop``); an entrypoint runs services; ``Aio.run`` is ``aiomisc.run``::

    import gi
    gi.require_version('Aio', '1.0')
    from gi.repository import Aio, GLib

    class Ordinary(Aio.Service):
        def start(self):                  # returns once the service is up
            self.conn = open_connection(self.address)
        def stop(self, reason):           # reason: None, or the GLib.Error
            self.conn.close()             # that made the program stop

    class Infinity(Aio.Service):
        def start(self):                  # long-running: up once start returns,
            self.timer = GLib.timeout_add(100, self.tick)   # lives until stopped
        def tick(self):
            ...
            return GLib.SOURCE_CONTINUE
        def stop(self, reason):
            GLib.source_remove(self.timer)

    with Aio.Entrypoint(Ordinary(address="db"), Infinity(), log_level="info") as ep:
        ep.run_forever()                  # until SIGINT, SIGTERM or ep.quit()

    print(Aio.run(lambda entrypoint: 42, Ordinary(address="db")))   # 42

Services
--------
``Aio.Service(**kwargs)``: keyword arguments that name a GObject property
(``name``) set it; the others become attributes of the service, as in aiomisc.
Names listed in the class attribute ``__required__`` must be given.

``start(self)`` runs on the main loop. It must not block: it sets things up
(sources, async calls) and returns. The service is up when ``start`` returns,
and raising fails the start. The service lives until it is stopped, whether
it is "ordinary" or "long-running": both kinds get their ``stop`` called.
``self.set_ready()`` (aiomisc's ``start_event.set()``) may be called, but
returning already means "ready".

Asynchronous start: declare a ``done`` parameter, ``start(self, done)``.
The service is up once ``done()`` (or ``self.set_ready()``) is called;
``done.fail(error)`` (or ``done(error)`` with an exception) fails the start.
``done.call(func, *args)`` calls ``func`` and completes with its outcome,
which suits GIO callbacks::

    class Connector(Aio.Service):
        def start(self, done):
            client = Gio.SocketClient()
            client.connect_to_host_async(self.host, 80, self.cancellable,
                                         lambda c, res, *_: done.call(self.connected, c, res))
        def connected(self, client, res):
            self.connection = client.connect_to_host_finish(res)   # raises on error

Failing at run time: ``self.fail(error)`` (an exception, a ``GLib.Error`` or
a message) makes a running service fail; its entrypoint shuts the program
down and reports that error. While starting, it fails the start.

``stop`` takes ``(self)``, ``(self, reason)`` or ``(self, reason, done)``;
with ``done`` the stop completes when ``done()`` or ``done.fail(error)`` is
called. A service stopped before it was up does not get its ``stop``
called; its ``self.cancellable`` (the ``Gio.Cancellable`` handed to the
start, cancelled when the service is stopped) is cancelled and later
``done`` calls are ignored. (To be told of the cancellation, connect to the
signal: ``GObject.Object.connect(self.cancellable, "cancelled", func)``;
``Gio.Cancellable.connect`` is ``g_cancellable_connect``.)

An exception raised by ``start``/``stop`` (or given to ``fail``) becomes a
``GLib.Error`` ``Aio.Error.SERVICE_FAILED`` whose message is
``"ExceptionType: message"``; the entrypoint prefixes the service name
(``"Service 'Ordinary' failed to start: ValueError: boom"``). A ``GLib.Error``
keeps its domain and code. The ``GLib.Error`` raised to Python carries the
original exception as ``__cause__``, so the traceback shows both.

Blocking work goes to the entrypoint's thread pool with
``Aio.run_in_thread(func, *args, callback=done)`` (aiomisc's ``@threaded``):
``callback(value)`` or ``errback(exception)`` run back on the main loop.

``self.context`` is the ``Aio.Context`` of the current entrypoint:
``self.context["db"] = conn`` in one service, ``self.context.wait("db",
callback)`` (or ``self.context["db"]`` once set) in another.

Entrypoint
----------
``Aio.Entrypoint(*services, **kwargs)`` takes the services and aiomisc's
keywords: ``pool_size``, ``log_level``, ``log_format``, ``log_buffering``,
``log_buffer_size``, ``log_flush_interval``, ``log_config``, ``debug``,
``shutdown_timeout``. Enums take their value or their nick as a string
(``log_level="debug"``, ``log_format="json"``). An unknown keyword raises
``TypeError``, a bad value ``ValueError``.

``with entrypoint as ep:`` starts the services (blocking; raises the
``GLib.Error`` of a failed start after stopping the others) and stops them
on exit. Inside, ``ep.run_forever()`` runs until SIGINT, SIGTERM,
``ep.quit()`` or a runtime failure (raised), and
``ep.run_until_complete(main)`` runs a main (see below) and returns its
value. ``ep.start()`` and ``ep.stop()`` are the same steps without ``with``.
From ``start()`` until ``stop()`` has ended, SIGINT and SIGTERM make the
entrypoint quit (``run_forever`` returns, a main is interrupted) rather than
raise ``KeyboardInterrupt`` or kill the process; Python's own handlers are
restored after.

With ``log_config`` (the default) the entrypoint installs the aiomisc-glib
log writer and routes Python's ``logging`` into it (the root logger's
handlers are replaced and its level follows ``log_level``/``debug``), so C
and Python records share one format. Pass ``log_config=False`` to keep both
untouched.

Mains
-----
``Aio.run(main, *services, **kwargs)`` is ``aiomisc.run``: it starts the
services, runs ``main`` on the main loop, stops the services and returns
what ``main`` returned, or raises what it raised. ``main`` may take
``()``, ``(entrypoint)`` or ``(entrypoint, done)``; with ``done`` it is
long-running and ends with ``done(value)`` or ``done.fail(error)``.
``main=None`` runs until SIGINT or SIGTERM. When SIGINT, SIGTERM,
``quit()`` or a failing service interrupts a main, ``done.cancellable`` is
cancelled, later ``done`` calls are ignored and the run raises that failure,
or a ``GLib.Error`` ``Gio.IOErrorEnum.CANCELLED`` after a signal or quit.

Timers and resilience
---------------------
The functions these take follow the ``done`` convention of ``start``: a
function that declares one more (required) positional parameter than the
arguments it is given is asynchronous and gets a ``done``, whose
``cancellable`` is cancelled when the work should give up (then it is
completed as cancelled and later ``done`` calls are ignored); any other is
called synchronously and its return or exception is the outcome. Results
are reported as by ``run_in_thread``: ``callback(value)`` or
``errback(exception)``, where ``exception`` is what the function raised (or
a ``GLib.Error`` of the library: a time-out, a cancellation, a broken
circuit); without errback a failure is logged. Timers take a ``clock``
(``Aio.ManualClock.new(start_us)`` in tests, moved with ``advance(us)``)::

    class Cleaner(Aio.PeriodicService):   # aiomisc's PeriodicService
        interval = 60                     # or Cleaner(interval=60, delay=5, shield=True)
        def callback(self):               # or callback(self, done)
            remove_stale_files()

    periodic = Aio.PeriodicCallback(refresh, cache)   # refresh(cache)
    periodic.start(30, delay=1)           # .stop(callback=...) later
    recurring = Aio.RecurringCallback(poll)           # aiomisc's RecurringCallback
    recurring.start(lambda r: 5 if healthy() else None)  # seconds, or None: stop

    cron = Aio.CronService()              # aiomisc's CronService
    cron.register(report, "0 8 * * mon-fri")       # a 6th field: seconds
    Aio.run(None, Cleaner(), cron)

Calls never overlap: the next one comes ``interval`` seconds after the
previous one completed. A failure (an exception, ``done.fail``) is logged as
a warning naming the callback and counted in ``Aio.statistics_get``; the
schedule goes on. A stop cancels the call in progress unless ``shield``.
``Aio.PeriodicService`` subclasses keep the C start and stop (an invalid
``interval`` fails the start with ``INVALID_ARGUMENT``); ``CronService``
is final, so it is configured with ``register``, not subclassed.

``Aio.timeout(seconds, func, *args, callback=..., errback=...)`` runs
``func(*args, done)``; at the deadline ``done.cancellable`` is cancelled and
the errback gets a ``GLib.Error`` ``Gio.IOErrorEnum.TIMED_OUT``.
``Aio.retry(func, *args, max_tries=3, pause=0.1, exceptions=None,
giveup=None, callback=..., errback=...)`` is aiomisc's ``asyncretry``;
``Aio.Backoff(attempt_timeout, deadline, pause=0.1, max_tries=None,
exceptions=None, giveup=None, exponent=..., max_pause=..., jitter=...)``
its ``asyncbackoff``, run with ``backoff.run(func, *args, callback=...)``;
both report the last exception raised. ``Aio.CircuitBreaker(error_ratio,
response_time, exceptions=None, broken_time=..., recovery_time=...,
passing_time=...)`` is aiomisc's ``CircuitBreaker``: ``breaker.call(func,
*args, **kwargs)`` returns what ``func`` returns or raises what it raises,
and raises a ``GLib.Error`` ``Aio.Error.CIRCUIT_BROKEN`` at once while
the circuit is broken (from any thread). ``Aio.select(*funcs, callback=...)``
calls back with ``(index, value)`` of the first to complete and cancels the
others (``cancel=False``, ``wait=False``). ``Aio.Aggregator(func,
leeway=0.1, max_count=None)`` is aiomisc's ``aggregate``: ``call(item,
callback=...)`` batches items (any objects) into ``func(items)``, which
returns one result per item.

Network
-------
The servers and clients are services: give them to an entrypoint. Their
properties are keywords (``Aio.TcpServer(address="0.0.0.0", port=0,
max_connections=100, drain_timeout=5)``; the others become attributes);
``server.props.port`` reads the bound port once started (0 asks for a free
one). Streams are ``Gio.IOStream`` objects: use the ``*_bytes_async``
methods of their input and output streams (``read_bytes_async``,
``write_bytes_async``), which keep the data alive while they run::

    class Echo(Aio.TcpServer):            # aiomisc's TCPServer
        def handle_client(self, stream, done):
            reader, writer = stream.get_input_stream(), stream.get_output_stream()
            priority, cancellable = GLib.PRIORITY_DEFAULT, done.cancellable

            def read():
                reader.read_bytes_async(65536, priority, cancellable, received)

            def write(data):
                writer.write_bytes_async(data, priority, cancellable, written, data)

            def received(source, result):
                try:
                    data = source.read_bytes_finish(result)
                except GLib.Error as error:
                    return done.fail(error)
                if data.get_size() == 0:
                    done()                            # the client closed
                else:
                    write(data)

            def written(source, result, data):
                try:
                    sent = source.write_bytes_finish(result)
                except GLib.Error as error:
                    return done.fail(error)
                size = data.get_size()
                if sent < size:                       # a short write: the rest
                    write(GLib.Bytes.new_from_bytes(data, sent, size - sent))
                else:
                    read()

            read()

``handle_client(self, stream)`` serves one client; the server closes the
stream once it returns. With a ``done`` parameter,
``handle_client(self, stream, done)``, the client is served until
``done()``; ``done.cancellable`` is cancelled when the server stops and its
``drain_timeout`` has passed. The handler runs on the main loop: it must
not block. An exception (or ``done.fail``) is logged as a warning naming
the client's address (its traceback goes to the debug log); the server
goes on with the other clients.

The *protocol* path is asyncio's ``Protocol``: an ``Aio.StreamProtocol``
subclass writes the plain methods ``connection_made(self, transport)``,
``data_received(self, data)`` (``bytes``), ``eof_received(self)`` (true
keeps a half-closed connection open), ``connection_lost(self, error)``
(None after a clean close, else a ``GLib.Error``), ``pause_writing`` and
``resume_writing``. The server makes one per client, calling the class
without arguments: ``Aio.TcpServer(protocol_type=Upper)``, or
``protocol_type = Upper`` as a class attribute of a server subclass. The
``Aio.Transport`` writes (``write(data)``), closes and aborts. An exception
raised by a method is logged and aborts the connection, as in asyncio::

    class Upper(Aio.StreamProtocol):
        def connection_made(self, transport):
            self.transport = transport
        def data_received(self, data):
            self.transport.write(data.upper())

``Aio.UdpServer`` subclasses write ``handle_datagram(self, data, address)``
(``bytes`` and a ``Gio.InetSocketAddress``) and answer with
``self.send_to(data, address)`` (``address`` may be a ``(host, port)``
tuple); an exception is logged, the server goes on.

``Aio.TcpClient`` (and ``Aio.RobustTcpClient``, which reconnects forever)
subclasses write ``handle_connection(self, connection)`` or
``handle_connection(self, connection, done)``, as ``handle_client``; the
client is up once connected. When the handler succeeds, the work of the
client is over (the service stays up until stopped); when it fails, the
service fails, which makes the entrypoint shut the program down.
"""

import contextlib
import inspect
import logging
import math
import signal
import threading
import traceback
import weakref

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override
from .._gi import EnumInfo, Repository, VFuncInfo

Aio = get_introspection_module('Aio')

__all__ = []

_LOG_DOMAIN = 'Aio'


# Helpers

def _log(level, message):
    """Logs through GLib's structured logging (so through the Aio writer)."""
    fields = GLib.Variant('a{sv}', {'MESSAGE': GLib.Variant('s', message)})
    GLib.log_variant(_LOG_DOMAIN, level, fields)


def _describe(exc):
    text = str(exc)
    name = type(exc).__name__
    return '%s: %s' % (name, text) if text else name


def _to_gerror(error):
    """Converts an exception (or a message) into a GLib.Error."""
    if isinstance(error, GLib.Error):
        return error
    if isinstance(error, BaseException):
        message = _describe(error)
    else:
        message = str(error)
    return GLib.Error.new_literal(Aio.error_quark(), message,
                                  int(Aio.Error.SERVICE_FAILED))


def _cancelled_error(message):
    return GLib.Error.new_literal(Gio.io_error_quark(), message,
                                  int(Gio.IOErrorEnum.CANCELLED))


def _positional_arity(func):
    """How many positional arguments func takes (None if it cannot tell)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    count = 0
    for param in sig.parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def _iterate_until(context, predicate):
    """Iterates context (as thread-default) until predicate() holds."""
    context.push_thread_default()
    try:
        while not predicate():
            context.iteration(True)
    finally:
        context.pop_thread_default()


class _Invoker:
    """Runs callbacks on the thread that owns a main context."""

    def __init__(self, context=None):
        self.context = context or GLib.MainContext.ref_thread_default()
        self.thread = threading.get_ident()

    def invoke(self, func, *args):
        if threading.get_ident() == self.thread:
            func(*args)
        else:
            self.defer(func, *args)

    def defer(self, func, *args):
        def dispatch(*_):
            func(*args)
            return GLib.SOURCE_REMOVE
        source = GLib.idle_source_new()
        source.set_priority(GLib.PRIORITY_DEFAULT)
        source.set_callback(dispatch)
        source.attach(self.context)


class _Done:
    """The completion handed to ``start(self, done)``, ``stop(self, reason,
    done)`` and ``main(entrypoint, done)``.

    ``done()`` or ``done(value)`` completes; ``done.fail(error)`` (or
    ``done(exception)``) fails; ``done.call(func, *args)`` completes with
    what ``func`` returns or fails with what it raises. Only the first call
    counts. It may be called from any thread. ``done.cancellable`` is
    cancelled when the work should give up.
    """

    __slots__ = ('_complete', '_lock', '_called', '_invoker', 'cancellable')

    def __init__(self, complete, cancellable, invoker):
        self._complete = complete
        self._lock = threading.Lock()
        self._called = False
        self._invoker = invoker
        self.cancellable = cancellable

    @property
    def called(self):
        """Whether done was called (or the work was cancelled)."""
        return self._called

    def _claim(self):
        with self._lock:
            if self._called:
                return False
            self._called = True
            return True

    def __call__(self, value=None):
        if isinstance(value, BaseException):
            self.fail(value)
        elif self._claim():
            self._invoker.invoke(self._complete, value, None)

    def fail(self, error):
        if self._claim():
            self._invoker.invoke(self._complete, None, error)

    def call(self, func, *args, **kwargs):
        try:
            value = func(*args, **kwargs)
        except Exception as exc:
            self.fail(exc)
        else:
            self(value)

    def __repr__(self):
        return '<Aio done %s>' % ('called' if self._called else 'pending')


def _complete_vfunc(service, callback, invoker, error):
    """Completes a start/stop vfunc: a GTask that the C default *_finish
    propagates, handed to the C callback from an idle (never re-entrantly)."""
    task = Gio.Task.new(service, None, None, None)
    if error is None:
        task.return_boolean(True)
    else:
        task.return_error(error)
    invoker.defer(callback, service, task)


class _StartRun:
    """One run of a Python service, from start_async until it ends."""

    def __init__(self, service, cancellable, callback):
        self.service = service
        self.cancellable = cancellable
        self.callback = callback
        self.invoker = _Invoker()
        self.ready = False
        self.finished = False
        self.cancel_id = 0
        self.done = None

    def begin(self):
        service = self.service
        if self.cancellable is not None:
            if self.cancellable.is_cancelled():
                self.finish(_cancelled_error('Service %r was stopped before it started'
                                             % service.props.name))
                return
            self.cancel_id = GObject.Object.connect(self.cancellable, 'cancelled',
                                                    self._on_cancelled)

        start = service.start
        wants_done = (_positional_arity(start) or 0) >= 1
        try:
            if wants_done:
                self.done = _Done(self._on_done, self.cancellable, self.invoker)
                start(self.done)
            else:
                start()
        except BaseException as exc:  # even SystemExit: never leave the start pending
            self.fail(exc)
            return
        if not wants_done:
            self.set_ready()

    def _on_done(self, value, error):
        if error is not None:
            self.fail(error)
        else:
            self.set_ready()

    def set_ready(self):
        if self.finished or self.ready:
            return
        self.ready = True
        Aio.Service.set_ready(self.service)

    def fail(self, error):
        if self.finished:
            _log(GLib.LogLevelFlags.LEVEL_MESSAGE,
                 'Service %r: ignoring a failure after it ended: %s'
                 % (self.service.props.name, _describe(error)))
            return
        gerror = _to_gerror(error)
        if isinstance(error, BaseException) and not isinstance(error, GLib.Error):
            self.service._aio_note_exception(gerror, error)
        self.finish(gerror)

    def _on_cancelled(self, cancellable):
        # Emitted synchronously inside aio_service_stop_async(): only record
        # the outcome here; the callback runs from an idle.
        self.invoker.invoke(self._cancelled)

    def _cancelled(self):
        if self.finished:
            return
        if self.ready:
            self.finish(None)
        else:
            self.finish(_cancelled_error('Service %r was stopped while starting'
                                         % self.service.props.name))

    def finish(self, error):
        if self.finished:
            return
        self.finished = True
        if self.done is not None:
            self.done._claim()  # later done() calls are ignored
        if self.cancel_id:
            cancellable, cancel_id = self.cancellable, self.cancel_id
            self.cancel_id = 0
            # Not from inside the "cancelled" emission: defer the disconnect.
            self.invoker.defer(GObject.signal_handler_disconnect, cancellable, cancel_id)
        _complete_vfunc(self.service, self.callback, self.invoker, error)


def _do_start_async(self, cancellable, callback, *user_data):
    self._aio_exception = None
    run = _StartRun(self, cancellable, callback)
    self._aio_run = run
    run.begin()


def _do_stop_async(self, reason, cancellable, callback, *user_data):
    invoker = _Invoker()
    state = {'done': False}

    def complete(value, error):
        if state['done']:
            if error is not None:
                _log(GLib.LogLevelFlags.LEVEL_MESSAGE,
                     'Service %r: ignoring a failure after its stop ended: %s'
                     % (self.props.name, _describe(error)))
            return
        state['done'] = True
        if error is not None:
            gerror = _to_gerror(error)
            if isinstance(error, BaseException) and not isinstance(error, GLib.Error):
                self._aio_note_exception(gerror, error)
            error = gerror
        _complete_vfunc(self, callback, invoker, error)

    stop = self.stop
    arity = _positional_arity(stop)
    if arity is None:
        arity = 1
    try:
        if arity >= 2:
            stop(reason, _Done(complete, cancellable, invoker))
        elif arity == 1:
            stop(reason)
            complete(None, None)
        else:
            stop()
            complete(None, None)
    except BaseException as exc:  # even SystemExit: never leave the stop pending
        complete(None, exc)


def _introspected_base(cls):
    """The nearest class of cls (itself included) that wraps a C type."""
    for base in cls.__mro__:
        if base.__module__ == Aio.__name__:
            return base
    return None


def _hook_vfunc(cls, name, impl):
    """Sets the vfunc implementation ``name`` (``do_...``) of cls to impl,
    unless a Python class of cls implements it already: the hook that makes
    a plain Python method (``start``, ``callback``, ``handle_client``...)
    serve a C virtual method. Set on the first Python subclass, it is
    inherited by the later ones through the GObject class structure."""
    if name not in cls.__dict__ and isinstance(getattr(cls, name, None), VFuncInfo):
        setattr(cls, name, impl)


_do_start_async._aio_injected = True
_do_stop_async._aio_injected = True


class Service(Aio.Service):
    """The base class of a Python service; see the module documentation."""

    __required__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Hook start_async/stop_async of the first Python subclass (later
        # ones inherit the hook from its class structure) to call the plain
        # start()/stop(), unless the class implements the GIO vfuncs itself.
        # The wrappers of C services (Aio.PeriodicService...) and their
        # Python subclasses keep the C start and stop.
        if _introspected_base(cls) is not Aio.Service:
            return
        _hook_vfunc(cls, 'do_start_async', _do_start_async)
        _hook_vfunc(cls, 'do_stop_async', _do_stop_async)

    def __init__(self, **kwargs):
        props = {}
        attrs = {}
        pnames = {p.name for p in GObject.list_properties(type(self))}
        for key, value in kwargs.items():
            if key.replace('_', '-') in pnames:
                props[key.replace('-', '_')] = value
            else:
                attrs[key] = value
        missing = [k for k in type(self).__required__ if k not in kwargs]
        if missing:
            raise TypeError('%s() missing required keyword argument%s: %s'
                            % (type(self).__name__, 's' if len(missing) > 1 else '',
                               ', '.join(repr(k) for k in missing)))
        props.setdefault('name', type(self).__name__)
        super().__init__(**props)
        for key, value in attrs.items():
            setattr(self, key, value)

    def __repr__(self):
        return '<%s %r %s>' % (type(self).__name__, self.props.name,
                               self.get_state().value_nick)

    # What subclasses implement

    def start(self):
        """Starts the service; see the module documentation."""

    def stop(self, reason=None):
        """Stops the service; see the module documentation."""

    # What they call

    def set_ready(self):
        """Tells that the service is up (aiomisc's ``start_event.set()``).
        May be called from any thread."""
        run = getattr(self, '_aio_run', None)
        if run is not None and threading.get_ident() == run.invoker.thread:
            run.set_ready()
        elif run is not None:
            run.invoker.defer(run.set_ready)
        else:
            Aio.Service.set_ready(self)

    def fail(self, error):
        """Fails the service: its start if it is starting, else the running
        service, which makes its entrypoint shut down with ``error``.
        ``error`` is an exception, a ``GLib.Error`` or a message. May be
        called from any thread."""
        run = getattr(self, '_aio_run', None)
        if run is None:
            raise RuntimeError('%r was never started' % self)
        run.invoker.invoke(run.fail, error)

    @property
    def cancellable(self):
        """The ``Gio.Cancellable`` of the current run (handed to start,
        cancelled when the service is stopped), or None before a start."""
        run = getattr(self, '_aio_run', None)
        return run.cancellable if run is not None else None

    @property
    def entrypoint(self):
        """The current entrypoint (starting, running or stopping), or None."""
        return Aio.Entrypoint.get_current()

    @property
    def context(self):
        """The ``Aio.Context`` of the current entrypoint."""
        entrypoint = Aio.Entrypoint.get_current()
        if entrypoint is None:
            raise RuntimeError('%r has no context: no entrypoint is running' % self)
        return entrypoint.get_context()

    def _aio_note_exception(self, gerror, exc):
        self._aio_exception = (gerror.message, exc)
        _log(GLib.LogLevelFlags.LEVEL_DEBUG,
             'Service %r raised:\n%s' % (self.props.name,
                                         ''.join(traceback.format_exception(exc)).rstrip()))


Service = override(Service)
__all__.append('Service')


# Entrypoint

_UINT_MAX = 2 ** 32 - 1


def _enum_value(enum_type, value, key):
    values = enum_type.__enum_values__
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        for candidate in values.values():
            if text in (candidate.value_nick, candidate.value_name.lower()):
                return candidate
    elif isinstance(value, int) and not isinstance(value, bool) and value in values:
        return values[value]
    nicks = ', '.join(repr(v.value_nick) for _, v in sorted(values.items()))
    raise ValueError('Invalid %s %r: expected one of %s or an Aio.%s'
                     % (key, value, nicks, enum_type.__name__))


def _property_value(pspec, key, value):
    vtype = pspec.value_type
    if vtype.fundamental == GObject.TYPE_ENUM:
        enum_type = vtype.pytype
        if enum_type is None:  # not wrapped yet: load it by name
            for info in Repository.get_default().get_infos('Aio'):
                if isinstance(info, EnumInfo) and info.get_g_type() == vtype:
                    enum_type = getattr(Aio, info.get_name())
                    break
        return _enum_value(enum_type, value, key)
    if vtype == GObject.TYPE_BOOLEAN:
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return bool(value)
        raise TypeError('Invalid %s %r: expected a bool' % (key, value))
    if vtype == GObject.TYPE_UINT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError('Invalid %s %r: expected an int' % (key, value))
        if not 0 <= value <= _UINT_MAX:
            raise ValueError('Invalid %s %r: out of range' % (key, value))
        return value
    if vtype == GObject.TYPE_DOUBLE:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError('Invalid %s %r: expected a number of seconds' % (key, value))
        if not math.isfinite(value):
            raise ValueError('Invalid %s %r: expected a finite number' % (key, value))
        return float(value)
    return value


def _object_props(cls, kwargs):
    """Checks keyword arguments that name properties of cls (TypeError for
    an unknown one, ValueError for a bad value) for its constructor."""
    pspecs = {p.name.replace('-', '_'): p for p in GObject.list_properties(cls)}
    props = {}
    for key, value in kwargs.items():
        pspec = pspecs.get(key.replace('-', '_'))
        if pspec is None:
            raise TypeError('Aio.%s() got an unexpected keyword argument %r '
                            '(expected one of %s)'
                            % (cls.__name__, key, ', '.join(sorted(pspecs))))
        props[key.replace('-', '_')] = _property_value(pspec, key, value)
    return props


def _entrypoint_props(kwargs):
    return _object_props(Aio.Entrypoint, kwargs)


_PY_LEVELS = {
    # AioLogLevel -> the least severe Python level that can pass
    int(Aio.LogLevel.ERROR): logging.CRITICAL + 1,
    int(Aio.LogLevel.CRITICAL): logging.ERROR,
    int(Aio.LogLevel.WARNING): logging.WARNING,
    int(Aio.LogLevel.MESSAGE): logging.INFO + 5,
    int(Aio.LogLevel.INFO): logging.INFO,
    int(Aio.LogLevel.DEBUG): logging.DEBUG,
}


class _GLibLogHandler(logging.Handler):
    """Hands Python log records to GLib's structured logging."""

    def emit(self, record):
        try:
            message = self.format(record)
            if record.levelno >= logging.ERROR:
                level = GLib.LogLevelFlags.LEVEL_CRITICAL
            elif record.levelno >= logging.WARNING:
                level = GLib.LogLevelFlags.LEVEL_WARNING
            elif record.levelno > logging.INFO:
                level = GLib.LogLevelFlags.LEVEL_MESSAGE
            elif record.levelno == logging.INFO:
                level = GLib.LogLevelFlags.LEVEL_INFO
            else:
                level = GLib.LogLevelFlags.LEVEL_DEBUG
            fields = {
                'MESSAGE': GLib.Variant('s', message),
                'CODE_FILE': GLib.Variant('s', record.pathname or ''),
                'CODE_LINE': GLib.Variant('s', str(record.lineno)),
                'CODE_FUNC': GLib.Variant('s', record.funcName or ''),
                'PYTHON_LOGGER': GLib.Variant('s', record.name),
            }
            if record.exc_info and record.exc_info[0] is not None:
                fields['PYTHON_EXCEPTION'] = GLib.Variant('s', _describe(record.exc_info[1]))
            GLib.log_variant(record.name, level, GLib.Variant('a{sv}', fields))
        except Exception:
            self.handleError(record)

    def flush(self):
        # logging.shutdown() flushes handlers at exit: flush the writer too.
        Aio.log_flush()


@contextlib.contextmanager
def _python_signals_kept():
    """GLib resets SIGINT/SIGTERM to SIG_DFL once its last watch of them
    goes away; put Python's handlers back then."""
    saved = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            saved[signum] = signal.getsignal(signum)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            if handler is not None:
                signal.signal(signum, handler)


class _Call:
    """One call of a plain Python function that may complete later:
    ``func(*args)``, or ``func(*args, done)`` (see :class:`_Done`) when
    ``wants_done``. ``begin(cancellable, on_finished)`` calls it;
    ``on_finished(call)`` runs once, when it returned or raised, when
    ``done`` was called, or when ``cancellable`` was cancelled (then with
    ``Gio.IOErrorEnum.CANCELLED`` and ``interrupted`` set; later ``done``
    calls are ignored). Mains, periodic and cron jobs, and the operations of
    timeout, retry and backoff are run this way."""

    def __init__(self, func, args=(), wants_done=False, invoker=None, what='The call'):
        self.func = func
        self.what = what
        self.args = args
        self.wants_done = wants_done
        self.finished = False
        self.interrupted = False
        self.value = None
        self.exception = None
        self.cancellable = None
        self.on_finished = None
        self.done = None
        self._invoker = invoker
        self._cancel_id = 0

    def begin(self, cancellable, on_finished):
        self.cancellable = cancellable
        self.on_finished = on_finished
        if self._invoker is None:
            self._invoker = _Invoker()
        if cancellable is not None:
            if cancellable.is_cancelled():
                self.interrupted = True
                self._complete(None, _cancelled_error('%s was cancelled before it ran'
                                                      % self.what))
                return
            self._cancel_id = GObject.Object.connect(cancellable, 'cancelled',
                                                     self._on_cancelled)
        try:
            if self.wants_done:
                self.done = _Done(self._complete, cancellable, self._invoker)
                self.func(*self.args, self.done)
                return
            value = self.func(*self.args)
        except BaseException as exc:
            self._complete(None, exc)
        else:
            self._complete(value, None)

    def _on_cancelled(self, cancellable):
        if not self.finished:
            self.interrupted = True
        self._invoker.invoke(self._complete, None,
                             _cancelled_error('%s was interrupted' % self.what))

    def _complete(self, value, error):
        if self.finished:
            return
        self.finished = True
        if self.done is not None:
            self.done._claim()  # later done() calls are ignored
        if error is not None and not isinstance(error, BaseException):
            error = _to_gerror(error)
        self.value = value
        self.exception = error
        if self._cancel_id:
            cancellable, cancel_id = self.cancellable, self._cancel_id
            self._cancel_id = 0
            self._invoker.defer(GObject.signal_handler_disconnect, cancellable, cancel_id)
        self.on_finished(self)


def _wants_done(func, nargs):
    """Whether func declares a ``done`` after ``nargs`` positional arguments
    (a parameter with a default value does not count)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return False
    required = [p for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(required) > nargs


def _method_wants_done(cache, func, nargs):
    """:func:`_wants_done` for ``func``, inspected once per method
    definition when it is a bound method (``cache``: a WeakKeyDictionary of
    the caller, for one ``nargs``); any other callable is inspected each
    time."""
    underlying = getattr(func, '__func__', None)
    if underlying is None:
        return _wants_done(func, nargs)
    try:
        return cache[underlying]
    except KeyError:
        wants = cache[underlying] = _wants_done(func, nargs)
        return wants
    except TypeError:  # not weakly referenceable
        return _wants_done(func, nargs)


class _LazyText:
    """A description for logs and error messages that ``make()`` writes
    when it is first formatted (``'%s' % text``): a call that succeeds
    quietly does not pay for it."""

    __slots__ = ('_make', '_text')

    def __init__(self, make):
        self._make = make
        self._text = None

    def __str__(self):
        if self._text is None:
            self._text = self._make()
        return self._text


def _main_call(main, entrypoint):
    """A main as a _Call: ``main()``, ``main(entrypoint)`` or
    ``main(entrypoint, done)``."""
    arity = _positional_arity(main)
    if arity is None:
        arity = 1
    return _Call(main, (entrypoint,) if arity >= 1 else (), arity >= 2,
                 _Invoker(entrypoint._aio_context()), 'The main function')


class Entrypoint(Aio.Entrypoint):
    """``Aio.Entrypoint(*services, **kwargs)``: see the module documentation."""

    def __init__(self, *services, **kwargs):
        props = _entrypoint_props(kwargs)
        for service in services:
            if not isinstance(service, Aio.Service):
                raise TypeError('Aio.Entrypoint() takes Aio.Service instances, not %r'
                                % (service,))
        super().__init__(**props)
        self._aio_main_context = GLib.MainContext.ref_thread_default()
        try:
            self.validate()
        except GLib.Error as error:
            raise ValueError(error.message) from None
        for service in services:
            self.add_service(service)

    def _aio_context(self):
        context = getattr(self, '_aio_main_context', None)
        return context or GLib.MainContext.ref_thread_default()

    @property
    def services(self):
        """The services of the entrypoint, as a list."""
        return list(self.dup_services())

    @property
    def context(self):
        """The ``Aio.Context`` its services share."""
        return self.get_context()

    def _aio_configure_logging(self):
        if not self.props.log_config:
            return
        level = Aio.LogLevel.DEBUG if self.props.debug else self.props.log_level
        # aio_entrypoint_run*() do this in C; start() does it here.
        Aio.log_setup()
        Aio.log_configure(level, self.props.log_format, self.props.log_buffering,
                          self.props.log_buffer_size, self.props.log_flush_interval)
        root = logging.getLogger()
        if not any(isinstance(h, _GLibLogHandler) for h in root.handlers):
            for handler in list(root.handlers):
                root.removeHandler(handler)
            root.addHandler(_GLibLogHandler())
        root.setLevel(_PY_LEVELS.get(int(level), logging.INFO))

    def _aio_with_cause(self, error):
        """Finds the Python exception behind a service's GLib.Error."""
        if error.__cause__ is not None:
            return error
        for service in self.dup_services():
            noted = getattr(service, '_aio_exception', None)
            if noted is not None and noted[0] in error.message:
                error.__cause__ = noted[1]
                break
        return error

    def _aio_watch_signals(self):
        """From start() to the end of stop(), SIGINT and SIGTERM make the
        entrypoint quit, as in aio_entrypoint_run()."""
        if getattr(self, '_aio_signal_watch', None) is not None:
            return
        saved = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                saved[signum] = signal.getsignal(signum)
        sources = []
        for signum in (signal.SIGINT, signal.SIGTERM):
            source = GLib.unix_signal_source_new(signum)
            # Below the entrypoint's own watch (installed by run_forever):
            # when both see a signal, the C one handles (and logs) it first.
            source.set_priority(source.get_priority() + 1)
            source.set_callback(self._aio_on_signal)
            source.attach(self._aio_context())
            sources.append(source)
        self._aio_signal_watch = (sources, saved)

    def _aio_unwatch_signals(self):
        watch = getattr(self, '_aio_signal_watch', None)
        if watch is None:
            return
        self._aio_signal_watch = None
        sources, saved = watch
        for source in sources:
            source.destroy()
        # GLib resets the signal to SIG_DFL when its last watch is
        # finalized: drop the sources first, then restore Python's handlers.
        del source, sources, watch
        for signum, handler in saved.items():
            if handler is not None:
                signal.signal(signum, handler)

    def _aio_on_signal(self, *args):
        # run_forever() watches the signals too (until the stop ends) and
        # handles them first; this watch covers the rest of the time, and a
        # signal that arrived before run_forever() installed its watch.
        if getattr(self, '_aio_phase', None) != 'stopping':
            _log(GLib.LogLevelFlags.LEVEL_INFO, 'Received a signal; the entrypoint will quit')
            self.quit()
        return GLib.SOURCE_CONTINUE

    def _aio_sync(self, begin, finish):
        result = {}

        def callback(entrypoint, res, *user_data):
            try:
                result['ok'] = finish(res)
            except GLib.Error as error:
                result['error'] = error

        context = self._aio_context()
        context.push_thread_default()
        try:
            begin(None, callback)
        finally:
            context.pop_thread_default()
        _iterate_until(context, lambda: result)
        if 'error' in result:
            raise self._aio_with_cause(result['error'])

    def start(self):
        """Configures logging and starts every service; blocks until they
        are up. Raises the ``GLib.Error`` of a service that failed to start
        (the others are stopped first). From now until :meth:`stop` ends,
        SIGINT and SIGTERM make the entrypoint quit."""
        self._aio_configure_logging()
        self._aio_watch_signals()
        self._aio_phase = 'starting'
        try:
            self._aio_sync(self.start_async, self.start_finish)
        except BaseException:
            self._aio_phase = None
            self._aio_unwatch_signals()
            raise
        finally:
            Aio.log_flush()
        self._aio_phase = 'started'

    def stop(self):
        """Stops every service; blocks until they are stopped. Raises a
        ``GLib.Error`` if one failed to stop or the shutdown timed out.
        A signal during the stop is ignored; Python's signal handlers are
        restored after."""
        self._aio_watch_signals()
        self._aio_phase = 'stopping'
        try:
            self._aio_sync(self.stop_async, self.stop_finish)
        finally:
            self._aio_phase = None
            Aio.log_flush()
            self._aio_unwatch_signals()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.stop()
        except GLib.Error as error:
            if exc is None:
                raise
            _log(GLib.LogLevelFlags.LEVEL_WARNING, 'While stopping: %s' % error.message)
        return False

    def run_forever(self):
        """Runs the main loop until SIGINT, SIGTERM, :meth:`quit` or a
        runtime failure of a service, which is raised."""
        phase = getattr(self, '_aio_phase', None)
        self._aio_phase = 'running'
        try:
            Aio.Entrypoint.run_forever(self)
        except GLib.Error as error:
            raise self._aio_with_cause(error)
        finally:
            self._aio_phase = phase

    def run_until_complete(self, main):
        """Runs ``main`` on the started entrypoint and returns its value
        (aiomisc's ``loop.run_until_complete``): ``main()``,
        ``main(entrypoint)`` or, long-running, ``main(entrypoint, done)``."""
        if main is None:
            self.run_forever()
            return None
        state = {'looping': False}

        def finished(run):
            if state['looping']:
                self.quit()

        run = _main_call(main, self)
        cancellable = Gio.Cancellable()
        context = self._aio_context()
        context.push_thread_default()
        try:
            run.begin(cancellable, finished)
        finally:
            context.pop_thread_default()

        failure = None
        if not run.finished:
            state['looping'] = True
            try:
                self.run_forever()
            except GLib.Error as error:
                failure = error
            finally:
                state['looping'] = False
        if not run.finished:
            cancellable.cancel()
            _iterate_until(context, lambda: run.finished)
            raise failure or _cancelled_error(
                'The main function was interrupted by a signal or a quit')
        if failure is not None:
            raise failure
        if run.exception is not None:
            raise run.exception
        return run.value

    def run(self):
        """Starts the services, runs until SIGINT, SIGTERM or :meth:`quit`,
        stops them (``aio_entrypoint_run``); returns True or raises."""
        self._aio_run_main(None)
        return True

    def _aio_run_main(self, main):
        run = None
        if main is not None:
            run = _main_call(main, self)

            def main_func(entrypoint, task, *user_data):
                def finished(r):
                    if r.exception is None:
                        task.return_boolean(True)
                    else:
                        task.return_error(_to_gerror(r.exception))
                run.begin(task.get_cancellable(), finished)

        if self.props.log_config:
            self._aio_configure_logging()
        with _python_signals_kept():
            try:
                Aio.Entrypoint.run_main(self, main_func if run else None, None)
            except GLib.Error as error:
                if run is not None and run.finished and run.exception is not None \
                        and not run.interrupted:
                    raise run.exception from None
                raise self._aio_with_cause(error)
        if run is not None:
            if run.exception is not None:
                raise run.exception
            return run.value
        return None


Entrypoint = override(Entrypoint)
__all__.append('Entrypoint')


# Context

class Context(Aio.Context):
    """Values shared between services (aiomisc's ``Context``): a mapping
    whose ``wait`` calls back once a key is set."""

    def lookup(self, key):
        """Returns ``(True, value)``, or ``(False, None)`` if ``key`` is not set."""
        try:
            return Aio.Context.lookup(self, key)
        except TypeError:
            # An unset key leaves the out GValue uninitialized, which
            # PyGObject cannot convert.
            return (False, None)

    def set(self, key, value):
        """Sets ``key`` to ``value`` and wakes up its waiters. Values that
        GLib has no type for (None, ints beyond 32 bits...) are kept as
        Python objects."""
        try:
            Aio.Context.set(self, key, value)
        except (TypeError, OverflowError, ValueError):
            Aio.Context.set(self, key, GObject.Value(GObject.TYPE_PYOBJECT, value))

    def __getitem__(self, key):
        found, value = self.lookup(key)
        if not found:
            raise KeyError(key)
        return value

    def __setitem__(self, key, value):
        self.set(key, value)

    def __contains__(self, key):
        return self.lookup(key)[0]

    def get(self, key, default=None):
        found, value = self.lookup(key)
        return value if found else default

    def get_finish(self, result):
        """Returns the value (raises ``GLib.Error`` if the wait failed)."""
        ret = Aio.Context.get_finish(self, result)
        if isinstance(ret, tuple):
            return ret[-1]
        return ret

    def wait(self, key, callback, *args, cancellable=None, on_error=None):
        """Calls ``callback(value, *args)`` once ``key`` is set (at once if
        it is). If the wait fails (cancelled, or the context closed),
        ``on_error(error)`` is called if given."""
        def ready(context, result, *user_data):
            try:
                value = context.get_finish(result)
            except GLib.Error as error:
                if on_error is not None:
                    on_error(error)
                elif not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                    _log(GLib.LogLevelFlags.LEVEL_WARNING,
                         'Waiting for context key %r failed: %s' % (key, error.message))
                return
            callback(value, *args)

        self.get_async(key, cancellable, ready)


Context = override(Context)
__all__.append('Context')


# aiomisc.threaded

def _outcome_handler(callback, errback, what):
    """``deliver(ok, value)`` for the callback/errback style of the module:
    ``callback(value)`` or ``errback(exception)``; a ``done`` may be the
    callback (its ``fail`` is then the errback); without errback, a failure
    is logged as a warning naming ``what()``."""
    if errback is None and isinstance(callback, _Done):
        errback = callback.fail

    def deliver(ok, value):
        if ok:
            if callback is not None:
                callback(value)
        elif errback is not None:
            errback(value)
        else:
            _log(GLib.LogLevelFlags.LEVEL_WARNING, '%s failed: %s' % (what(), _describe(value)))

    return deliver


def _func_name(func):
    return getattr(func, '__qualname__', None) or repr(func)


def run_in_thread(func, *args, callback=None, errback=None, cancellable=None):
    """Runs the blocking ``func(*args)`` on the worker pool of the current
    entrypoint (aiomisc's ``@threaded``), then, on the calling thread's
    main loop, calls ``callback(value)`` with what it returned or
    ``errback(exception)`` with what it raised (any object and any
    exception). A ``done`` may be the callback: its ``fail`` is then the
    errback. Without errback, a failure is logged. Cancelling
    ``cancellable`` before ``func`` runs fails with ``Gio.IOErrorEnum.CANCELLED``;
    ``func`` itself is not interrupted."""
    deliver = _outcome_handler(callback, errback,
                               lambda: 'run_in_thread(%s)' % _func_name(func))

    def work(*data):
        try:
            # A list: PyGObject keeps it as one Python object (a tuple
            # would be taken as out values).
            return [True, func(*args)]
        except BaseException as exc:
            return [False, exc]

    def finished(source, result, *user_data):
        try:
            ok, value = Aio.run_in_thread_value_finish(result)
        except GLib.Error as error:
            ok, value = False, error
        deliver(ok, value)

    Aio.run_in_thread_value_async(work, cancellable=cancellable, callback=finished)


__all__.append('run_in_thread')


# aiomisc.run

def run(main=None, *services, **kwargs):
    """``aiomisc.run(main, *services, **kwargs)``: starts the services, runs
    ``main``, stops the services and returns what ``main`` returned (or
    raises what it raised). See the module documentation."""
    if main is not None and not callable(main):
        raise TypeError('Aio.run() needs a callable main (or None), not %r' % (main,))
    entrypoint = Entrypoint(*services, **kwargs)
    return entrypoint._aio_run_main(main)


__all__.append('run')


# Timers: periodic and cron jobs

def _job_error(call, what):
    """The GLib.Error a periodic or cron job failed with (None if it
    succeeded); the traceback of a Python exception goes to the debug log,
    the C side logs the failure as a warning with the job's name."""
    exc = call.exception
    if exc is None:
        return None
    if not isinstance(exc, GLib.Error) and not call.interrupted:
        _log(GLib.LogLevelFlags.LEVEL_DEBUG,
             '%s raised:\n%s' % (what, ''.join(traceback.format_exception(exc)).rstrip()))
    return _to_gerror(exc)


class _Job:
    """The Python function of an Aio.PeriodicCallback or a cron
    registration, as an AioPeriodicFunc/AioCronFunc: runs ``func(*args)``
    (or ``func(*args, done)``) and completes the GTask with its outcome."""

    def __init__(self, func, args):
        if not callable(func):
            raise TypeError('%r is not callable' % (func,))
        self.func = func
        self.args = args
        self.wants_done = _wants_done(func, len(args))

    def __call__(self, owner, task, *user_data):
        what = '%s %r' % (type(owner).__name__, owner.props.name)

        def finished(call):
            error = _job_error(call, what)
            if error is None:
                task.return_boolean(True)
            else:
                task.return_error(error)

        _Call(self.func, self.args, self.wants_done, what=what).begin(
            task.get_cancellable(), finished)


def _stop_with_callbacks(stoppable, callback, errback):
    """Calls stop_async of a periodic or cron callback; callback(None) or
    errback(error) once it has stopped."""
    deliver = _outcome_handler(callback, errback,
                               lambda: 'Stopping %r' % stoppable.props.name)

    def stopped(source, result, *user_data):
        try:
            source.stop_finish(result)
        except GLib.Error as error:
            deliver(False, error)
        else:
            deliver(True, None)

    stoppable.stop_async(None, stopped)


class _ScheduledCallback:
    """What Aio.PeriodicCallback and Aio.RecurringCallback share: made
    with a Python function (the C types take theirs at construction only),
    stopped with a callback."""

    def __new__(cls, func, *args, name=None, clock=None):
        return cls.new(_Job(func, args))

    def __init__(self, func, *args, name=None, clock=None):
        # Constructed by __new__: only the keywords are left to apply.
        if name is not None:
            self.props.name = name
        if clock is not None:
            self.props.clock = clock

    def stop(self, callback=None, errback=None):
        """Stops the schedule; the call in progress is cancelled unless
        shielded. ``callback(None)`` is called once it has completed."""
        _stop_with_callbacks(self, callback, errback)

    def __repr__(self):
        return '<Aio.%s %r %s>' % (type(self).__name__, self.props.name,
                                   'running' if self.is_running() else 'stopped')


class PeriodicCallback(_ScheduledCallback, Aio.PeriodicCallback):
    """``Aio.PeriodicCallback(func, *args, name=None, clock=None)``:
    aiomisc's ``PeriodicCallback``; ``start(interval)`` calls ``func(*args)``
    (or, asynchronous, ``func(*args, done)``) every ``interval`` seconds
    after the previous call completed. See the module documentation."""

    def start(self, interval=None, delay=None, shield=None):
        """Starts the schedule (aiomisc's ``start(interval, delay=0,
        shield=False)``); arguments left out keep the values of the
        properties. Raises a ``GLib.Error`` (``Gio.IOErrorEnum``) if the
        interval is not greater than 0 or the callback is running."""
        for key, value in (('interval', interval), ('delay', delay), ('shield', shield)):
            if value is not None:
                self.set_property(key, value)
        return Aio.PeriodicCallback.start(self)


PeriodicCallback = override(PeriodicCallback)
__all__.append('PeriodicCallback')


def _strategy_func(strategy):
    """An AioRecurringStrategy over a Python one that returns the delay
    before the next call, None to stop, or a (delay, Aio.RecurringAction)."""
    def func(recurring, *user_data):
        try:
            decision = strategy(recurring)
        except Exception as exc:
            _log(GLib.LogLevelFlags.LEVEL_WARNING,
                 'Recurring callback %r: its strategy raised %s; stopping'
                 % (recurring.props.name, _describe(exc)))
            return 0.0, Aio.RecurringAction.STOP
        if decision is None:
            return 0.0, Aio.RecurringAction.STOP
        if isinstance(decision, tuple):
            return float(decision[0]), decision[1]
        return float(decision), Aio.RecurringAction.RUN_AFTER
    return func


class RecurringCallback(_ScheduledCallback, Aio.RecurringCallback):
    """``Aio.RecurringCallback(func, *args, name=None, clock=None)``:
    aiomisc's ``RecurringCallback``; ``start(strategy)`` asks
    ``strategy(recurring)`` for the delay before each call."""

    def start(self, strategy, shield=None):
        """Starts calling: ``strategy(recurring)`` returns the seconds to
        wait before the next call, ``None`` to stop, or ``(seconds,
        Aio.RecurringAction.SKIP)`` to ask again later without calling."""
        if shield is not None:
            self.props.shield = shield
        return Aio.RecurringCallback.start(self, _strategy_func(strategy))


RecurringCallback = override(RecurringCallback)
__all__.append('RecurringCallback')


def _async_vfunc(method, nargs, describe, note_cause=False):
    """The Python implementation of an asynchronous C virtual method
    ``do_X_async(self, *args, cancellable, callback, user_data)`` (``nargs``
    arguments) that calls the plain method ``method`` of the object:
    ``method(*args)``, or ``method(*args, done)`` when it declares a
    ``done`` (see :class:`_Call`). Its outcome completes the GTask that the
    C default ``X_finish`` propagates (:func:`_complete_vfunc`); a Python
    exception becomes a ``GLib.Error`` ``"Type: message"``, its traceback
    goes to the debug log. ``describe(self, *args)`` names the call in the
    logs; it runs only when something is logged (:class:`_LazyText`). With
    ``note_cause``, the exception is kept as the cause of the service's
    failure (see ``Entrypoint._aio_with_cause``)."""
    wants_done = weakref.WeakKeyDictionary()

    def vfunc(self, *params):
        args = params[:nargs]
        cancellable, callback = params[nargs:nargs + 2]
        invoker = _Invoker()
        func = getattr(self, method)
        what = _LazyText(lambda: describe(self, *args))

        def finished(call):
            exc = call.exception
            if note_cause and exc is not None and not isinstance(exc, GLib.Error) \
                    and not call.interrupted:
                error = _to_gerror(exc)
                self._aio_note_exception(error, exc)
            else:
                error = _job_error(call, what)
            _complete_vfunc(self, callback, invoker, error)

        _Call(func, args, _method_wants_done(wants_done, func, nargs), invoker,
              what).begin(cancellable, finished)

    vfunc._aio_injected = True
    return vfunc


_do_callback_async = _async_vfunc(
    'callback', 0, lambda self: 'Periodic service %r' % self.props.name)


class PeriodicService(Aio.PeriodicService):
    """A service that calls its ``callback`` every ``interval`` seconds
    (aiomisc's ``PeriodicService``); see the module documentation."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # As Service does for start/stop: the first Python subclass gets a
        # callback_async vfunc that calls the plain callback().
        _hook_vfunc(cls, 'do_callback_async', _do_callback_async)

    def __init__(self, **kwargs):
        # aiomisc style: class attributes give the defaults of the keywords.
        for key in ('interval', 'delay', 'shield'):
            default = getattr(type(self), key, None)
            if key not in kwargs and isinstance(default, (int, float)):
                kwargs[key] = default
        super().__init__(**kwargs)

    def callback(self):
        """The periodic work: ``callback(self)``, or ``callback(self,
        done)`` when asynchronous. Subclasses override it."""
        raise NotImplementedError('%s does not define callback()' % type(self).__name__)


PeriodicService = override(PeriodicService)
__all__.append('PeriodicService')


class CronService(Aio.CronService):
    """A service that runs functions on cron schedules (aiomisc's
    ``CronService``): ``service.register(func, "*/5 * * * *")``."""

    def register(self, func, spec, *args, shield=None, name=None):
        """Runs ``func(*args)`` (or ``func(*args, done)``) on the schedule
        of the cron expression ``spec`` while the service runs; returns the
        ``Aio.CronCallback``. Raises a ``GLib.Error`` (``Aio.Error.CRON_PARSE``)
        naming the bad field of an invalid expression. (The C order,
        ``register(spec, func)``, is taken too.)"""
        if isinstance(func, str) and callable(spec):
            func, spec = spec, func
        callback = Aio.CronService.register(self, spec, _Job(func, args))
        if shield is not None:
            callback.props.shield = shield
        if name is not None:
            callback.props.name = name
        return callback

    @property
    def callbacks(self):
        """The registered ``Aio.CronCallback``s, as a list."""
        return list(self.dup_callbacks())


CronService = override(CronService)
__all__.append('CronService')


# Resilience: timeout, retry, backoff, circuit breaker

def _exception_types(exceptions):
    """``exceptions`` (a type, or a list or tuple of them) as a tuple, or None."""
    if exceptions is None or isinstance(exceptions, tuple):
        return exceptions
    if isinstance(exceptions, type):
        return (exceptions,)
    return tuple(exceptions)


def _error_key(error):
    return (error.domain, error.code, error.message)


def _python_value(value):
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


class _Operation:
    """A Python function as the AioTaskFunc of timeout, backoff, retry and
    select: ``func(*args, done)`` (``done.cancellable`` is the operation's
    cancellable, cancelled on timeout) or, synchronous, ``func(*args)``. Its
    value travels through C in a GValue (of Python objects, unless
    ``to_gvalue`` says otherwise); an exception becomes a GLib.Error and is
    found again by :func:`_raised_by`."""

    def __init__(self, func, args=(), nargs=None):
        if not callable(func):
            raise TypeError('%r is not callable' % (func,))
        self.func = func
        self.args = args
        self.wants_done = _wants_done(func, len(args) if nargs is None else nargs)
        self.raised = {}

    def __call__(self, task, cancellable, *data):
        self.start(task, cancellable, self.args)

    def start(self, task, cancellable, args, to_gvalue=_python_value):
        def finished(call):
            exc = call.exception
            if exc is None:
                try:
                    task.return_value(to_gvalue(call.value))
                    return
                except Exception as bad_value:
                    exc = bad_value
            error = _to_gerror(exc)
            if not call.interrupted:
                self.raised[_error_key(error)] = exc
                if len(self.raised) > 64:  # a long-lived operation: keep the recent ones
                    del self.raised[next(iter(self.raised))]
            task.return_error(error)

        _Call(self.func, args, self.wants_done,
              what='The operation %s' % _func_name(self.func)).begin(cancellable, finished)

    def deliver_to(self, deliver, finish):
        """An AsyncReadyCallback that hands ``finish(result)`` (a value) or
        the original exception to ``deliver(ok, value)``."""
        operations = (self,)

        def ready(source, result, *user_data):
            try:
                value = finish(result)
            except GLib.Error as error:
                deliver(False, _raised_by(operations, error) or error)
            else:
                deliver(True, value)
        return ready


def _raised_by(operations, error):
    """The exception one of the operations raised that became ``error``."""
    for op in list(operations):
        exc = op.raised.get(_error_key(error))
        if exc is not None:
            return exc
    return None


def timeout(seconds, func, *args, callback=None, errback=None, cancellable=None, clock=None):
    """Runs ``func(*args, done)`` with a time limit (aiomisc's ``timeout``):
    ``callback(value)`` with what it completed with, or ``errback(error)``
    with its exception, or a ``GLib.Error`` ``Gio.IOErrorEnum.TIMED_OUT``
    once ``seconds`` have passed. At the deadline ``done.cancellable`` is
    cancelled and later ``done`` calls are ignored."""
    op = _Operation(func, args)
    deliver = _outcome_handler(callback, errback,
                               lambda: 'timeout(%s)' % _func_name(func))
    Aio.timeout_full_async(clock, seconds, op, cancellable=cancellable,
                           callback=op.deliver_to(deliver, Aio.timeout_full_finish))


__all__.append('timeout')


def _giveup_func(giveup, exceptions, operations):
    """An AioBackoffGiveupFunc over Python predicates: ``giveup(exception)``
    and ``exceptions`` (the types retried), applied to what the functions
    of the running ``operations`` raised; other errors (attempt timeouts)
    only to ``giveup``."""
    def func(error, *user_data):
        exc = _raised_by(operations, error)
        if exc is not None and exceptions is not None and not isinstance(exc, exceptions):
            return True
        return bool(giveup(exc if exc is not None else error)) if giveup else False
    return func


class Backoff(Aio.Backoff):
    """``Aio.Backoff(attempt_timeout=None, deadline=None, pause=0.1,
    max_tries=None, giveup=None, exceptions=None, **properties)``: aiomisc's
    ``asyncbackoff`` as an object; ``run(func, *args, callback=...)``."""

    def __init__(self, attempt_timeout=None, deadline=None, pause=0.1, max_tries=None,
                 giveup=None, exceptions=None, **props):
        props.update(attempt_timeout=attempt_timeout or 0.0, deadline=deadline or 0.0,
                     pause=pause, max_tries=-1 if max_tries is None else max_tries)
        props = _object_props(Aio.Backoff, props)
        super().__init__(**props)
        self._aio_operations = set()
        if giveup is not None or exceptions is not None:
            self.set_giveup_func(_giveup_func(giveup, _exception_types(exceptions),
                                              self._aio_operations))

    def run(self, func, *args, callback=None, errback=None, cancellable=None):
        """Runs ``func(*args, done)`` (or ``func(*args)``) until it succeeds
        or the limits are reached; then ``callback(value)``, or
        ``errback(exception)`` with the last exception it raised (a
        ``GLib.Error`` for a time-out, a cancellation or bad properties)."""
        self._aio_run(func, args, callback, errback, cancellable, 'Backoff of %s')

    def _aio_run(self, func, args, callback, errback, cancellable, what):
        op = _Operation(func, args)
        operations = getattr(self, '_aio_operations', set())
        operations.add(op)
        deliver = _outcome_handler(callback, errback, lambda: what % _func_name(func))

        def finished(ok, value):
            operations.discard(op)
            deliver(ok, value)

        self.run_async(op, cancellable=cancellable,
                       callback=op.deliver_to(finished, self.run_finish))


Backoff = override(Backoff)
__all__.append('Backoff')


def retry(func, *args, max_tries=3, pause=0.1, exceptions=None, giveup=None,
          callback=None, errback=None, cancellable=None):
    """aiomisc's ``asyncretry``: runs ``func(*args, done)`` (or
    ``func(*args)``) up to ``max_tries`` times, ``pause`` seconds apart,
    until it succeeds; then ``callback(value)`` or ``errback(exception)``
    with the last exception. ``exceptions`` limits the retried types,
    ``giveup(exception)`` returning true stops at once."""
    backoff = Backoff(pause=pause, max_tries=max_tries, giveup=giveup, exceptions=exceptions)
    backoff._aio_run(func, args, callback, errback, cancellable, 'retry(%s)')


__all__.append('retry')


class CircuitBreaker(Aio.CircuitBreaker):
    """``Aio.CircuitBreaker(error_ratio, response_time, exceptions=None,
    **properties)``: aiomisc's ``CircuitBreaker``; ``call(func, *args)``
    calls ``func`` unless the breaker is broken."""

    def __init__(self, error_ratio=None, response_time=None, exceptions=None, **props):
        if error_ratio is not None:
            props['error_ratio'] = error_ratio
        if response_time is not None:
            props['response_time'] = response_time
        super().__init__(**_object_props(Aio.CircuitBreaker, props))
        if exceptions is not None:
            self.set_filter_func(_breaker_filter(_exception_types(exceptions),
                                                 self._aio_raised))

    @property
    def _aio_raised(self):
        # Per thread: what the function of the current call raised. (Made
        # here for breakers built by Aio.CircuitBreaker.new() too.)
        return self.__dict__.setdefault('_aio_raised_local', threading.local())

    def call(self, func, *args, **kwargs):
        """Calls ``func(*args, **kwargs)`` and returns what it returns,
        raising what it raises, unless the breaker refuses the call: then
        raises a ``GLib.Error`` ``Aio.Error.CIRCUIT_BROKEN`` at once.
        The outcome is recorded. May be called from any thread."""
        raised = self._aio_raised
        state = {}

        def guarded(*user_data):
            try:
                state['value'] = func(*args, **kwargs)
            except BaseException as exc:
                error = _to_gerror(exc)
                raised.last = (_error_key(error), exc)
                raise error
        try:
            Aio.CircuitBreaker.call(self, guarded)
        except GLib.Error as error:
            last, raised.last = getattr(raised, 'last', None), None
            if last is not None and last[0] == _error_key(error):
                raise last[1] from None
            raise
        finally:
            raised.last = None
        return state.get('value')


def _breaker_filter(exceptions, raised):
    """An AioCircuitBreakerFilterFunc: counts what the function of the
    current call raised if it is one of ``exceptions``."""
    def counts(error, *user_data):
        last = getattr(raised, 'last', None)
        if last is None or last[0] != _error_key(error):
            return True
        return isinstance(last[1], exceptions)
    return counts


CircuitBreaker = override(CircuitBreaker)
__all__.append('CircuitBreaker')


def select(*funcs, callback=None, errback=None, cancellable=None, cancel=True, wait=True):
    """aiomisc's ``select``: starts every ``func(done)`` (or ``func()``) and
    reports the first to complete, with ``callback((index, value))`` or
    ``errback(exception)``. The others are cancelled (``cancel=False``
    leaves them running) and waited for (``wait=False`` does not)."""
    if not funcs:
        raise TypeError('Aio.select() needs at least one function')
    ops = [_Operation(func) for func in funcs]
    deliver = _outcome_handler(callback, errback, lambda: 'select(%s)' % ', '.join(
        _func_name(func) for func in funcs))
    flags = Aio.SelectFlags.NONE
    if not cancel:
        flags |= Aio.SelectFlags.NO_CANCEL
    if not wait:
        flags |= Aio.SelectFlags.NO_WAIT

    def start(task, index, op_cancellable, *data):
        ops[index].start(task, op_cancellable, ())

    def ready(source, result, *user_data):
        try:
            winner, value = Aio.select_finish(result)
        except GLib.Error as error:
            deliver(False, _raised_by(ops, error) or error)
        else:
            deliver(True, (winner, value))

    Aio.select_async(len(ops), flags, start, cancellable=cancellable, callback=ready)


__all__.append('select')


class _Batch:
    """The batch function of an Aio.Aggregator over Python objects: the C
    side carries keys (``t``) of the items and of the results, kept here."""

    def __init__(self, func):
        self.op = _Operation(func, nargs=1)
        self.items = {}
        self.results = {}
        self.keys = iter(range(1, 2 ** 64))

    def add(self, item):
        key = next(self.keys)
        self.items[key] = item
        return GLib.Variant('t', key)

    def __call__(self, task, items, cancellable, *data):
        keys = items.unpack()

        def to_gvalue(results):
            results = list(results)
            if len(results) != len(keys):
                raise ValueError('The batch function returned %d results for %d items'
                                 % (len(results), len(keys)))
            self.results.update(zip(keys, results))
            return GObject.Value(GObject.TYPE_VARIANT, GLib.Variant('at', keys))

        self.op.start(task, cancellable, ([self.items[key] for key in keys],), to_gvalue)

    def take(self, key):
        """Forgets the item of ``key``; returns its result."""
        self.items.pop(key, None)
        return self.results.pop(key, None)


class Aggregator(Aio.Aggregator):
    """``Aio.Aggregator(func, leeway=0.1, max_count=None, **properties)``:
    aiomisc's ``aggregate``. ``call(item, callback=...)`` gathers items
    for ``leeway`` seconds (or until ``max_count``), then ``func(items)``
    (or ``func(items, done)``) returns one result per item, in order; each
    caller gets its own, or the batch's exception."""

    def __init__(self, func, leeway=0.1, max_count=None, **props):
        props.update(leeway=leeway, max_count=-1 if max_count is None else max_count)
        super().__init__(**_object_props(Aio.Aggregator, props))
        self._aio_batch = _Batch(func)
        self.set_func(self._aio_batch)

    def call(self, item, callback=None, errback=None, cancellable=None):
        """Adds ``item`` (any Python object) to the current batch; then
        ``callback(result)`` or ``errback(exception)``."""
        batch = self._aio_batch
        key = batch.add(item)
        deliver = _outcome_handler(callback, errback,
                                   lambda: 'Aggregator of %s' % _func_name(batch.op.func))

        def ready(source, result, *user_data):
            try:
                source.call_finish(result)
            except GLib.Error as error:
                batch.take(key.unpack())
                deliver(False, _raised_by((batch.op,), error) or error)
            else:
                deliver(True, batch.take(key.unpack()))

        self.call_async(key, cancellable, ready)


Aggregator = override(Aggregator)
__all__.append('Aggregator')


# Network: TCP and UDP servers, stream protocols, TCP clients

def _defines(cls, name):
    """Whether a Python class of cls (not this override, nor the wrapper of
    a C type) defines ``name``: the C invokers of the protocol and the UDP
    server have the names of the plain methods a subclass writes."""
    for klass in cls.__mro__:
        if klass.__module__ == Aio.__name__:
            return False
        if klass.__module__ != __name__ and name in klass.__dict__:
            return True
    return False


def _format_address(address):
    """``host:port`` (``[host]:port`` for IPv6), a Unix socket path, or
    ``'?'``: how the C services name a peer."""
    if isinstance(address, Gio.InetSocketAddress):
        host = address.get_address().to_string()
        if address.get_family() == Gio.SocketFamily.IPV6:
            host = '[%s]' % host
        return '%s:%d' % (host, address.get_port())
    if isinstance(address, Gio.UnixSocketAddress):
        return address.get_path() or '(unnamed)'
    return '?' if address is None else str(address)


def _peer_of(stream):
    """The peer address of a connection (a TLS one too), formatted."""
    if isinstance(stream, Gio.TlsConnection):
        stream = stream.props.base_io_stream
    try:
        return _format_address(stream.get_remote_address())
    except (AttributeError, GLib.Error):
        return '?'


def _socket_address(address):
    """A ``Gio.SocketAddress``, or ``(host, port)`` as one."""
    if isinstance(address, Gio.SocketAddress):
        return address
    if isinstance(address, tuple) and len(address) == 2:
        host, port = address
        try:
            return Gio.InetSocketAddress.new_from_string(host, port)
        except TypeError:  # the constructor returned NULL: not an IP address
            raise ValueError('Invalid address %r: expected an IP address and a port'
                             % (address,)) from None
    raise TypeError('Expected a Gio.SocketAddress or a (host, port) tuple, not %r' % (address,))


class TcpServer(Aio.TcpServer):
    """aiomisc's ``TCPServer``: ``handle_client(self, stream)`` (or, when
    asynchronous, ``handle_client(self, stream, done)``) serves one client;
    or a ``protocol_type`` (an ``Aio.StreamProtocol`` subclass, keyword or
    class attribute) serves each client with a protocol object. See the
    module documentation."""

    protocol_type = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_client'):
            _hook_vfunc(cls, 'do_handle_client_async', _do_handle_client_async)

    def __init__(self, **kwargs):
        if type(self).protocol_type is not None:
            kwargs.setdefault('protocol_type', type(self).protocol_type)
        protocol_type = kwargs.get('protocol_type', kwargs.get('protocol-type'))
        if protocol_type is not None and not (isinstance(protocol_type, type) and
                                              issubclass(protocol_type, Aio.StreamProtocol)):
            raise TypeError('%s(): protocol_type must be an Aio.StreamProtocol subclass, not %r'
                            % (type(self).__name__, protocol_type))
        super().__init__(**kwargs)


_do_handle_client_async = _async_vfunc(
    'handle_client', 1, lambda self, stream: 'Server %r: the handler of client %s'
    % (self.props.name, _peer_of(stream)))

TcpServer = override(TcpServer)
__all__.append('TcpServer')


def _protocol_call(protocol, name, *args):
    """Calls the plain method ``name`` of a Python protocol, as asyncio
    does: an exception is logged and aborts the connection (``_fatal_error``);
    returns None then."""
    try:
        return getattr(protocol, name)(*args)
    except Exception as exc:
        transport = getattr(protocol, '_aio_transport', None)
        peer = _format_address(transport.get_remote_address()) if transport else '?'
        _log(GLib.LogLevelFlags.LEVEL_WARNING,
             'Protocol %s of %s: %s() raised %s; aborting the connection'
             % (type(protocol).__name__, peer, name, _describe(exc)))
        _log(GLib.LogLevelFlags.LEVEL_DEBUG,
             ''.join(traceback.format_exception(exc)).rstrip())
        if transport is not None and name != 'connection_lost':
            transport.abort()
        return None


def _do_connection_made(self, transport):
    self._aio_transport = transport
    if 'connection_made' in type(self)._aio_plain:
        _protocol_call(self, 'connection_made', transport)


def _do_data_received(self, data, *length):
    # PyGObject (3.42) passes the length of the array too.
    _protocol_call(self, 'data_received', bytes(data))


def _do_eof_received(self):
    return bool(_protocol_call(self, 'eof_received'))


def _do_connection_lost(self, error):
    try:
        if 'connection_lost' in type(self)._aio_plain:
            _protocol_call(self, 'connection_lost', error)
    finally:
        self._aio_transport = None  # the transport drops the protocol now


def _do_pause_writing(self):
    _protocol_call(self, 'pause_writing')


def _do_resume_writing(self):
    _protocol_call(self, 'resume_writing')


_PROTOCOL_HOOKS = {
    'connection_made': _do_connection_made,
    'data_received': _do_data_received,
    'eof_received': _do_eof_received,
    'connection_lost': _do_connection_lost,
    'pause_writing': _do_pause_writing,
    'resume_writing': _do_resume_writing,
}


class StreamProtocol(Aio.StreamProtocol):
    """asyncio's ``Protocol``: a subclass writes the plain methods
    ``connection_made(self, transport)``, ``data_received(self, data)``
    (``bytes``), ``eof_received(self)`` (true keeps a half-closed connection
    open), ``connection_lost(self, error)`` (None after a clean close),
    ``pause_writing(self)`` and ``resume_writing(self)``. See the module
    documentation."""

    _aio_plain = frozenset()  # the plain methods of the class, see below

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        plain = [name for name in _PROTOCOL_HOOKS if _defines(cls, name)]
        # Per class, for the hooks (which subclasses inherit) to look up on
        # every connection.
        cls._aio_plain = frozenset(plain)
        if not plain:
            return
        # connection_made and connection_lost keep the transport (for the
        # log and the abort of a failing method) whichever methods are plain.
        for name in set(plain) | {'connection_made', 'connection_lost'}:
            _hook_vfunc(cls, 'do_' + name, _PROTOCOL_HOOKS[name])


StreamProtocol = override(StreamProtocol)
__all__.append('StreamProtocol')


def _do_handle_datagram(self, data, address):
    try:
        self.handle_datagram(data.get_data(), address)
    except Exception as exc:
        _log(GLib.LogLevelFlags.LEVEL_WARNING,
             'Server %r: handling a datagram from %s failed: %s'
             % (self.props.name, _format_address(address), _describe(exc)))
        _log(GLib.LogLevelFlags.LEVEL_DEBUG,
             ''.join(traceback.format_exception(exc)).rstrip())


class UdpServer(Aio.UdpServer):
    """aiomisc's ``UDPServer``: ``handle_datagram(self, data, address)``
    gets every datagram (``bytes``) and its sender (a
    ``Gio.InetSocketAddress``); ``send_to(data, address)`` answers."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_datagram'):
            _hook_vfunc(cls, 'do_handle_datagram', _do_handle_datagram)

    def send_to(self, data, address):
        """Sends ``data`` (``bytes`` or ``GLib.Bytes``) to ``address`` (a
        ``Gio.SocketAddress`` or a ``(host, port)`` tuple) from the
        server's socket. Raises a ``GLib.Error`` if it cannot be sent."""
        if not isinstance(data, GLib.Bytes):
            data = GLib.Bytes.new(bytes(data))
        return Aio.UdpServer.send_to(self, data, _socket_address(address))


UdpServer = override(UdpServer)
__all__.append('UdpServer')


class TcpClient(Aio.TcpClient):
    """aiomisc's ``TCPClient``: ``handle_connection(self, connection)`` (or,
    asynchronous, ``handle_connection(self, connection, done)``) talks to
    the server once connected. See the module documentation."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_connection'):
            _hook_vfunc(cls, 'do_handle_connection_async', _do_handle_connection_async)


_do_handle_connection_async = _async_vfunc(
    'handle_connection', 1, lambda self, connection: 'Client %r: the connection handler'
    % self.props.name, note_cause=True)

TcpClient = override(TcpClient)
__all__.append('TcpClient')


def _attach_application(self, application):
    """Runs the services inside ``application`` (any Gio.Application):
    they start at its ``startup`` and stop before ``application.run()``
    returns. Python's ``logging`` joins the aiomisc-glib writer at
    ``startup`` too, as with ``run()``."""
    # Connected first: logging is ready before the services start.
    application.connect('startup', lambda app: self._aio_configure_logging())
    Aio.Entrypoint.attach_application(self, application)


Entrypoint.attach_application = _attach_application
