#!/usr/bin/python3
# echo_server.py: a TCP echo server under an entrypoint, in Python.
#
# SPDX-License-Identifier: MIT
"""A TCP echo server, the Python twin of examples/echo-server.c. It prints
``listening on HOST:PORT`` once it serves and runs until SIGINT or SIGTERM,
then stops gracefully. The aiomisc original:

    class EchoServer(TCPServer):
        async def handle_client(self, reader, writer):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    with aiomisc.entrypoint(EchoServer(address="127.0.0.1", port=8000)) as loop:
        loop.run_forever()

Two ways to serve, as Aio.TcpServer offers:

- ``--streams`` (the default): ``handle_client(self, stream, done)`` reads
  and writes the ``Gio.IOStream`` of the client with GIO's asynchronous
  calls until the client closes, then calls ``done()``;
- ``--protocol``: an ``Aio.StreamProtocol`` whose ``data_received`` writes
  the data back through the transport (asyncio's ``Protocol``).

Usage: echo_server.py [--address ADDRESS] [--port PORT] [--streams | --protocol]
"""

import argparse
import sys

import gi
gi.require_version('Aio', '1.0')
from gi.repository import Aio, GLib  # noqa: E402

PRIORITY = GLib.PRIORITY_DEFAULT


class EchoServer(Aio.TcpServer):
    """The streams path: one asynchronous handler per client."""

    def handle_client(self, stream, done):
        writer = stream.get_output_stream()

        def read():
            # No buffer while the client is idle: what arrives is read into
            # a buffer shared by the thread and handed over as GLib.Bytes.
            Aio.stream_read_bytes_async(stream, 65536, PRIORITY, done.cancellable, received)

        def write(data):
            writer.write_bytes_async(data, PRIORITY, done.cancellable, written, data)

        def received(source, result):
            try:
                data = Aio.stream_read_bytes_finish(source, result)
            except GLib.Error as error:   # a reset, or the stop's cancellation
                return done.fail(error)
            if data.get_size() == 0:      # the client closed its side
                return done()
            write(data)

        def written(source, result, data):
            try:
                sent = source.write_bytes_finish(result)
            except GLib.Error as error:
                return done.fail(error)
            if sent < data.get_size():    # a short write: send the rest
                write(GLib.Bytes.new_from_bytes(data, sent, data.get_size() - sent))
            else:
                read()

        read()


class EchoProtocol(Aio.StreamProtocol):
    """The protocol path: the server makes one per client."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    def connection_lost(self, error):
        self.transport = None


def parse_args(argv):
    parser = argparse.ArgumentParser(description='A TCP echo server.')
    parser.add_argument('--address', default='127.0.0.1',
                        help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8000,
                        help='port to bind, 0 for any free one (default 8000)')
    path = parser.add_mutually_exclusive_group()
    path.add_argument('--streams', action='store_true',
                      help='serve on the streams path (the default)')
    path.add_argument('--protocol', action='store_true',
                      help='serve on the protocol path')
    options = parser.parse_args(argv)
    if not 0 <= options.port <= 65535:
        parser.error('invalid --port %d' % options.port)
    return options


def main(argv):
    options = parse_args(argv[1:])
    if options.protocol:
        server = Aio.TcpServer(name='echo', address=options.address, port=options.port,
                               protocol_type=EchoProtocol)
    else:
        server = EchoServer(name='echo', address=options.address, port=options.port)

    try:
        with Aio.Entrypoint(server, log_level='info') as entrypoint:
            host = server.props.address
            print('listening on %s:%d' % ('[%s]' % host if ':' in host else host,
                                          server.props.port), flush=True)
            entrypoint.run_forever()     # until SIGINT or SIGTERM
    except GLib.Error as error:
        print('echo_server: %s' % error.message, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
