# aiotest.py: helpers shared by the Python tests of aiomisc-glib
#
# SPDX-License-Identifier: MIT
"""Services that record what happens to them, and ways to wait for a
condition by iterating the main context (never by sleeping)."""

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
import time
import unittest

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib, Gio  # noqa: E402

TIMEOUT = 20.0

# Keep the logs of the tests quiet and plain unless asked otherwise.
os.environ.setdefault('AIOMISC_LOG_FORMAT', 'plain')

IO_ERROR = Gio.io_error_quark()
AIO_ERROR = Aio.error_quark()


class Recorder(Aio.Service):
    """An ordinary service that appends ('start'|'stop', name[, reason])
    to ``self.log`` (a list given as keyword)."""

    __required__ = ('log',)

    def start(self):
        self.log.append(('start', self.props.name))

    def stop(self, reason):
        self.log.append(('stop', self.props.name, reason.message if reason else None))


class Ticker(Aio.Service):
    """A long-running service: up at once, ticks until stopped."""

    interval = 1
    log = None

    def start(self):
        self.ticks = 0
        self.set_ready()
        self.timer = GLib.timeout_add(self.interval, self.tick)

    def tick(self):
        self.ticks += 1
        self.on_tick()
        return GLib.SOURCE_CONTINUE

    def on_tick(self):
        pass

    def stop(self, reason):
        GLib.source_remove(self.timer)
        self.timer = 0
        if self.log is not None:
            self.log.append(('stop', self.props.name, reason.message if reason else None))


def until(predicate, timeout=TIMEOUT):
    """A long-running main that completes once ``predicate()`` holds and
    fails with TimeoutError after ``timeout`` seconds. It polls from a
    main-loop timeout source."""

    def main(entrypoint, done):
        deadline = time.monotonic() + timeout

        def poll():
            if done.called:
                return GLib.SOURCE_REMOVE
            if predicate():
                done(True)
                return GLib.SOURCE_REMOVE
            if time.monotonic() > deadline:
                done.fail(TimeoutError('condition not met in %g s' % timeout))
                return GLib.SOURCE_REMOVE
            return GLib.SOURCE_CONTINUE

        GLib.timeout_add(2, poll)

    return main


def iterate_until(predicate, timeout=TIMEOUT, context=None):
    """Iterates ``context`` (the default one) until ``predicate()`` holds."""
    context = context or GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    wake = GLib.timeout_source_new(50)
    wake.set_callback(lambda *args: GLib.SOURCE_CONTINUE)
    wake.attach(context)
    try:
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError('condition not met in %g s' % timeout)
            context.iteration(True)
    finally:
        wake.destroy()


def drain(context=None):
    """Dispatches what is ready now (what advancing a manual clock made
    due), without blocking."""
    context = context or GLib.MainContext.default()
    while context.pending():
        context.iteration(False)


def advance(clock, seconds):
    """Moves an ``Aio.ManualClock`` and dispatches what became due."""
    clock.advance(int(round(seconds * 1000000)))
    drain()


@contextlib.contextmanager
def captured_stderr(lines):
    """Collects what is written on file descriptor 2 (where the GLib log
    writers write) into ``lines``."""
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            lines.extend(capture.read().decode(errors='replace').splitlines())


class Watchdog:
    """Quits the entrypoint if the test takes longer than ``timeout``:
    a hang becomes a failure instead of a meson timeout."""

    def __init__(self, entrypoint, timeout=TIMEOUT):
        self.entrypoint = entrypoint
        self.timeout = timeout
        self.fired = False
        self.source = 0

    def __enter__(self):
        self.source = GLib.timeout_add(int(self.timeout * 1000), self._fire)
        return self

    def _fire(self):
        self.fired = True
        self.source = 0
        self.entrypoint.quit()
        return GLib.SOURCE_REMOVE

    def __exit__(self, *exc):
        if self.source:
            GLib.source_remove(self.source)
        if self.fired:
            raise AssertionError('watchdog: the test took more than %g s' % self.timeout)
        return False


class Child:
    """A Python child process whose stdout lines are read with a deadline."""

    def __init__(self, *args, env=None, stderr=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                                     stderr=stderr, env=full_env)
        self.lines = []
        self._buffer = b''
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    def read_until(self, token, timeout=TIMEOUT):
        """Reads lines until one equals ``token`` (or, a function, until
        ``token(line)`` holds for one)."""
        deadline = time.monotonic() + timeout
        found = token if callable(token) else (lambda line: line == token)
        while not any(found(line) for line in self.lines):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError('child did not print %r in %g s; it printed %r'
                                     % (token, timeout, self.lines))
            if not self._selector.select(remaining):
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                raise AssertionError('child exited (%s) before printing %r; it printed %r'
                                     % (self.proc.wait(), token, self.lines))
            self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b'\n')
            self.lines.extend(line.decode() for line in complete)
        return self.lines

    def finish(self, timeout=TIMEOUT):
        """Waits for the exit; returns (status, every line printed)."""
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _ = self.proc.communicate()
            self.lines.extend(line.decode() for line in (self._buffer + rest).split(b'\n')
                              if line)
            raise AssertionError('child did not exit in %g s; it printed %r'
                                 % (timeout, self.lines))
        self._selector.close()
        self._buffer += rest
        self.lines.extend(line.decode() for line in self._buffer.split(b'\n') if line)
        self._buffer = b''
        return self.proc.returncode, self.lines

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def main():
    """unittest.main() with a last line the CI can grep."""
    program = unittest.main(exit=False, verbosity=2)
    result = program.result
    ok = result.wasSuccessful()
    name = os.path.basename(sys.argv[0])
    print('%s: %s (%d run, %d failures, %d errors, %d skipped)'
          % (name, 'PASS' if ok else 'FAIL', result.testsRun, len(result.failures),
             len(result.errors), len(result.skipped)), flush=True)
    sys.exit(0 if ok else 1)
