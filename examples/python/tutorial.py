#!/usr/bin/python3
# tutorial.py: the aiomisc tutorial with aiomisc-glib from Python.
#
# SPDX-License-Identifier: MIT
"""An InfinityService and an OrdinaryService under an entrypoint, until
Ctrl-C (SIGINT) or SIGTERM: aiomisc's tutorial, with async def services on
asyncio, which runs on GLib's main loop. Only the import differs from
aiomisc (and the logging, to show what happens).

Usage: tutorial.py [TICK_MS] (default: 1000)
"""

import asyncio
import logging
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402

log = logging.getLogger(__name__)


class InfinityService(Aio.Service):
    interval = 1.0

    async def start(self):
        # Service is ready
        self.start_event.set()

        ticks = 0
        try:
            while True:
                # do some stuff
                await asyncio.sleep(self.interval)
                ticks += 1
                log.info('%s: tick %d', self.props.name, ticks)
        except asyncio.CancelledError:
            log.info('%s: cancelled after %d ticks', self.props.name, ticks)
            raise


class OrdinaryService(Aio.Service):
    async def start(self):
        # do some stuff
        await asyncio.sleep(0)
        log.info('%s: started', self.props.name)

    async def stop(self, exception=None):
        # do some stuff
        await asyncio.sleep(0)
        log.info('%s: stopped (%s)', self.props.name,
                 exception.message if exception else 'normal shutdown')


def main(argv):
    infinity = InfinityService(name='infinity')
    if len(argv) > 1:
        infinity.interval = int(argv[1]) / 1000
    try:
        with Aio.Entrypoint(OrdinaryService(name='ordinary'), infinity,
                            log_level='info') as loop:
            log.info('Running; press Ctrl-C to stop')
            loop.run_forever()
    except GLib.Error as error:
        print('tutorial: %s' % error.message, file=sys.stderr)
        return 70 if error.matches(Aio.error_quark(),
                                   Aio.Error.SHUTDOWN_TIMEOUT) else 1
    log.info('Bye')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
