# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

log = logging.getLogger("dependencies")


class Connection(Aio.Service):
    """A service that takes a moment to connect to something."""

    def start(self, done):
        # With a done parameter, the service is up once done() is called.
        log.info("%s: connecting", self.props.name)

        def connected():
            log.info("%s: connected", self.props.name)
            done()
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(100, connected)

    def stop(self, reason):
        log.info("%s: disconnected", self.props.name)


database = Connection(name="database")
cache = Connection(name="cache")
api = Connection(name="api")

# snippet: graph
# The cache warms up from the database; the API needs both.
cache.add_dependency(database)
api.add_dependency(database)
api.add_dependency(cache)

# Adding the API adds what it depends on.
entrypoint = Aio.Entrypoint(api)
# end snippet

entrypoint.run()  # start, run until SIGINT or SIGTERM, stop
