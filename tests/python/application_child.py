#!/usr/bin/python3
# application_child.py MODE: a Gio.Application with an attached entrypoint,
# run by test_application.py; prints what happens on stdout, one line at a
# time.
#
#   sigterm   the services start, SIGTERM, they stop, app.run() returns 0
#   sigint    the same with SIGINT (Ctrl-C); Python's handler is back after
#   fail      a service fails to start: the process exits non-zero
#
# SPDX-License-Identifier: MIT

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


class SlowStop(Aio.Service):
    """Its stop completes from the main loop, after a timeout."""

    def start(self):
        say('started', self.props.name)

    def stop(self, reason, done):
        def finish():
            say('stopped', self.props.name)
            done()
            return GLib.SOURCE_REMOVE
        GLib.timeout_add(50, finish)


class Broken(Aio.Service):
    def start(self):
        raise RuntimeError('no way')


def main():
    mode = sys.argv[1]
    app = Gio.Application(flags=Gio.ApplicationFlags.NON_UNIQUE)
    app.connect('activate', lambda app: app.hold())

    entrypoint = Aio.Entrypoint(log_format=Aio.LogFormat.PLAIN, log_buffering=False)
    entrypoint.add_service(Ordinary(name='ordinary'))
    entrypoint.add_service(SlowStop(name='slow'))
    if mode in ('sigterm', 'sigint'):
        signum = signal.SIGTERM if mode == 'sigterm' else signal.SIGINT
        entrypoint.connect('post-start', lambda ep: os.kill(os.getpid(), signum))
    elif mode == 'fail':
        entrypoint.add_service(Broken(name='broken'))
    else:
        raise SystemExit('unknown mode %r' % mode)

    entrypoint.attach_application(app)
    status = app.run(None)
    say('returned', status)
    if mode == 'sigint':
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            say('python-sigint-ok')
    return status


if __name__ == '__main__':
    sys.exit(main())
