#!/usr/bin/python3
# sleep_and_exit.py: an entrypoint without services runs a main that sleeps
# and exits.
#
# SPDX-License-Identifier: MIT
"""An entrypoint without services only sets up the routine (main loop,
thread pool, logging, signals) and runs a main. The aiomisc original:

    async def sleep_and_exit():
        logging.info("Started")
        await asyncio.sleep(1)
        logging.info("Exiting")

    with aiomisc.entrypoint(log_level="info") as loop:
        loop.run_until_complete(sleep_and_exit())

Here it is the same coroutine. Ctrl-C (SIGINT) or SIGTERM cut the sleep
short: the coroutine is cancelled and run_until_complete raises a GLib.Error.

Usage: sleep_and_exit.py [SLEEP_MS] (default: 1000)
"""

import asyncio
import logging
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402


async def sleep_and_exit(sleep_ms):
    logging.info('Started')
    await asyncio.sleep(sleep_ms / 1000)
    logging.info('Exiting')


def main(argv):
    sleep_ms = int(argv[1]) if len(argv) > 1 else 1000
    try:
        with Aio.Entrypoint(log_level='info') as entrypoint:
            entrypoint.run_until_complete(sleep_and_exit(sleep_ms))
    except GLib.Error as error:
        print('sleep-and-exit: %s' % error.message, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
