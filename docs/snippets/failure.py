# SPDX-License-Identifier: MIT
import sys

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

from services import OrdinaryService


class BrokenService(Aio.Service):
    """A service that cannot start."""

    def start(self):
        raise ConnectionRefusedError("cannot reach the database")


entrypoint = Aio.Entrypoint(OrdinaryService(), BrokenService(name="storage"))

# snippet: run
try:
    with entrypoint:
        entrypoint.run_forever()
except GLib.Error as error:
    # The message names the service; the exception it raised is the cause.
    print(error.message, file=sys.stderr)
    sys.exit(2 if isinstance(error.__cause__, ConnectionRefusedError) else 1)
# end snippet
