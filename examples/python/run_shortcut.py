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

import asyncio
import logging
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402

log = logging.getLogger(__name__)


class InfinityService(Aio.Service):
    interval = 0.2

    async def start(self):
        self.start_event.set()
        self.ticks = 0
        try:
            while True:
                await asyncio.sleep(self.interval)
                self.ticks += 1
                log.info('%s: tick %d', self.props.name, self.ticks)
        finally:
            log.info('%s: stopped after %d ticks', self.props.name, self.ticks)


class OrdinaryService(Aio.Service):
    async def start(self):
        log.info('%s: started', self.props.name)

    async def stop(self, exception=None):
        log.info('%s: stopped', self.props.name)


async def sleep_and_exit(sleep_ms):
    log.info('main: started, the services run')
    await asyncio.sleep(sleep_ms / 1000)
    log.info('main: exiting')
    return len(Aio.Entrypoint.get_current().services)  # what Aio.run returns


def main(argv):
    sleep_ms = int(argv[1]) if len(argv) > 1 else 1000
    infinity = InfinityService(name='infinity')
    if len(argv) > 2:
        infinity.interval = int(argv[2]) / 1000

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
