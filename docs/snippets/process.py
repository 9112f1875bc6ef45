# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, GLib

log = logging.getLogger("main")


# snippet: status
def post_start(entrypoint):
    # Shown by `systemctl status`; does nothing outside systemd.
    try:
        Aio.sd_notify_status("supervising one worker")
    except GLib.Error as error:
        log.warning("sd_notify: %s", error.message)
# end snippet


# snippet: supervise
worker = Aio.RespawningProcessService(
    argv=["sh", "-c", "echo worker $$ is up; sleep 0.3; exit 1"],
    name="worker",
    # Five exits within a minute: a crash loop, the program fails.
    restart_limit=5,
    restart_interval=60,
)

with Aio.Entrypoint(worker, log_level="info") as entrypoint:
    entrypoint.connect("post-start", post_start)
    entrypoint.run_forever()
# end snippet
