# SPDX-License-Identifier: MIT
import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio

from services import InfinityService, OrdinaryService

# Start both, run until Ctrl-C (SIGINT) or SIGTERM, stop both.
with Aio.Entrypoint(OrdinaryService(), InfinityService()) as entrypoint:
    entrypoint.run_forever()
