#!/usr/bin/python3
# signal_child.py MODE: a Python program run by test_signals.py that prints
# what happens to its services on stdout, one line at a time.
#
#   with     Aio.Entrypoint as a context manager + run_forever()
#   run      Aio.run(None, *services): until SIGINT/SIGTERM
#   main     Aio.run(long-running main): a signal interrupts the main
#   second   like "with"; a service's stop gets another SIGINT meanwhile
#   async-start      "with", one start (async def) never completes
#   done-start       "with", one start (with a done) never completes
#   async-start-run  Aio.run, one start (async def) never completes
#
# SPDX-License-Identifier: MIT

import asyncio
import os
import signal
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib, Gio  # noqa: E402


def say(*words):
    print(*words, flush=True)


class Ordinary(Aio.Service):
    def start(self):
        say('started', self.props.name)

    def stop(self, reason):
        say('stopped', self.props.name)


class Infinity(Aio.Service):
    def start(self):
        self.set_ready()
        self.timer = GLib.timeout_add(5, lambda: GLib.SOURCE_CONTINUE)
        say('started', self.props.name)

    def stop(self, reason):
        GLib.source_remove(self.timer)
        say('stopped', self.props.name)


class SlowStop(Aio.Service):
    """Gets a second SIGINT while it stops, then finishes the stop."""

    def stop(self, reason, done):
        say('stopping', self.props.name)
        os.kill(os.getpid(), signal.SIGINT)
        # Finish from an idle: the signal source (default priority) is
        # dispatched first, while the entrypoint is still stopping.
        GLib.idle_add(lambda: done() and False)
        say('stopped', self.props.name)


class Hanging(Aio.Service):
    """A client waiting for a server that never answers."""

    async def start(self):
        GLib.idle_add(lambda: say('READY') and False)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            say('start cancelled')
            raise

    def stop(self, reason):
        say('stopped hanging')


class HangingDone(Aio.Service):
    def start(self, done):
        GLib.idle_add(lambda: say('READY') and False)

    def stop(self, reason):
        say('stopped hanging')


def services():
    return [Ordinary(name='ordinary'), Infinity(name='infinity')]


def check_python_handlers_restored():
    """GLib resets SIGINT to SIG_DFL when it stops watching it; the override
    gives it back to Python, so this raises KeyboardInterrupt."""
    try:
        signal.raise_signal(signal.SIGINT)
    except KeyboardInterrupt:
        say('python-sigint-ok')


def main():
    mode = sys.argv[1]
    if mode in ('with', 'second'):
        extra = [SlowStop(name='slow')] if mode == 'second' else []
        with Aio.Entrypoint(*services(), *extra, log_level='info') as ep:
            say('READY')
            ep.run_forever()
        say('exited')
    elif mode == 'run':
        class Announcer(Aio.Service):
            def start(self):
                GLib.idle_add(lambda: say('READY') and False)

        Aio.run(None, *services(), Announcer(), log_level='info')
        say('exited')
    elif mode == 'main':
        def long_main(entrypoint, done):
            say('READY')

        try:
            Aio.run(long_main, *services(), log_level='info')
        except GLib.Error as error:
            if not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                raise
            say('interrupted')
        say('exited')
    elif mode in ('async-start', 'done-start', 'async-start-run'):
        hanging = HangingDone() if mode == 'done-start' else Hanging()
        try:
            if mode == 'async-start-run':
                Aio.run(None, Ordinary(name='ordinary'), hanging)
            else:
                with Aio.Entrypoint(Ordinary(name='ordinary'), hanging):
                    say('entered')
        except GLib.Error as error:
            if not error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                raise
            say('start interrupted')
    else:
        raise SystemExit('unknown mode %r' % mode)
    check_python_handlers_restored()
    say('END')


if __name__ == '__main__':
    main()
