#!/usr/bin/python3
# run_shortcut.py: Aio.run(), the shortcut for aiomisc.run()
#
# SPDX-License-Identifier: MIT
"""The aiomisc original:

    aiomisc.run(sleep_and_exit(), OrdinaryService(), InfinityService())

Aio.run builds an entrypoint (the keywords, then the AIOMISC_* environment
variables, e.g. AIOMISC_LOG_LEVEL=debug, choose its properties), starts the
services, runs the main to completion, stops the services and returns what
the main returned, or raises what it raised.

Usage: run_shortcut.py [SLEEP_MS [TICK_MS]] (defaults: 1000 and 200)
"""

import logging
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402

log = logging.getLogger(__name__)


class InfinityService(Aio.Service):
    interval_ms = 200

    def start(self):
        self.ticks = 0
        self.timer = GLib.timeout_add(self.interval_ms, self.tick)

    def tick(self):
        self.ticks += 1
        log.info('%s: tick %d', self.props.name, self.ticks)
        return GLib.SOURCE_CONTINUE

    def stop(self, reason):
        GLib.source_remove(self.timer)
        log.info('%s: stopped after %d ticks', self.props.name, self.ticks)


class OrdinaryService(Aio.Service):
    def start(self):
        log.info('%s: started', self.props.name)

    def stop(self, reason):
        log.info('%s: stopped', self.props.name)


def sleep_and_exit(sleep_ms):
    def main(entrypoint, done):
        log.info('main: started, the services run')

        def wake_up():
            if not done.called:
                log.info('main: exiting')
                done(len(entrypoint.services))  # what Aio.run returns
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(sleep_ms, wake_up)

    return main


def main(argv):
    sleep_ms = int(argv[1]) if len(argv) > 1 else 1000
    infinity = InfinityService(name='infinity')
    if len(argv) > 2:
        infinity.interval_ms = int(argv[2])

    try:
        count = Aio.run(sleep_and_exit(sleep_ms), OrdinaryService(name='ordinary'), infinity,
                        log_level='info')
    except GLib.Error as error:
        print('run-shortcut: %s' % error.message, file=sys.stderr)
        return 1
    print('run-shortcut: the main ran with %d services' % count)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
