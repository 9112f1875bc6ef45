# SPDX-License-Identifier: MIT
"""services.py: the two services of the tutorial, used by the other snippets."""

import asyncio
import logging

import gi

gi.require_version("Aio", "1.0")
from gi.repository import Aio, Gio

log = logging.getLogger("services")


# snippet: infinity
class InfinityService(Aio.Service):
    """Long-running: start runs for the whole life of the service."""

    async def start(self):
        self.start_event.set()  # ready: aiomisc's start_event, or self.set_ready()
        ticks = 0
        while True:  # the stop cancels it here (asyncio.CancelledError)
            await asyncio.sleep(1)
            ticks += 1
            log.info("tick %d", ticks)  # do some stuff
# end snippet


# snippet: ordinary
class OrdinaryService(Aio.Service):
    """Ordinary: start sets the service up, stop tears it down. This one
    listens on a TCP port of the loopback interface and greets whoever
    connects."""

    def start(self):
        self.listener = Gio.SocketService()
        self.listener.connect("incoming", self.incoming)
        loopback = Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4)
        # Raises GLib.Error on failure: the service failed to start.
        _, address = self.listener.add_address(
            Gio.InetSocketAddress.new(loopback, 0),
            Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
        log.info("listening on port %d", address.get_port())

    def incoming(self, listener, connection, source_object):
        connection.get_output_stream().write_all(b"hello\n", None)
        return True

    def stop(self, reason):
        # reason is the GLib.Error that stops the program, None on a normal stop.
        log.info("closing the port (%s)", reason.message if reason else "normal stop")
        self.listener.stop()
        self.listener.close()
# end snippet
