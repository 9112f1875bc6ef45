# SPDX-License-Identifier: MIT
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio

log = logging.getLogger("main")


# snippet: channel
def produce(channel, cancellable):
    """Runs on a worker thread; a push blocks while the channel is full."""
    try:
        for i in range(1, 11):
            channel.push_value(f"row {i}", cancellable)  # GLib.Error once closed
    finally:
        channel.close()  # the end of the stream


def channel_main(entrypoint, done):
    # At most 4 rows wait in the channel: threaded_iterable(max_size=4)
    channel = Aio.Channel.new(4)

    def popped(channel, result):
        ok, row = channel.pop_value_finish(result)  # raises GLib.Error
        if not ok:
            log.info("end of stream")
            done()
            return
        log.info("got %s", row)
        channel.pop_value_async(done.cancellable, popped)

    Aio.run_in_thread_value_async(lambda _, cancellable: produce(channel, cancellable),
                                  cancellable=done.cancellable)
    channel.pop_value_async(done.cancellable, popped)
# end snippet


Aio.run(channel_main)
