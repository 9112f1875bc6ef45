# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

log = logging.getLogger("shop")


def log_main(entrypoint):
    # Python's logging goes to the same writer as GLib's records.
    log.info("Opening the shop")
    log.debug("Not written: the level is info")

    # A structured record: JSON and the journal keep every field.
    GLib.log_variant("shop", GLib.LogLevelFlags.LEVEL_INFO, GLib.Variant("a{sv}", {
        "ORDER_ID": GLib.Variant("s", "42"),
        "CUSTOMER": GLib.Variant("s", "ada"),
        "MESSAGE": GLib.Variant("s", "Order 42 paid"),
    }))


with Aio.Entrypoint(log_level="info", log_format="json") as entrypoint:
    entrypoint.run_until_complete(log_main)
