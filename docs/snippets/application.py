# SPDX-License-Identifier: MIT
import sys

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, Gio

from services import InfinityService, OrdinaryService

app = Gio.Application(application_id="org.example.Shop",
                      flags=Gio.ApplicationFlags.NON_UNIQUE)
# A program without windows holds itself; a Gtk.Application's window does.
app.connect("activate", lambda app: app.hold())

# The services start at startup, and stop before app.run() returns: at
# quit, on SIGINT or SIGTERM.
entrypoint = Aio.Entrypoint(OrdinaryService(), InfinityService())
entrypoint.attach_application(app)

sys.exit(app.run(sys.argv))
