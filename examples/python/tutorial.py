#!/usr/bin/python3
# tutorial.py: the aiomisc tutorial with aiomisc-glib from Python.
#
# SPDX-License-Identifier: MIT
"""An InfinityService and an OrdinaryService under an entrypoint, until
Ctrl-C (SIGINT) or SIGTERM. The aiomisc original:

    class InfinityService(aiomisc.Service):
        async def start(self):
            self.start_event.set()          # the service is ready
            while True:
                log.info("Hello from service")
                await asyncio.sleep(1)

    class OrdinaryService(aiomisc.Service):
        async def start(self): ...          # returns once the service is up
        async def stop(self, exception=None): ...

    with aiomisc.entrypoint(InfinityService(), OrdinaryService(),
                            log_level="info") as loop:
        loop.run_forever()

Usage: tutorial.py [TICK_MS] (default: 1000)
"""

import logging
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402

log = logging.getLogger(__name__)


class InfinityService(Aio.Service):
    """Long-running: ticks until it is stopped."""

    interval_ms = 1000

    def start(self):
        self.ticks = 0
        self.set_ready()  # aiomisc's start_event.set(); returning would do too
        self.timer = GLib.timeout_add(self.interval_ms, self.tick)

    def tick(self):
        self.ticks += 1
        log.info('%s: tick %d', self.props.name, self.ticks)
        return GLib.SOURCE_CONTINUE

    def stop(self, reason):
        GLib.source_remove(self.timer)
        log.info('%s: cancelled after %d ticks', self.props.name, self.ticks)


class OrdinaryService(Aio.Service):
    """Ordinary: up once start returns, torn down by stop."""

    def start(self):
        log.info('%s: started', self.props.name)

    def stop(self, reason):
        log.info('%s: stopped (%s)', self.props.name,
                 reason.message if reason else 'normal shutdown')


def main(argv):
    infinity = InfinityService(name='infinity')
    if len(argv) > 1:
        infinity.interval_ms = int(argv[1])
    ordinary = OrdinaryService(name='ordinary')

    try:
        with Aio.Entrypoint(infinity, ordinary, log_level='info') as entrypoint:
            log.info('Running; press Ctrl-C to stop')
            entrypoint.run_forever()
    except GLib.Error as error:
        print('tutorial: %s' % error.message, file=sys.stderr)
        return 70 if error.matches(Aio.error_quark(),
                                   Aio.Error.SHUTDOWN_TIMEOUT) else 1

    log.info('Bye')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
