# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

from services import InfinityService

log = logging.getLogger("hooks")


def pre_start(entrypoint):
    log.info("pre-start: migrating the database schema")
    entrypoint.hold()  # the start waits for the release

    def migrated():
        log.info("pre-start: the database schema is up to date")
        entrypoint.release()  # the start goes on
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(100, migrated)


def post_start(entrypoint):
    log.info("post-start: every service runs")


def pre_stop(entrypoint):
    log.info("pre-stop: the services are about to stop")


def post_stop(entrypoint):
    log.info("post-stop: every service stopped")


entrypoint = Aio.Entrypoint(InfinityService())
entrypoint.connect("pre-start", pre_start)
entrypoint.connect("post-start", post_start)
entrypoint.connect("pre-stop", pre_stop)
entrypoint.connect("post-stop", post_stop)
entrypoint.run()
