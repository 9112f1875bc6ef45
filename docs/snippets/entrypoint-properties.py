# SPDX-License-Identifier: MIT
import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio

from services import InfinityService, OrdinaryService

# aiomisc's defaults, spelled out. Values set here win over the AIOMISC_*
# environment variables, which only replace the defaults.
with Aio.Entrypoint(
    OrdinaryService(),
    InfinityService(),
    pool_size=4,
    log_level="info",
    log_format="auto",
    log_buffering=True,
    log_buffer_size=1024,
    log_flush_interval=0.2,
    log_config=True,
    debug=False,
    shutdown_timeout=60,
) as entrypoint:
    entrypoint.run_forever()
