# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

from services import InfinityService, OrdinaryService

log = logging.getLogger("main")


def sleep_and_exit(entrypoint, done):
    log.info("Started")

    def wake_up():
        log.info("Exiting")
        done()
        return GLib.SOURCE_REMOVE

    GLib.timeout_add_seconds(2, wake_up)


# snippet: run
Aio.run(
    sleep_and_exit,    # the main
    OrdinaryService(),  # the services
    InfinityService(),
    log_level="info",  # keywords go to the entrypoint
)
# end snippet
