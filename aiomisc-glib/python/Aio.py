# Aio.py: the PyGObject override of aiomisc-glib (namespace Aio)
#
# SPDX-License-Identifier: MIT

"""Pythonic aiomisc-glib: services are plain classes, as in aiomisc; their
methods may be ``async def`` coroutines, run by asyncio on GLib's main
context. The guide is docs/python.md (the "Python" page of the reference)."""

import contextlib
import functools
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

Aio = get_introspection_module('Aio')

__all__ = []


def _export(obj):
    """Exports a function, or a class as the override of its C type."""
    __all__.append(obj.__name__)
    return override(obj) if isinstance(obj, type) else obj

_LOG_DOMAIN = 'Aio'


# Helpers

def _log(level, message):
    """Logs through GLib's structured logging (so through the Aio writer)."""
    fields = GLib.Variant('a{sv}', {'MESSAGE': GLib.Variant('s', message)})
    GLib.log_variant(_LOG_DOMAIN, level, fields)


def _log_traceback(what, exc):
    _log(GLib.LogLevelFlags.LEVEL_DEBUG, '%s raised:\n%s'
         % (what, ''.join(traceback.format_exception(exc)).rstrip()))


def _describe(exc):
    text = str(exc)
    name = type(exc).__name__
    return '%s: %s' % (name, text) if text else name


def _to_gerror(error):
    """An exception (or a message) as a GLib.Error; a GLib.Error as it is."""
    if isinstance(error, GLib.Error):
        return error
    message = _describe(error) if isinstance(error, BaseException) else str(error)
    return GLib.Error.new_literal(Aio.error_quark(), message,
                                  int(Aio.Error.SERVICE_FAILED))


def _cancelled_error(message):
    return GLib.Error.new_literal(Gio.io_error_quark(), message,
                                  int(Gio.IOErrorEnum.CANCELLED))


def _func_name(func):
    return getattr(func, '__qualname__', None) or repr(func)


_RULES = weakref.WeakKeyDictionary()


def _arguments(func, args, optional=0):
    """The one rule for the Python functions the library calls. ``func`` is
    given ``args``, except the last ``optional`` of them when it declares no
    parameter for them (the ``reason`` of ``stop``, the ``entrypoint`` of a
    main). It also gets a ``done`` when it declares more required positional
    parameters than that (a parameter with a default is not required);
    coroutine functions never do. Returns ``(args, wants_done)``."""
    key = getattr(func, '__func__', func)
    try:
        rule = _RULES[key][len(args), optional]
    except (KeyError, TypeError):
        try:
            params = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):
            return args, False
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
        keep = len(args) if varargs else max(len(args) - optional, min(len(args), len(positional)))
        required = sum(1 for p in positional if p.default is p.empty)
        rule = (keep, required > keep and not inspect.iscoroutinefunction(func))
        with contextlib.suppress(TypeError):
            _RULES.setdefault(key, {})[len(args), optional] = rule
    return args[:rule[0]], rule[1]


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


# asyncio on GLib's main context

_LOOPS = {}                         # hash of a GMainContext -> its asyncio loop
_HELD = contextlib.ExitStack()      # loops marked running outside an entrypoint


def _new_loop(context):
    """An asyncio event loop whose callbacks, timers and sockets are sources
    of ``context``, dispatched by whoever iterates it: PyGObject's gi.events
    (PyGObject >= 3.50), else gbulb (Debian 12's python3-gbulb)."""
    import asyncio
    try:
        from gi.events import GLibEventLoop
    except ImportError:
        from gbulb.glib_events import GLibEventLoop

        @contextlib.contextmanager
        def running():
            # gbulb's sources dispatch whenever the context is iterated; a
            # coroutine only needs the loop to be the running one, which is
            # what gbulb's own run() marks.
            asyncio._set_running_loop(loop)
            try:
                yield
            finally:
                asyncio._set_running_loop(None)

        loop = GLibEventLoop(context=context)
    else:
        loop = GLibEventLoop(context)

        def running():
            # Attaches the loop's source to the context while C code
            # iterates it; the loop quits with the entrypoint, not by stop().
            return loop.running(lambda: None)
    loop._aio_running = running
    return loop


def _loop():
    """The asyncio event loop of the thread-default main context, marked
    running until the current entrypoint stops (for ever without one)."""
    import asyncio
    context = GLib.MainContext.ref_thread_default()
    loop = _LOOPS.get(hash(context))
    if loop is None:
        loop = _LOOPS[hash(context)] = _new_loop(context)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is None:
        holder = Aio.Entrypoint.get_current()
        stack = holder._aio_loops if isinstance(holder, Entrypoint) else _HELD
        stack.enter_context(loop._aio_running())
    elif running is not loop:
        raise RuntimeError('Another asyncio event loop runs on this thread: %r' % running)
    return loop


# The engine: one call of a Python function that may complete later

class _Done:
    """The completion handed to a function that declares a ``done``:
    ``done()`` or ``done(value)`` completes, ``done.fail(error)`` (or
    ``done(exception)``) fails, ``done.call(func, *args)`` completes with
    what ``func`` returns or raises. Only the first call counts; any thread
    may call. ``done.cancellable`` is cancelled when the work should stop."""

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


class _Call:
    """One call of a Python function (``func(*args)`` by the rule of
    :func:`_arguments`), or one awaitable: it completes when the function
    returns or raises, when an awaitable it returned (an ``async def``) ends
    as an asyncio task, or when its ``done`` is called. ``begin(cancellable,
    on_finished)`` starts it; ``on_finished(call)`` runs once, with
    ``value``, ``exception`` and ``interrupted`` set. Cancelling
    ``cancellable`` cancels the task (which is waited for), or completes a
    ``done`` call as cancelled at once (later ``done`` calls are ignored)
    unless ``patient``."""

    def __init__(self, func, args=(), what='The call', optional=0, invoker=None):
        self.func = func
        self.args = args
        self.what = what
        self.optional = optional
        self.invoker = invoker
        self.patient = self.finished = self.interrupted = False
        self.value = self.exception = None
        self.cancellable = self.on_finished = self.done = self.task = None
        self._cancel_id = 0

    def begin(self, cancellable, on_finished):
        self.cancellable = cancellable
        self.on_finished = on_finished
        if self.invoker is None:
            self.invoker = _Invoker()
        if cancellable is not None:
            if cancellable.is_cancelled():
                self.interrupted = True
                self._complete(None, _cancelled_error('%s was cancelled before it ran'
                                                      % self.what))
                return
            self._cancel_id = GObject.Object.connect(cancellable, 'cancelled',
                                                     self._on_cancelled)
        try:
            result = self.func
            if not inspect.isawaitable(result):
                args, wants_done = _arguments(self.func, self.args, self.optional)
                if wants_done:
                    self.done = _Done(self._complete, cancellable, self.invoker)
                    self.func(*args, self.done)
                    return
                result = self.func(*args)
            if inspect.isawaitable(result):
                import asyncio
                self.task = asyncio.ensure_future(result, loop=_loop())
                self.task.add_done_callback(self._task_done)
                return
        except BaseException as exc:  # even SystemExit: never leave the call pending
            self._complete(None, exc)
            return
        self._complete(result, None)

    def _on_cancelled(self, cancellable):
        self.invoker.invoke(self._cancelled)

    def _cancelled(self):
        if self.finished:
            return
        if self.task is not None:
            self.task.cancel()
        elif not self.patient:
            self.interrupted = True
            self._complete(None, _cancelled_error('%s was interrupted' % self.what))

    def _task_done(self, task):
        if task.cancelled():
            self.interrupted = True
            self._complete(None, _cancelled_error('%s was cancelled' % self.what))
        elif task.exception() is not None:
            self._complete(None, task.exception())
        else:
            self._complete(task.result(), None)

    def abort(self, error):
        """Completes the call with ``error`` now (a task is cancelled)."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
        self._complete(None, error)

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
            # Not from inside the "cancelled" emission: defer the disconnect.
            self.invoker.defer(GObject.signal_handler_disconnect, cancellable, cancel_id)
        self.on_finished(self)


def _complete_vfunc(obj, callback, invoker, error):
    """Completes an async vfunc: a GTask that the C default *_finish
    propagates, handed to the C callback from an idle (never re-entrantly)."""
    task = Gio.Task.new(obj, None, None, None)
    if error is None:
        task.return_boolean(True)
    else:
        task.return_error(error)
    invoker.defer(callback, obj, task)


def _hook_vfunc(cls, name, impl):
    """Makes ``impl`` the vfunc ``name`` (``do_...``) of cls unless a Python
    class of cls implements it: the hook that makes a plain method
    (``start``, ``callback``, ``handle_client``...) serve a C virtual
    method. Later subclasses inherit it through the GObject class."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            if klass.__module__ == Aio.__name__:  # the wrapper of the C type
                setattr(cls, name, impl)
            return


def _introspected_base(cls):
    """The nearest class of cls (itself included) that wraps a C type."""
    for base in cls.__mro__:
        if base.__module__ == Aio.__name__:
            return base
    return None


# Services

class _Run:
    """One start of a Python service, from start_async until the service
    ends: a start that returned (or called ``done()``) leaves the service up
    until it is stopped; one that called ``set_ready()`` first is
    long-running: the stop cancels it and waits for it to end."""

    def __init__(self, service, cancellable, callback):
        self.service = service
        self.cancellable = cancellable
        self.callback = callback
        self.invoker = _Invoker()
        self.ready = self.cancelled = self.finished = False
        self.cancel_id = 0
        self.call = _Call(service.start, (), 'The start of service %r' % service.props.name,
                          invoker=self.invoker)

    def begin(self):
        if self.cancellable is not None and not self.cancellable.is_cancelled():
            self.cancel_id = GObject.Object.connect(self.cancellable, 'cancelled',
                                                    self._on_cancelled)
        self.call.begin(self.cancellable, self._call_finished)

    def set_ready(self):
        if self.finished or self.ready:
            return
        self.ready = self.call.patient = True
        Aio.Service.set_ready(self.service)

    def _call_finished(self, call):
        if call.exception is None:
            if self.cancelled or (self.ready and (call.done or call.task)):
                self.end(None)      # a long-running start ended
            else:
                self.set_ready()    # up until stopped
        elif call.interrupted and self.ready:
            self.end(None)          # stopped
        else:
            self.end(call.exception)

    def _on_cancelled(self, cancellable):
        self.invoker.invoke(self._cancelled)

    def _cancelled(self):
        self.cancelled = True
        if self.call.finished:
            self.end(None)

    def fail(self, error):
        if not self.call.finished:
            self.call.abort(error)
        else:
            self.end(error)

    def end(self, error):
        if self.finished:
            if error is not None:
                _log(GLib.LogLevelFlags.LEVEL_MESSAGE,
                     'Service %r: ignoring a failure after it ended: %s'
                     % (self.service.props.name, _describe(error)))
            return
        self.finished = True
        if self.cancel_id:
            cancellable, cancel_id = self.cancellable, self.cancel_id
            self.cancel_id = 0
            self.invoker.defer(GObject.signal_handler_disconnect, cancellable, cancel_id)
        _complete_vfunc(self.service, self.callback, self.invoker,
                        _service_error(self.service, error))


def _do_start_async(self, cancellable, callback, *user_data):
    self._aio_exception = None
    self._aio_run = _Run(self, cancellable, callback)
    self._aio_run.begin()


def _do_stop_async(self, reason, cancellable, callback, *user_data):
    invoker = _Invoker()

    def finished(call):
        _complete_vfunc(self, callback, invoker, _service_error(self, call.exception))

    _Call(self.stop, (reason,), 'The stop of service %r' % self.props.name, 1,
          invoker).begin(cancellable, finished)


class _StartEvent:
    """aiomisc's ``self.start_event``: ``set()`` is ``set_ready()``."""

    __slots__ = ('_service',)

    def __init__(self, service):
        self._service = service

    def set(self):
        self._service.set_ready()

    def is_set(self):
        return self._service.get_state() == Aio.ServiceState.RUNNING


@_export
class Service(Aio.Service):
    """The base class of a Python service; see docs/python.md."""

    __required__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The plain start()/stop() serve the GIO vfuncs, unless the class
        # implements those; the wrappers of C services (Aio.PeriodicService...)
        # and their Python subclasses keep the C start and stop.
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

    def start(self):
        """Starts the service: ``start(self)``, ``start(self, done)`` or
        ``async def start(self)``."""

    def stop(self, reason=None):
        """Stops the service: ``stop(self)``, ``stop(self, reason)``,
        ``stop(self, reason, done)`` or ``async def stop(self, reason=None)``."""

    def set_ready(self):
        """Tells that the service is up (aiomisc's ``start_event.set()``);
        the start goes on as long-running. Any thread may call."""
        run = getattr(self, '_aio_run', None)
        if run is None:
            Aio.Service.set_ready(self)
        else:
            run.invoker.invoke(run.set_ready)

    @property
    def start_event(self):
        """aiomisc's ``start_event``: ``self.start_event.set()``."""
        return _StartEvent(self)

    def fail(self, error):
        """Fails the service (an exception, a ``GLib.Error`` or a message):
        its start while it starts, else the running service, which makes its
        entrypoint shut down with ``error``. Any thread may call."""
        run = getattr(self, '_aio_run', None)
        if run is None:
            raise RuntimeError('%r was never started' % self)
        run.invoker.invoke(run.fail, error)

    @property
    def cancellable(self):
        """The ``Gio.Cancellable`` of the current run (cancelled when the
        service is stopped), or None before a start."""
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
        # AioLogLevel -> Aio.LogLevel (which wraps the GType once loaded)
        return _enum_value(vtype.pytype or getattr(Aio, vtype.name[3:]), value, key)
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


class _Signals:
    """SIGINT and SIGTERM while an entrypoint runs: ``on_signal()`` is
    called from the main loop (if given); ``restore()`` gives Python its
    handlers back (GLib resets them to SIG_DFL when it stops watching)."""

    def __init__(self, context, on_signal=None):
        self.saved = {}
        if threading.current_thread() is threading.main_thread():
            self.saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        self.sources = []
        for signum in (signal.SIGINT, signal.SIGTERM) if on_signal else ():
            source = GLib.unix_signal_source_new(signum)
            # Below the entrypoint's own watch: when both see a signal, the
            # C one handles (and logs) it first.
            source.set_priority(source.get_priority() + 1)
            source.set_callback(lambda *args: on_signal() or GLib.SOURCE_CONTINUE)
            source.attach(context)
            self.sources.append(source)

    def restore(self):
        for source in self.sources:
            source.destroy()
        # GLib resets a signal to SIG_DFL when its last watch is finalized:
        # drop the sources first, then restore Python's handlers.
        self.sources = []
        for signum, handler in self.saved.items():
            if handler is not None:
                signal.signal(signum, handler)


def _iterate_until(context, predicate):
    """Iterates context (as thread-default) until predicate() holds."""
    context.push_thread_default()
    try:
        while not predicate():
            context.iteration(True)
    finally:
        context.pop_thread_default()


def _main_call(main, entrypoint):
    """A main: ``main()``, ``main(entrypoint)``, ``main(entrypoint, done)``,
    an ``async def`` one, or a coroutine object."""
    return _Call(main, (entrypoint,), 'The main function', 1,
                 _Invoker(entrypoint._aio_context()))


@_export
class Entrypoint(Aio.Entrypoint):
    """``Aio.Entrypoint(*services, **kwargs)``: see docs/python.md."""

    def __init__(self, *services, **kwargs):
        props = _object_props(Aio.Entrypoint, kwargs)
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

    _aio_signals = None
    _aio_phase = None
    _aio_start_cancellable = None

    @property
    def _aio_loops(self):
        # The asyncio loops marked running until the entrypoint stops.
        return self.__dict__.setdefault('_aio_loop_stack', contextlib.ExitStack())

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

    def _aio_on_signal(self):
        # SIGINT/SIGTERM from start() to the end of stop(). run_forever()
        # watches them too, and handles them first.
        if self._aio_phase == 'starting' and not self._aio_start_cancellable.is_cancelled():
            _log(GLib.LogLevelFlags.LEVEL_INFO, 'Received a signal while starting; '
                 'cancelling the start')
            self._aio_start_cancellable.cancel()
        elif self._aio_phase != 'stopping':
            _log(GLib.LogLevelFlags.LEVEL_INFO, 'Received a signal; the entrypoint will quit')
            self.quit()

    def _aio_release(self):
        """Ends what start() set up: the signal watch, the asyncio loops."""
        self._aio_phase = None
        signals, self._aio_signals = self._aio_signals, None
        if signals is not None:
            signals.restore()
        self._aio_loops.close()

    def _aio_sync(self, begin, finish, cancellable=None):
        result = {}

        def callback(entrypoint, res, *user_data):
            try:
                result['ok'] = finish(res)
            except GLib.Error as error:
                result['error'] = error

        context = self._aio_context()
        context.push_thread_default()
        try:
            begin(cancellable, callback)
        finally:
            context.pop_thread_default()
        _iterate_until(context, lambda: result)
        if 'error' in result:
            raise self._aio_with_cause(result['error'])

    def start(self):
        """Configures logging and starts every service; blocks until they
        are up. Raises the ``GLib.Error`` of a service that failed to start
        (the others are stopped first); SIGINT or SIGTERM cancel the start.
        From now until :meth:`stop` ends, they make the entrypoint quit."""
        self._aio_configure_logging()
        if self._aio_signals is None:
            self._aio_signals = _Signals(self._aio_context(), self._aio_on_signal)
        self._aio_phase = 'starting'
        self._aio_start_cancellable = Gio.Cancellable()
        try:
            self._aio_sync(self.start_async, self.start_finish, self._aio_start_cancellable)
        except BaseException:
            self._aio_release()
            raise
        finally:
            self._aio_start_cancellable = None
            Aio.log_flush()
        self._aio_phase = 'started'

    def stop(self):
        """Stops every service; blocks until they are stopped. Raises a
        ``GLib.Error`` if one failed to stop or the shutdown timed out."""
        self._aio_phase = 'stopping'
        try:
            self._aio_sync(self.stop_async, self.stop_finish)
        finally:
            Aio.log_flush()
            self._aio_release()

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
        phase, self._aio_phase = self._aio_phase, 'running'
        try:
            Aio.Entrypoint.run_forever(self)
        except GLib.Error as error:
            raise self._aio_with_cause(error)
        finally:
            self._aio_phase = phase

    def run_until_complete(self, main):
        """Runs ``main`` on the started entrypoint and returns its value
        (aiomisc's ``loop.run_until_complete``): a function (``main()``,
        ``main(entrypoint)``, ``main(entrypoint, done)``, ``async def``) or
        a coroutine."""
        if main is None:
            self.run_forever()
            return None
        looping = []
        run = _main_call(main, self)
        cancellable = Gio.Cancellable()
        context = self._aio_context()
        context.push_thread_default()
        try:
            run.begin(cancellable, lambda call: looping and self.quit())
        finally:
            context.pop_thread_default()

        failure = None
        if not run.finished:
            looping.append(True)
            try:
                self.run_forever()
            except GLib.Error as error:
                failure = error
            finally:
                looping.clear()
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
        with self:
            return self.run_until_complete(main)


# Context

@_export
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

    def wait(self, key, callback=None, *args, cancellable=None, on_error=None):
        """Calls ``callback(value, *args)`` once ``key`` is set (at once if
        it is); if the wait fails (cancelled, or the context closed),
        ``on_error(error)``. Without a callback, returns an awaitable."""
        if callback is None:
            return _awaitable(lambda cb, eb: self.wait(key, cb, cancellable=cancellable,
                                                       on_error=eb))

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


def _awaitable(start):
    """An asyncio future completed by ``start(callback, errback)``."""
    future = _loop().create_future()

    def settle(method, value):
        if not future.done():
            getattr(future, method)(value)

    start(functools.partial(settle, 'set_result'), functools.partial(settle, 'set_exception'))
    return future


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


@_export
def run_in_thread(func, *args, callback=None, errback=None, cancellable=None):
    """Runs the blocking ``func(*args)`` on the worker pool of the current
    entrypoint; then, on the calling thread's main loop, ``callback(value)``
    or ``errback(exception)`` (without errback, a failure is logged).
    Cancelling ``cancellable`` before ``func`` runs fails with
    ``Gio.IOErrorEnum.CANCELLED``; ``func`` itself is not interrupted."""
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


@_export
def threaded(func):
    """aiomisc's ``@threaded``: the decorated ``func(*args, **kwargs)`` runs
    on the worker pool of the current entrypoint. Called from a coroutine it
    returns an awaitable (cancelling it cancels the call if it has not begun);
    with ``callback=``/``errback=`` it calls back as :func:`run_in_thread`."""
    @functools.wraps(func)
    def call(*args, callback=None, errback=None, cancellable=None, **kwargs):
        work = functools.partial(func, *args, **kwargs)
        if callback is not None or errback is not None:
            return run_in_thread(work, callback=callback, errback=errback,
                                 cancellable=cancellable)
        cancellable = cancellable or Gio.Cancellable()
        future = _awaitable(lambda cb, eb: run_in_thread(work, callback=cb, errback=eb,
                                                         cancellable=cancellable))
        future.add_done_callback(lambda f: f.cancelled() and cancellable.cancel())
        return future
    return call


# aiomisc.run

@_export
def run(main=None, *services, **kwargs):
    """``aiomisc.run(main, *services, **kwargs)``: starts the services, runs
    ``main`` (a function, an ``async def`` or a coroutine), stops the
    services and returns what ``main`` returned (or raises what it raised)."""
    if main is not None and not callable(main) and not inspect.isawaitable(main):
        raise TypeError('Aio.run() needs a callable main, a coroutine or None, not %r'
                        % (main,))
    entrypoint = Entrypoint(*services, **kwargs)
    return entrypoint._aio_run_main(main)


class _LazyText:
    """A description for logs that ``make()`` writes when it is first
    formatted: a call that succeeds quietly does not pay for it."""

    __slots__ = ('_make', '_text')

    def __init__(self, make):
        self._make = make
        self._text = None

    def __str__(self):
        if self._text is None:
            self._text = self._make()
        return self._text


def _service_error(service, error):
    """``error`` of a service as a GLib.Error; a Python exception is kept
    (see Entrypoint._aio_with_cause) and its traceback logged at debug level."""
    if error is None:
        return None
    gerror = _to_gerror(error)
    if isinstance(error, BaseException) and gerror is not error:
        service._aio_exception = (gerror.message, error)
        _log_traceback('Service %r' % service.props.name, error)
    return gerror


# Timers: periodic and cron jobs

def _job_error(call, what):
    """The GLib.Error a call failed with (None if it succeeded); the
    traceback of a Python exception goes to the debug log (the C side logs
    the failure)."""
    exc = call.exception
    if exc is None:
        return None
    if not isinstance(exc, GLib.Error) and not call.interrupted:
        _log_traceback(what, exc)
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

    def __call__(self, owner, task, *user_data):
        what = '%s %r' % (type(owner).__name__, owner.props.name)

        def finished(call):
            error = _job_error(call, what)
            if error is None:
                task.return_boolean(True)
            else:
                task.return_error(error)

        _Call(self.func, self.args, what).begin(task.get_cancellable(), finished)


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


@_export
class PeriodicCallback(_ScheduledCallback, Aio.PeriodicCallback):
    """``Aio.PeriodicCallback(func, *args, name=None, clock=None)``:
    aiomisc's ``PeriodicCallback``; ``start(interval)`` calls ``func(*args)``
    (or, asynchronous, ``func(*args, done)``) every ``interval`` seconds
    after the previous call completed. See docs/python.md."""

    def start(self, interval=None, delay=None, shield=None):
        """Starts the schedule (aiomisc's ``start(interval, delay=0,
        shield=False)``); arguments left out keep the values of the
        properties. Raises a ``GLib.Error`` (``Gio.IOErrorEnum``) if the
        interval is not greater than 0 or the callback is running."""
        for key, value in (('interval', interval), ('delay', delay), ('shield', shield)):
            if value is not None:
                self.set_property(key, value)
        return Aio.PeriodicCallback.start(self)


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


@_export
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


def _async_vfunc(method, nargs, describe, note_cause=False):
    """The implementation of a C virtual method ``do_X_async(self, *args,
    cancellable, callback, user_data)`` (``nargs`` arguments) that calls the
    plain method ``method`` through the engine (:class:`_Call`).
    ``describe(self, *args)`` names the call in the logs, lazily. With
    ``note_cause``, the exception is kept as the cause of the service's
    failure (see ``Entrypoint._aio_with_cause``)."""
    def vfunc(self, *params):
        args = params[:nargs]
        cancellable, callback = params[nargs:nargs + 2]
        invoker = _Invoker()
        func = getattr(self, method)
        what = _LazyText(lambda: describe(self, *args))

        def finished(call):
            exc = call.exception
            if note_cause and not call.interrupted:
                error = _service_error(self, exc)
            else:
                error = _job_error(call, what)
            _complete_vfunc(self, callback, invoker, error)

        _Call(func, args, what, invoker=invoker).begin(cancellable, finished)

    return vfunc


_do_callback_async = _async_vfunc(
    'callback', 0, lambda self: 'Periodic service %r' % self.props.name)


@_export
class PeriodicService(Aio.PeriodicService):
    """A service that calls its ``callback`` every ``interval`` seconds
    (aiomisc's ``PeriodicService``); see docs/python.md."""

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


@_export
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

    def __init__(self, func, args=()):
        if not callable(func):
            raise TypeError('%r is not callable' % (func,))
        self.func = func
        self.args = args
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

        _Call(self.func, args, _LazyText(lambda: 'The operation %s' % _func_name(self.func))
              ).begin(cancellable, finished)

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


@_export
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


@_export
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


@_export
def retry(func, *args, max_tries=3, pause=0.1, exceptions=None, giveup=None,
          callback=None, errback=None, cancellable=None):
    """aiomisc's ``asyncretry``: runs ``func(*args, done)`` (or
    ``func(*args)``) up to ``max_tries`` times, ``pause`` seconds apart,
    until it succeeds; then ``callback(value)`` or ``errback(exception)``
    with the last exception. ``exceptions`` limits the retried types,
    ``giveup(exception)`` returning true stops at once."""
    backoff = Backoff(pause=pause, max_tries=max_tries, giveup=giveup, exceptions=exceptions)
    backoff._aio_run(func, args, callback, errback, cancellable, 'retry(%s)')


@_export
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


@_export
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


class _Batch:
    """The batch function of an Aio.Aggregator over Python objects: the C
    side carries keys (``t``) of the items and of the results, kept here."""

    def __init__(self, func):
        self.op = _Operation(func)
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


@_export
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


@_export
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


@_export
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


def _do_handle_datagram(self, data, address):
    try:
        self.handle_datagram(data.get_data(), address)
    except Exception as exc:
        _log(GLib.LogLevelFlags.LEVEL_WARNING,
             'Server %r: handling a datagram from %s failed: %s'
             % (self.props.name, _format_address(address), _describe(exc)))
        _log(GLib.LogLevelFlags.LEVEL_DEBUG,
             ''.join(traceback.format_exception(exc)).rstrip())


@_export
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


@_export
class TcpClient(Aio.TcpClient):
    """aiomisc's ``TCPClient``: ``handle_connection(self, connection)`` (or,
    asynchronous, ``handle_connection(self, connection, done)``) talks to
    the server once connected. See docs/python.md."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_connection'):
            _hook_vfunc(cls, 'do_handle_connection_async', _do_handle_connection_async)


_do_handle_connection_async = _async_vfunc(
    'handle_connection', 1, lambda self, connection: 'Client %r: the connection handler'
    % self.props.name, note_cause=True)

