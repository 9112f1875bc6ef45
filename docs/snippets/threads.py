# SPDX-License-Identifier: MIT
import hashlib
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio

log = logging.getLogger("main")


# snippet: threads
def checksum(data):
    """Runs on a thread of the entrypoint's pool: it may block."""
    log.info("hashing %d bytes on a worker thread", len(data))
    return hashlib.sha256(data).hexdigest()


def hash_main(entrypoint, done):
    data = bytes(16 * 1024 * 1024)

    def finished(_source, result):
        # On the thread of the main loop, once checksum() returned.
        digest = Aio.run_in_thread_value_finish(result)  # raises its error
        log.info("sha256: %s", digest)
        done()

    # aiomisc's await loop.run_in_executor(None, checksum, data). The
    # function is called with (None, cancellable): bind its arguments with a
    # closure, and pass the arguments after the function by keyword.
    Aio.run_in_thread_value_async(lambda _, cancellable: checksum(data),
                                  cancellable=done.cancellable, callback=finished)
# end snippet


Aio.run(hash_main)
