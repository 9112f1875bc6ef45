#!/usr/bin/python3
# test_stream_protocol.py: Aio.StreamProtocol subclassed in Python, served on
# loopback Gio sockets with Aio.StreamProtocol.serve_async
#
# SPDX-License-Identifier: MIT

import socket
import struct
import unittest

import aiotest
from aiotest import iterate_until, IO_ERROR
from gi.repository import Aio, Gio, GLib


class Echo(Aio.StreamProtocol):
    """Echoes, and records what happens to it."""

    def __init__(self, keep_open=False):
        super().__init__()
        self.keep_open = keep_open
        self.transport = None
        self.received = b''
        self.events = []
        self.lost_error = 'not called'

    def do_connection_made(self, transport):
        self.events.append('made')
        self.transport = transport

    def do_data_received(self, data, *length):
        # PyGObject passes the length of the array too (3.42 does).
        assert length in ((), (len(data),)), length
        if 'data' not in self.events:
            self.events.append('data')
        self.received += data
        self.transport.write(data)

    def do_eof_received(self):
        self.events.append('eof')
        return self.keep_open

    def do_connection_lost(self, error):
        self.events.append('lost')
        self.lost_error = error
        self.transport = None


def loopback_pair():
    """(accepted Gio.SocketConnection, client Gio.SocketConnection)."""
    listener = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.STREAM,
                              Gio.SocketProtocol.TCP)
    any_port = Gio.InetSocketAddress.new(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
    listener.bind(any_port, True)
    listener.listen()
    client = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.STREAM,
                            Gio.SocketProtocol.TCP)
    client.connect(listener.get_local_address(), None)
    server = listener.accept(None)
    listener.close()
    return (server.connection_factory_create_connection(),
            client.connection_factory_create_connection())


def serve(protocol, stream, cancellable=None):
    """Starts serving; returns a list that gets (ok, error) at the end."""
    outcome = []

    def done(source, result, data):
        try:
            outcome.append((source.serve_finish(result), None))
        except GLib.Error as error:
            outcome.append((False, error))

    protocol.serve_async(stream, cancellable, done, None)
    return outcome


def client_read(client, size):
    """Reads what has arrived once the socket is readable (iterating the
    main context meanwhile, for the server side)."""
    sock = client.get_socket()
    iterate_until(lambda: sock.condition_check(GLib.IOCondition.IN))
    return client.get_input_stream().read_bytes(size, None).get_data()


class StreamProtocol(unittest.TestCase):

    def test_python_subclass_receives_bytes(self):
        server, client = loopback_pair()
        protocol = Echo()
        outcome = serve(protocol, server)
        self.assertEqual(protocol.events, ['made'])
        self.assertIsInstance(protocol.transport, Aio.Transport)
        remote = protocol.transport.get_remote_address()
        self.assertEqual(remote.get_port(), client.get_local_address().get_port())

        client.get_output_stream().write_bytes(GLib.Bytes.new(b'hello \x00\xff'), None)
        iterate_until(lambda: len(protocol.received) == 8)
        self.assertIsInstance(protocol.received, bytes)
        self.assertEqual(protocol.received, b'hello \x00\xff')
        self.assertEqual(client_read(client, 100), b'hello \x00\xff')

        client.close(None)
        iterate_until(lambda: outcome)
        self.assertEqual(outcome, [(True, None)])
        self.assertEqual(protocol.events, ['made', 'data', 'eof', 'lost'])
        self.assertIsNone(protocol.lost_error)

    def test_half_close_and_write_bytes(self):
        server, client = loopback_pair()
        protocol = Echo(keep_open=True)
        outcome = serve(protocol, server)
        transport = protocol.transport

        client.get_output_stream().write_bytes(GLib.Bytes.new(b'ping'), None)
        client.get_socket().shutdown(False, True)
        iterate_until(lambda: 'eof' in protocol.events)
        self.assertFalse(transport.is_closing())
        transport.write_bytes(GLib.Bytes.new(b' and pong'))
        self.assertEqual(transport.get_write_buffer_size(), 0)
        self.assertEqual(transport.get_write_buffer_limits(), (64 * 1024, 16 * 1024))
        transport.close()
        self.assertTrue(transport.is_closing())

        received = b''
        while True:
            chunk = client_read(client, 100)
            if not chunk:
                break
            received += chunk
        self.assertEqual(received, b'ping and pong')
        iterate_until(lambda: outcome)
        self.assertEqual(outcome, [(True, None)])
        self.assertIsNone(transport.get_protocol())

    def test_bad_water_marks_raise(self):
        server, client = loopback_pair()
        protocol = Echo()
        outcome = serve(protocol, server)
        with self.assertRaises(GLib.Error) as raised:
            protocol.transport.set_write_buffer_limits(10, 20)
        self.assertTrue(raised.exception.matches(IO_ERROR, Gio.IOErrorEnum.INVALID_ARGUMENT))
        protocol.transport.abort()
        iterate_until(lambda: outcome)
        self.assertEqual(outcome, [(True, None)])

    def test_reset_and_cancel_reach_connection_lost(self):
        # A reset by the peer: connection_lost gets a GLib.Error.
        server, client = loopback_pair()
        protocol = Echo()
        outcome = serve(protocol, server)
        fd = client.get_socket().get_fd()
        with socket.socket(fileno=fd) as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            raw.detach()
        client.close(None)
        iterate_until(lambda: outcome)
        ok, error = outcome[0]
        self.assertFalse(ok)
        self.assertEqual(error.domain, GLib.quark_to_string(IO_ERROR))
        self.assertIsInstance(protocol.lost_error, GLib.Error)
        self.assertEqual(protocol.lost_error.code, error.code)

        # Cancelled: G_IO_ERROR_CANCELLED on both sides.
        server, client = loopback_pair()
        protocol = Echo()
        cancellable = Gio.Cancellable()
        outcome = serve(protocol, server, cancellable)
        cancellable.cancel()
        iterate_until(lambda: outcome)
        ok, error = outcome[0]
        self.assertFalse(ok)
        self.assertTrue(error.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        self.assertTrue(protocol.lost_error.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(protocol.events, ['made', 'lost'])
        client.close(None)

    def test_invokers_reach_python_overrides(self):
        class Sink(Aio.StreamProtocol):
            got = []

            def do_data_received(self, data, *length):
                self.got.append(data)

        sink = Sink()
        sink.data_received(b'\x01\x02\x03')
        self.assertEqual(Sink.got, [b'\x01\x02\x03'])
        # The default eof_received closes.
        self.assertFalse(Aio.StreamProtocol().eof_received())


if __name__ == '__main__':
    aiotest.main()
