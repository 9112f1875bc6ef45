# Aio.py: the PyGObject override of aiomisc-glib (namespace Aio)
#
# SPDX-License-Identifier: MIT

"""Pythonic aiomisc-glib: services are plain classes, as in aiomisc; their
methods may be ``async def`` coroutines, run by asyncio on GLib's main
context. The guide is docs/python.md (the "Python" page of the reference)."""

import atexit
import contextlib
import functools
import inspect
import logging
import signal
import threading
import traceback
import types
import weakref

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Aio = get_introspection_module('Aio')

__all__ = []


def _export(obj):
    __all__.append(obj.__name__)
    return override(obj) if isinstance(obj, type) else obj


# Helpers

def _log(level, message):
    GLib.log_variant('Aio', level, GLib.Variant('a{sv}', {'MESSAGE': GLib.Variant('s', message)}))


def _log_traceback(what, exc):
    _log(GLib.LogLevelFlags.LEVEL_DEBUG, '%s raised:\n%s'
         % (what, ''.join(traceback.format_exception(exc)).rstrip()))


def _describe(exc):
    if isinstance(exc, GLib.Error):
        return exc.message
    text = str(exc)
    return '%s: %s' % (type(exc).__name__, text) if text else type(exc).__name__


def _to_gerror(error):
    if isinstance(error, GLib.Error):
        return error
    message = _describe(error) if isinstance(error, BaseException) else str(error)
    return GLib.Error.new_literal(Aio.error_quark(), message, int(Aio.Error.SERVICE_FAILED))


def _cancelled_error(message):
    return GLib.Error.new_literal(Gio.io_error_quark(), message, int(Gio.IOErrorEnum.CANCELLED))


def _func_name(func):
    return getattr(func, '__qualname__', None) or repr(func)


_RULES = weakref.WeakKeyDictionary()


def _arguments(func, args, optional=0):
    """The one rule: returns ``(args, wants_done)`` for calling ``func``."""
    key = getattr(func, '__func__', func)
    try:
        rule = _RULES[key][len(args), optional]
    except (KeyError, TypeError):
        try:
            params = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):
            return args, False
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if any(p.kind == p.VAR_POSITIONAL for p in params):
            keep = len(args)
        else:
            keep = max(len(args) - optional, min(len(args), len(positional)))
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
        source = GLib.idle_source_new()
        source.set_priority(GLib.PRIORITY_DEFAULT)
        source.set_callback(lambda *_: func(*args) and False)
        source.attach(self.context)


def _disconnect_later(invoker, instance, handler_id):
    # Never from inside the emission of the signal.
    if handler_id:
        invoker.defer(GObject.signal_handler_disconnect, instance, handler_id)


# asyncio on GLib's main context

_LOOPS = {}                         # hash of a GMainContext -> its asyncio loop
_HELD = contextlib.ExitStack()      # loops marked running outside an entrypoint


def _new_loop(context):
    import asyncio
    try:
        from gi.events import GLibEventLoop
    except ImportError:
        try:
            from gbulb.glib_events import GLibEventLoop
        except ImportError:
            raise RuntimeError('async def needs asyncio on GLib: PyGObject >= 3.50 '
                               '(gi.events) or gbulb (python3-gbulb)') from None

        @contextlib.contextmanager
        def running():
            # gbulb's sources dispatch whenever the context is iterated: a
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
            # Attaches the loop's source while C code iterates the context;
            # the loop ends with the entrypoint, not with stop().
            return loop.running(lambda: None)
    loop._aio_running = running
    return loop


def _loop():
    import asyncio
    context = GLib.MainContext.ref_thread_default()
    loop = _LOOPS.get(hash(context))
    if loop is None:
        if not _LOOPS:
            atexit.register(_close_loops)
        loop = _LOOPS[hash(context)] = _new_loop(context)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        holder = Aio.Entrypoint.get_current()
        if isinstance(holder, Entrypoint):
            holder._aio_loops.enter_context(loop._aio_running())
            holder._aio_loops.callback(_cancel_tasks, loop, context)   # runs first
        else:
            _HELD.enter_context(loop._aio_running())
    else:
        if running is not loop:
            raise RuntimeError('Another asyncio event loop runs on this thread: %r' % running)
    return loop


def _close_loops():
    # At exit: the loops' GLib sources go before the interpreter does.
    _HELD.close()
    while _LOOPS:
        with contextlib.suppress(Exception):
            _LOOPS.popitem()[1].close()


def _cancel_tasks(loop, context):
    import asyncio
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    _on_context(context, until=lambda: all(task.done() for task in tasks))


def _awaitable(start):
    future = _loop().create_future()

    def settle(method, value):
        if not future.done():
            getattr(future, method)(value)

    start(functools.partial(settle, 'set_result'), functools.partial(settle, 'set_exception'))
    return future


# The engine: one call of a Python function that may complete later

class _Done:
    """``done(value)``, ``done.fail(error)``, ``done.call(func, *args)``; the first counts."""

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
            claimed, self._called = not self._called, True
            return claimed

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
    """The engine: one call of a Python function or awaitable, until it completes."""

    def __init__(self, func, args=(), what='The call', optional=0, invoker=None):
        self.func, self.args, self.optional = func, args, optional
        self._what = what
        self.invoker = invoker
        self.patient = self.finished = self.interrupted = False
        self.value = self.exception = None
        self.cancellable = self.on_finished = self.done = self.task = None
        self._cancel_id = 0

    @property
    def what(self):
        return self._what() if callable(self._what) else self._what

    def begin(self, cancellable, on_finished):
        self.cancellable, self.on_finished = cancellable, on_finished
        self.invoker = self.invoker or _Invoker()
        if cancellable is not None:
            if cancellable.is_cancelled():
                self.interrupted = True
                if inspect.iscoroutine(self.func):
                    self.func.close()  # never run
                return self._complete(None, _cancelled_error('%s was cancelled before it ran'
                                                             % self.what))
            self._cancel_id = GObject.Object.connect(cancellable, 'cancelled',
                                                     lambda c: self.invoker.invoke(self._cancel))
        try:
            result = self.func
            if not inspect.isawaitable(result):
                args, wants_done = _arguments(self.func, self.args, self.optional)
                if wants_done:
                    self.done = _Done(self._complete, cancellable, self.invoker)
                    return self.func(*args, self.done)
                result = self.func(*args)
            if inspect.isawaitable(result):
                import asyncio
                self.task = asyncio.ensure_future(result, loop=_loop())
                return self.task.add_done_callback(self._task_done)
        except BaseException as exc:  # even SystemExit: never leave the call pending
            if inspect.iscoroutine(result) and self.task is None:
                result.close()  # never run
            return self._complete(None, exc)
        self._complete(result, None)

    def _cancel(self):
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
        else:
            self._complete(None if task.exception() else task.result(), task.exception())

    def abort(self, error):
        """Completes the call with ``error`` now (a task is cancelled)."""
        if self.task is not None:
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
        self.value, self.exception = value, error
        _disconnect_later(self.invoker, self.cancellable, self._cancel_id)
        self._cancel_id = 0
        self.on_finished(self)


def _return(task, error):
    if error is None:
        task.return_boolean(True)
    else:
        task.return_error(error)
    return task


def _complete_vfunc(obj, callback, invoker, error):
    invoker.defer(callback, obj, _return(Gio.Task.new(obj, None, None, None), error))


def _gerror(error, what, service=None):
    # The GLib.Error for a call's failure; a Python exception is logged with
    # its traceback and, for a service, noted as the cause of the error.
    if error is None:
        return None
    gerror = _to_gerror(error)
    if isinstance(error, BaseException) and gerror is not error:
        if service is not None:
            service._aio_exception = (gerror.message, error)
        _log_traceback(what, error)
    return gerror


def _async_vfunc(method, nargs, describe, note_cause=False, optional=0):
    def vfunc(self, *params):
        args, (cancellable, callback) = params[:nargs], params[nargs:nargs + 2]
        invoker = _Invoker()

        def finished(call):
            what = 'Service %r' % self.props.name if note_cause else call.what
            error = _gerror(call.exception, what, self if note_cause else None)
            _complete_vfunc(self, callback, invoker, error)
        _Call(getattr(self, method), args, lambda: describe(self, *args), optional,
              invoker).begin(cancellable, finished)
    return vfunc


def _hook_vfunc(cls, name, impl):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            if klass.__module__ == Aio.__name__:  # the wrapper of the C type
                setattr(cls, name, impl)
            return


def _defines(cls, name):
    for klass in cls.__mro__:
        if klass.__module__ == Aio.__name__:
            return False
        if klass.__module__ != __name__ and name in klass.__dict__:
            return True
    return False


# Services

class _Run:
    """One start of a Python service, until the service ends."""

    def __init__(self, service, cancellable, callback):
        self.service, self.cancellable, self.callback = service, cancellable, callback
        self.invoker = _Invoker()
        self.ready = self.cancelled = self.finished = False
        self.cancel_id = 0
        self.call = _Call(service.start, (), 'The start of service %r' % service.props.name,
                          invoker=self.invoker)

    def begin(self):
        if self.cancellable is not None and not self.cancellable.is_cancelled():
            self.cancel_id = GObject.Object.connect(
                self.cancellable, 'cancelled', lambda c: self.invoker.invoke(self._cancelled))
        self.call.begin(self.cancellable, self._call_finished)

    def set_ready(self):
        if not (self.finished or self.ready):
            self.ready = self.call.patient = True
            Aio.Service.set_ready(self.service)

    def _call_finished(self, call):
        if call.exception is None:
            if self.cancelled or (self.ready and (call.done or call.task)):
                self.end(None)      # a long-running start ended
            else:
                self.set_ready()    # up until stopped
        else:
            self.end(None if call.interrupted and self.ready else call.exception)

    def _cancelled(self):
        self.cancelled = True
        if self.call.finished:
            self.end(None)

    def fail(self, error):
        if self.call.finished:
            self.end(error)
        else:
            self.call.abort(error)

    def end(self, error):
        if self.finished:
            if error is not None:
                _log(GLib.LogLevelFlags.LEVEL_MESSAGE, 'Service %r: ignoring a failure after '
                     'it ended: %s' % (self.service.props.name, _describe(error)))
            return
        self.finished = True
        _disconnect_later(self.invoker, self.cancellable, self.cancel_id)
        _complete_vfunc(self.service, self.callback, self.invoker,
                        _gerror(error, 'Service %r' % self.service.props.name, self.service))


def _do_start_async(self, cancellable, callback, *user_data):
    self._aio_exception = None
    self._aio_run = _Run(self, cancellable, callback)
    self._aio_run.begin()


_do_stop_async = _async_vfunc('stop', 1, lambda self, reason: 'The stop of service %r'
                              % self.props.name, note_cause=True, optional=1)


@_export
class Service(Aio.Service):
    """The base class of a Python service; see docs/python.md."""

    __required__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The plain start()/stop() serve the GIO vfuncs, unless the class
        # implements those; the wrappers of C services (Aio.PeriodicService...)
        # and their Python subclasses keep the C start and stop.
        if next(b for b in cls.__mro__ if b.__module__ == Aio.__name__) is Aio.Service:
            _hook_vfunc(cls, 'do_start_async', _do_start_async)
            _hook_vfunc(cls, 'do_stop_async', _do_stop_async)

    def __init__(self, **kwargs):
        pnames = {p.name for p in GObject.list_properties(type(self))}
        props = {k.replace('-', '_'): v for k, v in kwargs.items() if k.replace('_', '-') in pnames}
        missing = [k for k in type(self).__required__ if k not in kwargs]
        if missing:
            raise TypeError('%s() missing required keyword argument%s: %s'
                            % (type(self).__name__, 's' if len(missing) > 1 else '',
                               ', '.join(repr(k) for k in missing)))
        props.setdefault('name', type(self).__name__)
        super().__init__(**props)
        for key, value in kwargs.items():
            if key.replace('_', '-') not in pnames:
                setattr(self, key, value)

    def __repr__(self):
        return '<%s %r %s>' % (type(self).__name__, self.props.name,
                               self.get_state().value_nick)

    def start(self):
        """``start(self)``, ``start(self, done)`` or ``async def start(self)``."""

    def stop(self, reason=None):
        """``stop(self)``, ``stop(self, reason)``, ``stop(self, reason, done)`` or async."""

    def set_ready(self):
        """Tells that the service is up (``start_event.set()``); any thread may call."""
        run = getattr(self, '_aio_run', None)
        if run is None:
            Aio.Service.set_ready(self)
        else:
            run.invoker.invoke(run.set_ready)

    @property
    def start_event(self):
        """aiomisc's ``start_event``: ``self.start_event.set()``."""
        return types.SimpleNamespace(set=self.set_ready, is_set=lambda: self.get_state() ==
                                     Aio.ServiceState.RUNNING)

    def fail(self, error):
        """Fails the start or the running service with ``error``; any thread may call."""
        run = getattr(self, '_aio_run', None)
        if run is None:
            raise RuntimeError('%r was never started' % self)
        run.invoker.invoke(run.fail, error)

    @property
    def cancellable(self):
        """The ``Gio.Cancellable`` of the current run, or None before a start."""
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

def _enum_value(enum_type, value, key):
    values = enum_type.__enum_values__
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        for candidate in values.values():
            if value.strip().lower() in (candidate.value_nick, candidate.value_name.lower()):
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
    if vtype in (GObject.TYPE_UINT, GObject.TYPE_DOUBLE):
        uint = vtype == GObject.TYPE_UINT
        kind = int if uint else float
        if isinstance(value, bool) or not isinstance(value, (int, kind)):
            raise TypeError('Invalid %s %r: expected %s'
                            % (key, value, 'an int' if uint else 'a number of seconds'))
        if not pspec.minimum <= value <= pspec.maximum:  # also false for NaN
            raise ValueError('Invalid %s %r: out of range %r–%r'
                             % (key, value, pspec.minimum, pspec.maximum))
        return kind(value)
    return value


def _object_props(cls, kwargs):
    pspecs = {p.name.replace('-', '_'): p for p in GObject.list_properties(cls)}
    props = {}
    for key, value in kwargs.items():
        pspec = pspecs.get(key.replace('-', '_'))
        if pspec is None:
            raise TypeError('Aio.%s() got an unexpected keyword argument %r (expected one of %s)'
                            % (cls.__name__, key, ', '.join(sorted(pspecs))))
        props[key.replace('-', '_')] = _property_value(pspec, key, value)
    return props


_PY_LEVELS = {  # AioLogLevel -> the least severe Python level that can pass
    int(Aio.LogLevel.ERROR): logging.CRITICAL + 1,
    int(Aio.LogLevel.CRITICAL): logging.ERROR,
    int(Aio.LogLevel.WARNING): logging.WARNING,
    int(Aio.LogLevel.MESSAGE): logging.INFO + 5,
    int(Aio.LogLevel.INFO): logging.INFO,
    int(Aio.LogLevel.DEBUG): logging.DEBUG,
}


class _GLibLogHandler(logging.Handler):

    def emit(self, record):
        try:
            flags = GLib.LogLevelFlags
            level = (flags.LEVEL_CRITICAL if record.levelno >= logging.ERROR else
                     flags.LEVEL_WARNING if record.levelno >= logging.WARNING else
                     flags.LEVEL_MESSAGE if record.levelno > logging.INFO else
                     flags.LEVEL_INFO if record.levelno == logging.INFO else flags.LEVEL_DEBUG)
            fields = {
                'MESSAGE': self.format(record),
                'CODE_FILE': record.pathname or '',
                'CODE_LINE': str(record.lineno),
                'CODE_FUNC': record.funcName or '',
                'PYTHON_LOGGER': record.name,
            }
            if record.exc_info and record.exc_info[0] is not None:
                fields['PYTHON_EXCEPTION'] = _describe(record.exc_info[1])
            GLib.log_variant(record.name, level, GLib.Variant(
                'a{sv}', {k: GLib.Variant('s', v) for k, v in fields.items()}))
        except Exception:
            self.handleError(record)

    def flush(self):
        # logging.shutdown() flushes handlers at exit: flush the writer too.
        Aio.log_flush()


def _on_context(context, begin=None, until=None):
    # begin() with context as the thread default, then iterate it until until().
    # Not MainContext.iteration: PyGObject >= 3.50's pauses the asyncio loop.
    iteration = super(GLib.MainContext, context).iteration
    context.push_thread_default()
    try:
        if begin is not None:
            begin()
        while until is not None and not until():
            iteration(True)
    finally:
        context.pop_thread_default()


@_export
class Entrypoint(Aio.Entrypoint):
    """``Aio.Entrypoint(*services, **kwargs)``: see docs/python.md."""

    _aio_phase = None
    _aio_handlers = {}  # Python's SIGINT and SIGTERM handlers, while GLib's are installed

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

    @property
    def _aio_loops(self):
        # The asyncio loops marked running until the entrypoint stops.
        return self.__dict__.setdefault('_aio_loop_stack', contextlib.ExitStack())

    def _aio_context(self):
        return getattr(self, '_aio_main_context', None) or GLib.MainContext.ref_thread_default()

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
        for service in self.dup_services() if error.__cause__ is None else ():
            noted = getattr(service, '_aio_exception', None)
            if noted is not None and noted[0] in error.message:
                error.__cause__ = noted[1]
                break
        return error

    def _aio_release(self):
        # Python's handlers come back once the stop (or a failed start)
        # dropped the entrypoint's GLib signal watches, which left SIG_DFL.
        for signum, handler in self._aio_handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
        self._aio_handlers = {}
        self._aio_loops.close()

    def start(self):
        """Configures logging and starts every service; blocks until they are up."""
        running = Aio.Entrypoint.get_current() == self  # then the start fails at once
        self._aio_configure_logging()
        if threading.current_thread() is threading.main_thread() and not running:
            self._aio_handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            Aio.Entrypoint.start(self)
        except GLib.Error as error:
            if not running:
                self._aio_release()
            raise self._aio_with_cause(error)
        finally:
            Aio.log_flush()

    def stop(self):
        """Stops every service; blocks until they are stopped."""
        try:
            Aio.Entrypoint.stop(self)
        except GLib.Error as error:
            raise self._aio_with_cause(error)
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
        """Runs until SIGINT, SIGTERM, ``quit()`` or a runtime failure (raised)."""
        phase, self._aio_phase = self._aio_phase, 'running'
        try:
            Aio.Entrypoint.run_forever(self)
        except GLib.Error as error:
            raise self._aio_with_cause(error)
        finally:
            self._aio_phase = phase

    def run_until_complete(self, main):
        """Runs ``main`` on the started entrypoint and returns its value."""
        if main is None:
            return self.run_forever() and None
        context = self._aio_context()
        run = _Call(main, (self,), 'The main function', 1, _Invoker(context))
        cancellable = Gio.Cancellable()
        _on_context(context, lambda: run.begin(
            cancellable, lambda call: self._aio_phase == 'running' and self.quit()))
        failure = None
        if not run.finished:
            try:
                self.run_forever()
            except GLib.Error as error:
                failure = error
        if not run.finished:
            cancellable.cancel()
            _on_context(context, until=lambda: run.finished)
            raise failure or _cancelled_error(
                'The main function was interrupted by a signal or a quit')
        if failure is not None or run.exception is not None:
            raise failure or run.exception
        return run.value

    def run(self):
        """Starts the services, runs until SIGINT, SIGTERM or quit(), stops them."""
        with self:
            self.run_forever()
        return True

    def attach_application(self, application):
        """Runs the services inside ``application`` (any Gio.Application)."""
        # Connected first: logging is ready before the services start.
        application.connect('startup', lambda app: self._aio_configure_logging())
        Aio.Entrypoint.attach_application(self, application)


@_export
def run(main=None, *services, **kwargs):
    """``aiomisc.run(main, *services, **kwargs)``: returns what ``main`` returned."""
    if main is not None and not callable(main) and not inspect.isawaitable(main):
        raise TypeError('Aio.run() needs a callable main, a coroutine or None, not %r' % (main,))
    with Entrypoint(*services, **kwargs) as entrypoint:
        return entrypoint.run_until_complete(main)


# Context

@_export
class Context(Aio.Context):
    """aiomisc's ``Context``: a mapping whose ``wait`` calls back once a key is set."""

    def lookup(self, key):
        """Returns ``(True, value)``, or ``(False, None)`` if ``key`` is not set."""
        try:
            return Aio.Context.lookup(self, key)
        except TypeError:
            # An unset key leaves the out GValue uninitialized, which
            # PyGObject cannot convert.
            return (False, None)

    def set(self, key, value):
        """Sets ``key``; values GLib has no type for are kept as Python objects."""
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

    def wait(self, key, callback=None, *args, cancellable=None, on_error=None):
        """``callback(value, *args)`` once ``key`` is set; without a callback, an awaitable."""
        if callback is None:
            return _awaitable(lambda cb, eb: self.wait(key, cb, cancellable=cancellable,
                                                       on_error=eb))
        self.get_async(key, cancellable, _ready(
            self.get_finish, lambda value: callback(value, *args), on_error,
            lambda: 'Waiting for context key %r' % key))


# Results as callback(value) or errback(exception)

def _error_key(error):
    return (error.domain, error.code, error.message) if isinstance(error, GLib.Error) else None


def _raised_by(operations, error, default=None):
    # The exception behind the GLib.Error that the C side saw, if an
    # operation (_Operation) raised it: callbacks get the exception itself.
    key = _error_key(error)
    return next((op.raised[key] for op in list(operations) if key in op.raised), default)


def _ready(finish, callback, errback, what, ops=()):
    """An AsyncReadyCallback: ``callback(finish(result))`` or ``errback(exception)``;
    without an errback, a failure other than a cancellation is logged."""
    if errback is None and isinstance(callback, _Done):
        errback = callback.fail

    def ready(source, result, *user_data):
        try:
            value = finish(result)
        except BaseException as error:
            exc = _raised_by(ops, error, error)
            if errback is not None:
                errback(exc)
            elif not (isinstance(error, GLib.Error) and
                      error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)):
                _log(GLib.LogLevelFlags.LEVEL_WARNING, '%s failed: %s' % (what(), _describe(exc)))
        else:
            if callback is not None:
                callback(value)
    return ready


# Threads: aiomisc's @threaded

@_export
def run_in_thread(func, *args, callback=None, errback=None, cancellable=None):
    """Runs ``func(*args)`` on the worker pool; then ``callback(value)`` or ``errback(exc)``."""
    def work(*data):
        try:
            # A list: PyGObject keeps it as one object (a tuple would be
            # taken as out values).
            return [True, func(*args)]
        except BaseException as exc:
            return [False, exc]

    def finish(result):
        ok, value = Aio.run_in_thread_value_finish(result)
        if not ok:
            raise value
        return value
    Aio.run_in_thread_value_async(work, cancellable=cancellable, callback=_ready(
        finish, callback, errback, lambda: 'run_in_thread(%s)' % _func_name(func)))


@_export
def threaded(func):
    """aiomisc's ``@threaded``: awaitable, or with ``callback=``/``errback=``."""
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


# Timers: periodic and cron jobs

class _Operation:

    def __init__(self, func, args=()):
        if not callable(func):
            raise TypeError('%r is not callable' % (func,))
        self.func, self.args = func, args
        self.raised = {}  # _error_key() -> the exception, for _raised_by()

    def __call__(self, task, cancellable, *data):
        self.start(task, cancellable, self.args)

    def start(self, task, cancellable, args,
              to_gvalue=functools.partial(GObject.Value, GObject.TYPE_PYOBJECT)):
        def finished(call):
            exc = call.exception
            if exc is None:
                try:
                    return task.return_value(to_gvalue(call.value))
                except Exception as bad_value:
                    exc = bad_value
            error = _to_gerror(exc)
            if not call.interrupted:
                self.raised[_error_key(error)] = exc
                if len(self.raised) > 64:  # a long-lived operation: keep the recent ones
                    del self.raised[next(iter(self.raised))]
            task.return_error(error)
        _Call(self.func, args, lambda: 'The operation %s' % _func_name(self.func)).begin(
            cancellable, finished)


class _Job(_Operation):

    def __call__(self, owner, task, *user_data):
        what = '%s %r' % (type(owner).__name__, owner.props.name)
        _Call(self.func, self.args, what).begin(
            task.get_cancellable(), lambda call: _return(task, _gerror(call.exception, what)))


def _set_props(obj, **values):
    for key, value in values.items():
        if value is not None:
            obj.set_property(key, value)
    return obj


class _ScheduledCallback:

    def __new__(cls, func, *args, name=None, clock=None):
        return cls.new(_Job(func, args))

    def __init__(self, func, *args, name=None, clock=None):
        _set_props(self, name=name, clock=clock)  # constructed by __new__

    def stop(self, callback=None, errback=None):
        """Stops the schedule; then ``callback(None)``."""
        self.stop_async(None, _ready(lambda result: self.stop_finish(result) and None, callback,
                                     errback, lambda: 'Stopping %r' % self.props.name))

    def __repr__(self):
        return '<Aio.%s %r %s>' % (type(self).__name__, self.props.name,
                                   'running' if self.is_running() else 'stopped')


@_export
class PeriodicCallback(_ScheduledCallback, Aio.PeriodicCallback):
    """aiomisc's ``PeriodicCallback(func, *args)``."""

    def start(self, interval=None, delay=None, shield=None):
        """aiomisc's ``start(interval, delay=0, shield=False)``."""
        _set_props(self, interval=interval, delay=delay, shield=shield)
        return Aio.PeriodicCallback.start(self)


def _strategy_func(strategy):
    def func(recurring, *user_data):
        try:
            decision = strategy(recurring)
        except Exception as exc:
            _log(GLib.LogLevelFlags.LEVEL_WARNING, 'Recurring callback %r: its strategy '
                 'raised %s; stopping' % (recurring.props.name, _describe(exc)))
            decision = None
        if decision is None:
            return 0.0, Aio.RecurringAction.STOP
        if isinstance(decision, tuple):
            return float(decision[0]), decision[1]
        return float(decision), Aio.RecurringAction.RUN_AFTER
    return func


@_export
class RecurringCallback(_ScheduledCallback, Aio.RecurringCallback):
    """aiomisc's ``RecurringCallback(func, *args)``; ``start(strategy)``."""

    def start(self, strategy, shield=None):
        _set_props(self, shield=shield)
        return Aio.RecurringCallback.start(self, _strategy_func(strategy))


_do_callback_async = _async_vfunc(
    'callback', 0, lambda self: 'Periodic service %r' % self.props.name)


@_export
class PeriodicService(Aio.PeriodicService):
    """aiomisc's ``PeriodicService``: ``callback`` every ``interval`` seconds."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _hook_vfunc(cls, 'do_callback_async', _do_callback_async)

    def __init__(self, **kwargs):
        # aiomisc style: class attributes give the defaults of the keywords.
        for key in ('interval', 'delay', 'shield'):
            default = getattr(type(self), key, None)
            if key not in kwargs and isinstance(default, (int, float)):
                kwargs[key] = default
        super().__init__(**kwargs)

    def callback(self):
        """The periodic work; subclasses override it."""
        raise NotImplementedError('%s does not define callback()' % type(self).__name__)


@_export
class CronService(Aio.CronService):
    """aiomisc's ``CronService``: ``service.register(func, "*/5 * * * *")``."""

    def register(self, func, spec, *args, shield=None, name=None):
        """Runs ``func(*args)`` on the cron schedule ``spec``; returns the Aio.CronCallback."""
        if isinstance(func, str) and callable(spec):
            func, spec = spec, func
        return _set_props(Aio.CronService.register(self, spec, _Job(func, args)),
                          shield=shield, name=name)

    @property
    def callbacks(self):
        """The registered ``Aio.CronCallback``s, as a list."""
        return list(self.dup_callbacks())


# Resilience: timeout, retry, backoff, circuit breaker, select, aggregate

def _exception_types(exceptions):
    if exceptions is None or isinstance(exceptions, tuple):
        return exceptions
    return (exceptions,) if isinstance(exceptions, type) else tuple(exceptions)


@_export
def timeout(seconds, func, *args, callback=None, errback=None, cancellable=None, clock=None):
    """aiomisc's ``timeout``: ``func(*args)`` cancelled with ``TIMED_OUT`` after ``seconds``."""
    op = _Operation(func, args)
    Aio.timeout_full_async(clock, seconds, op, cancellable=cancellable, callback=_ready(
        Aio.timeout_full_finish, callback, errback, lambda: 'timeout(%s)' % _func_name(func),
        (op,)))


def _giveup_func(giveup, exceptions, operations):
    def func(error, *user_data):
        exc = _raised_by(operations, error)
        if exc is not None and exceptions is not None and not isinstance(exc, exceptions):
            return True
        return bool(giveup(exc if exc is not None else error)) if giveup else False
    return func


@_export
class Backoff(Aio.Backoff):
    """aiomisc's ``asyncbackoff`` as an object: ``Aio.Backoff(...).run(func, *args)``."""

    def __init__(self, attempt_timeout=None, deadline=None, pause=0.1, max_tries=None,
                 giveup=None, exceptions=None, **props):
        props.update(attempt_timeout=attempt_timeout or 0.0, deadline=deadline or 0.0,
                     pause=pause, max_tries=-1 if max_tries is None else max_tries)
        super().__init__(**_object_props(Aio.Backoff, props))
        self._aio_operations = set()  # those of the runs in flight
        if giveup is not None or exceptions is not None:
            self.set_giveup_func(_giveup_func(giveup, _exception_types(exceptions),
                                              self._aio_operations))

    def run(self, func, *args, callback=None, errback=None, cancellable=None):
        """Runs ``func(*args)`` until it succeeds or the limits are reached."""
        self._aio_run(func, args, callback, errback, cancellable, 'Backoff of %s')

    def _aio_run(self, func, args, callback, errback, cancellable, what):
        op = _Operation(func, args)
        operations = self.__dict__.setdefault('_aio_operations', set())
        operations.add(op)

        def finish(result):
            operations.discard(op)
            return self.run_finish(result)
        self.run_async(op, cancellable=cancellable, callback=_ready(
            finish, callback, errback, lambda: what % _func_name(func), (op,)))


@_export
def retry(func, *args, max_tries=3, pause=0.1, exceptions=None, giveup=None,
          callback=None, errback=None, cancellable=None):
    """aiomisc's ``asyncretry``: ``func(*args)`` up to ``max_tries`` times."""
    backoff = Backoff(pause=pause, max_tries=max_tries, giveup=giveup, exceptions=exceptions)
    backoff._aio_run(func, args, callback, errback, cancellable, 'retry(%s)')


@_export
class CircuitBreaker(Aio.CircuitBreaker):
    """aiomisc's ``CircuitBreaker(error_ratio, response_time, exceptions=None)``."""

    _aio_counted = BaseException  # the exceptions that count as failures

    def __init__(self, error_ratio=None, response_time=None, exceptions=None, **props):
        if error_ratio is not None:
            props['error_ratio'] = error_ratio
        if response_time is not None:
            props['response_time'] = response_time
        super().__init__(**_object_props(Aio.CircuitBreaker, props))
        if exceptions is not None:
            self._aio_counted = _exception_types(exceptions)

    def call(self, func, *args, **kwargs):
        """Returns what ``func(*args, **kwargs)`` returns, or raises; any thread may call."""
        state = {}

        def guarded(*user_data):
            try:
                state['value'] = func(*args, **kwargs)
            except BaseException as exc:
                state['raised'] = exc
                # An exception that does not count is, for the breaker, a call that worked.
                if isinstance(exc, self._aio_counted):
                    raise _to_gerror(exc)
        try:
            Aio.CircuitBreaker.call(self, guarded)
        except GLib.Error:
            if 'raised' not in state:
                raise  # refused: AIO_ERROR_CIRCUIT_BROKEN
        if 'raised' in state:
            raise state['raised']
        return state.get('value')


@_export
def select(*funcs, callback=None, errback=None, cancellable=None, cancel=True, wait=True):
    """aiomisc's ``select``: ``callback((index, value))`` of the first function to complete."""
    if not funcs:
        raise TypeError('Aio.select() needs at least one function')
    ops = [_Operation(func) for func in funcs]
    flags = ((Aio.SelectFlags.NONE if cancel else Aio.SelectFlags.NO_CANCEL) |
             (Aio.SelectFlags.NONE if wait else Aio.SelectFlags.NO_WAIT))
    Aio.select_async(len(ops), flags, lambda task, i, c, *data: ops[i].start(task, c, ()),
                     cancellable=cancellable, callback=_ready(
                         lambda result: tuple(Aio.select_finish(result)), callback, errback,
                         lambda: 'select(%s)' % ', '.join(map(_func_name, funcs)), ops))


class _Batch:

    def __init__(self, func):
        self.op = _Operation(func)
        self.items, self.results = {}, {}
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

    def finish(self, key, finish, result):
        """Forgets the item of ``key``; returns its result (raises the batch's error)."""
        try:
            finish(result)
        finally:
            self.items.pop(key, None)
            value = self.results.pop(key, None)
        return value


@_export
class Aggregator(Aio.Aggregator):
    """aiomisc's ``aggregate``: ``Aio.Aggregator(func, leeway, max_count).call(item)``."""

    def __init__(self, func, leeway=0.1, max_count=None, **props):
        props.update(leeway=leeway, max_count=-1 if max_count is None else max_count)
        super().__init__(**_object_props(Aio.Aggregator, props))
        self._aio_batch = _Batch(func)
        self.set_func(self._aio_batch)

    def call(self, item, callback=None, errback=None, cancellable=None):
        """Adds ``item`` to the current batch; then ``callback(result)``."""
        batch = self._aio_batch
        key = batch.add(item)
        self.call_async(key, cancellable, _ready(
            lambda result: batch.finish(key.unpack(), self.call_finish, result), callback,
            errback, lambda: 'Aggregator of %s' % _func_name(batch.op.func), (batch.op,)))


# Network: TCP and UDP servers, stream protocols, TCP clients

def _format_address(address):
    # GLib's "host:port" ("[host]:port" for IPv6), or the path of a Unix socket
    return '?' if address is None else address.to_string()


def _peer_of(stream):
    if isinstance(stream, Gio.TlsConnection):
        stream = stream.props.base_io_stream
    try:
        return _format_address(stream.get_remote_address())
    except (AttributeError, GLib.Error):
        return '?'


@_export
class TcpServer(Aio.TcpServer):
    """aiomisc's ``TCPServer``: ``handle_client(self, stream)`` or a ``protocol_type``."""

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
    try:
        return getattr(protocol, name)(*args)
    except Exception as exc:
        transport = getattr(protocol, '_aio_transport', None)
        peer = _format_address(transport.get_remote_address()) if transport else '?'
        _log(GLib.LogLevelFlags.LEVEL_WARNING,
             'Protocol %s of %s: %s() raised %s; aborting the connection'
             % (type(protocol).__name__, peer, name, _describe(exc)))
        _log_traceback('Protocol %s' % type(protocol).__name__, exc)
        if transport is not None and name != 'connection_lost':
            transport.abort()
        return None


def _protocol_hook(name):
    def hook(self, *args):
        if name == 'connection_made':
            self._aio_transport = args[0]
        elif name == 'data_received':
            args = (bytes(args[0]),)  # PyGObject 3.42 passes the length too
        try:
            plain = name in type(self)._aio_plain
            result = _protocol_call(self, name, *args) if plain else None
            return bool(result) if name == 'eof_received' else None
        finally:
            if name == 'connection_lost':
                self._aio_transport = None  # the transport drops the protocol now
    return hook


_PROTOCOL_METHODS = ('connection_made', 'data_received', 'eof_received', 'connection_lost',
                     'pause_writing', 'resume_writing')
_PROTOCOL_HOOKS = {name: _protocol_hook(name) for name in _PROTOCOL_METHODS}


@_export
class StreamProtocol(Aio.StreamProtocol):
    """asyncio's ``Protocol``, with ``connection_made(transport)`` and the others."""

    _aio_plain = frozenset()  # the plain methods of the class

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._aio_plain = frozenset(name for name in _PROTOCOL_METHODS if _defines(cls, name))
        if cls._aio_plain:
            for name in cls._aio_plain | {'connection_made', 'connection_lost'}:
                _hook_vfunc(cls, 'do_' + name, _PROTOCOL_HOOKS[name])


def _do_handle_datagram(self, data, address):
    try:
        self.handle_datagram(data.get_data(), address)
    except Exception as exc:
        _log(GLib.LogLevelFlags.LEVEL_WARNING, 'Server %r: handling a datagram from %s '
             'failed: %s' % (self.props.name, _format_address(address), _describe(exc)))
        _log_traceback('Server %r' % self.props.name, exc)


@_export
class UdpServer(Aio.UdpServer):
    """aiomisc's ``UDPServer``: ``handle_datagram(self, data, address)``, ``send_to``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_datagram'):
            _hook_vfunc(cls, 'do_handle_datagram', _do_handle_datagram)

    def send_to(self, data, address):
        """Sends ``data`` to ``address`` (a Gio.SocketAddress or a ``(host, port)`` tuple)."""
        if not isinstance(data, GLib.Bytes):
            data = GLib.Bytes.new(bytes(data))
        if isinstance(address, tuple) and len(address) == 2:
            try:
                address = Gio.InetSocketAddress.new_from_string(*address)
            except TypeError:  # the constructor returned NULL: not an IP address
                raise ValueError('Invalid address %r: expected an IP address and a port'
                                 % (address,)) from None
        elif not isinstance(address, Gio.SocketAddress):
            raise TypeError('Expected a Gio.SocketAddress or a (host, port) tuple, not %r'
                            % (address,))
        return Aio.UdpServer.send_to(self, data, address)


@_export
class TcpClient(Aio.TcpClient):
    """aiomisc's ``TCPClient``: ``handle_connection(self, connection)``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if _defines(cls, 'handle_connection'):
            _hook_vfunc(cls, 'do_handle_connection_async', _do_handle_connection_async)


_do_handle_connection_async = _async_vfunc(
    'handle_connection', 1, lambda self, connection: 'Client %r: the connection handler'
    % self.props.name, note_cause=True)
