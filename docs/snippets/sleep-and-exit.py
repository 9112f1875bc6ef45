# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

log = logging.getLogger("main")


def sleep_and_exit(entrypoint, done):
    # With a done parameter, the main goes on until done() is called.
    log.info("Started")

    def wake_up():
        log.info("Exiting")
        done()
        return GLib.SOURCE_REMOVE

    GLib.timeout_add_seconds(1, wake_up)  # await asyncio.sleep(1)


with Aio.Entrypoint(log_level="info") as entrypoint:
    entrypoint.run_until_complete(sleep_and_exit)
