#!/usr/bin/python3
# test_network.py: Aio.TcpServer, Aio.StreamProtocol, Aio.UdpServer and
# Aio.TcpClient subclassed in Python, under an entrypoint, on real loopback
# sockets (port 0)
#
# SPDX-License-Identifier: MIT

import concurrent.futures
import socket
import unittest

import aiotest
from aiotest import captured_stderr, iterate_until, IO_ERROR, AIO_ERROR
from gi.repository import Aio, GLib

PRIORITY = GLib.PRIORITY_DEFAULT


class AsyncEcho(Aio.TcpServer):
    """The streams path, asynchronous: echoes until the client closes."""

    # Read with Aio.stream_read_bytes_async (no buffer while waiting).
    aio_read = False

    def handle_client(self, stream, done):
        reader, writer = stream.get_input_stream(), stream.get_output_stream()

        def read():
            if self.aio_read:
                Aio.stream_read_bytes_async(stream, 65536, PRIORITY, done.cancellable, received)
            else:
                reader.read_bytes_async(65536, PRIORITY, done.cancellable, received)

        def write(data):
            writer.write_bytes_async(data, PRIORITY, done.cancellable, written, data)

        def received(source, result):
            try:
                if self.aio_read:
                    data = Aio.stream_read_bytes_finish(source, result)
                else:
                    data = source.read_bytes_finish(result)
            except GLib.Error as error:
                return done.fail(error)
            if data.get_size() == 0:
                return done()
            if data.get_data().startswith(b'fail'):
                return done.fail(RuntimeError('asked to fail'))
            write(data)

        def written(source, result, data):
            try:
                sent = source.write_bytes_finish(result)
            except GLib.Error as error:
                return done.fail(error)
            if sent < data.get_size():
                write(GLib.Bytes.new_from_bytes(data, sent, data.get_size() - sent))
            else:
                read()

        read()


class AioReadEcho(AsyncEcho):
    """The same, reading with Aio.stream_read_bytes_async."""

    aio_read = True


class Greeter(Aio.TcpServer):
    """The streams path, synchronous: one line, then the client ends."""

    def handle_client(self, stream):
        peer = stream.get_remote_address()
        if peer.get_port() in self.refused:
            raise ValueError('refusing port %d' % peer.get_port())
        line = b'hello %d\n' % peer.get_port()
        stream.get_output_stream().write_bytes(GLib.Bytes.new(line), None)


class RecordingEcho(Aio.StreamProtocol):
    """The protocol path: echoes, and records what happens to it."""

    instances = []

    def __init__(self):
        super().__init__()
        self.events = []
        self.received = b''
        self.error = 'not called'
        RecordingEcho.instances.append(self)

    def connection_made(self, transport):
        self.events.append('made')
        self.transport = transport

    def data_received(self, data):
        if not self.received:
            self.events.append('data')
        self.received += data
        if data.startswith(b'raise'):
            raise KeyError('bad request')
        self.transport.write(data)

    def eof_received(self):
        self.events.append('eof')

    def connection_lost(self, error):
        self.events.append('lost')
        self.error = error


class UdpEcho(Aio.UdpServer):

    def handle_datagram(self, data, address):
        if data == b'raise':
            raise ValueError('bad datagram')
        self.send_to(b'echo:' + data, (address.get_address().to_string(), address.get_port()))


def in_thread(func, *args):
    """Runs a blocking client in a thread; iterates the main context (the
    server side) until it has finished; returns what it returned."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(func, *args)
        iterate_until(future.done)
        return future.result()


def tcp_exchange(port, messages):
    """Connects, sends each message and reads it back; returns the replies
    and the local port."""
    with socket.create_connection(('127.0.0.1', port), timeout=aiotest.TIMEOUT) as sock:
        replies = []
        for message in messages:
            sock.sendall(message)
            reply = b''
            while len(reply) < len(message):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reply += chunk
            replies.append(reply)
        return replies, sock.getsockname()[1]


def tcp_read_all(port, payload=b''):
    """Connects, sends payload, reads until the server closes."""
    with socket.create_connection(('127.0.0.1', port), timeout=aiotest.TIMEOUT) as sock:
        local = sock.getsockname()[1]
        if payload:
            sock.sendall(payload)
        received = b''
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            received += b'<reset>'
        return received, local


def udp_exchange(port, datagrams):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(aiotest.TIMEOUT)
        sock.connect(('127.0.0.1', port))
        replies = []
        for datagram in datagrams:
            sock.send(datagram)
            if datagram != b'raise':
                replies.append(sock.recv(65536))
        return replies


def messages_of(lines):
    Aio.log_flush()
    return '\n'.join(lines)


class StreamsPath(unittest.TestCase):

    def test_keyword_construction(self):
        server = Aio.TcpServer(address='127.0.0.1', port=0, max_connections=3,
                               drain_timeout=0.5, protocol_type=RecordingEcho, tag='mine')
        self.assertEqual(server.props.name, 'TcpServer')
        self.assertEqual(server.props.address, '127.0.0.1')
        self.assertEqual(server.props.max_connections, 3)
        self.assertEqual(server.props.drain_timeout, 0.5)
        self.assertEqual(server.get_protocol_type(), RecordingEcho.__gtype__)
        self.assertEqual(server.tag, 'mine')
        self.assertEqual(AsyncEcho(port=0).props.name, 'AsyncEcho')

    def test_async_handler_echoes_concurrent_clients(self):
        server = AsyncEcho(port=0)
        big = bytes(range(256)) * 1024   # 256 KiB: short writes and several reads
        messages = [b'hello', b'\x00\xff' * 3, big]
        with Aio.Entrypoint(server):
            port = server.props.port
            self.assertNotEqual(port, 0)
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(tcp_exchange, port, messages) for _ in range(4)]
                iterate_until(lambda: all(f.done() for f in futures))
                for future in futures:
                    self.assertEqual(future.result()[0], messages)
            iterate_until(lambda: server.get_n_connections() == 0)
            self.assertEqual(server.get_state(), Aio.ServiceState.RUNNING)

    def test_stream_read_bytes_echoes_concurrent_clients(self):
        server = AioReadEcho(port=0)
        big = bytes(range(256)) * 1024   # 256 KiB: several reads of at most 64 KiB
        messages = [b'hello', b'\x00\xff' * 3, big]
        with Aio.Entrypoint(server):
            port = server.props.port
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(tcp_exchange, port, messages) for _ in range(4)]
                iterate_until(lambda: all(f.done() for f in futures))
                for future in futures:
                    self.assertEqual(future.result()[0], messages)
            iterate_until(lambda: server.get_n_connections() == 0)
        self.assertEqual(Aio.STREAM_READ_MAX, 65536)

    def test_sync_handler_ends_the_client_when_it_returns(self):
        server = Greeter(port=0, refused=set())
        with Aio.Entrypoint(server):
            received, local = in_thread(tcp_read_all, server.props.port)
            self.assertEqual(received, b'hello %d\n' % local)

    def test_handler_failures_are_logged_with_the_peer_and_the_server_goes_on(self):
        greeter = Greeter(port=0, refused=set())
        echo = AsyncEcho(port=0)
        lines = []
        with Aio.Entrypoint(greeter, echo):
            with captured_stderr(lines):
                # A synchronous handler raises for this client...
                with socket.create_connection(('127.0.0.1', greeter.props.port)) as sock:
                    refused_port = sock.getsockname()[1]
                    greeter.refused.add(refused_port)
                    sock.settimeout(aiotest.TIMEOUT)
                    self.assertEqual(in_thread(sock.recv, 100), b'')
                # ...an asynchronous one fails with done.fail...
                received, failed_port = in_thread(tcp_read_all, echo.props.port, b'fail now')
                self.assertEqual(received, b'')
                Aio.log_flush()
            log = messages_of(lines)
            self.assertIn("Server 'Greeter': client 127.0.0.1:%d failed: "
                          "ValueError: refusing port %d" % (refused_port, refused_port), log)
            self.assertIn("Server 'AsyncEcho': client 127.0.0.1:%d failed: "
                          "RuntimeError: asked to fail" % failed_port, log)
            # ...and both servers go on.
            received, local = in_thread(tcp_read_all, greeter.props.port)
            self.assertEqual(received, b'hello %d\n' % local)
            self.assertEqual(in_thread(tcp_exchange, echo.props.port, [b'still here'])[0],
                             [b'still here'])
            for server in (greeter, echo):
                self.assertEqual(server.get_state(), Aio.ServiceState.RUNNING)

    def test_stop_cancels_a_waiting_handler(self):
        server = AsyncEcho(port=0, drain_timeout=0.0)
        with socket.socket() as sock:
            with Aio.Entrypoint(server):
                sock.connect(('127.0.0.1', server.props.port))
                iterate_until(lambda: server.get_n_connections() == 1)
            # The handler was cancelled and the connection closed.
            self.assertEqual(server.get_n_connections(), 0)
            sock.settimeout(aiotest.TIMEOUT)
            self.assertEqual(sock.recv(10), b'')


class ProtocolPath(unittest.TestCase):

    def setUp(self):
        RecordingEcho.instances.clear()

    def test_python_protocol_echoes(self):
        class Server(Aio.TcpServer):
            protocol_type = RecordingEcho

        server = Server(port=0)
        with Aio.Entrypoint(server):
            replies, _ = in_thread(tcp_exchange, server.props.port, [b'ping', b'\x00pong'])
            self.assertEqual(replies, [b'ping', b'\x00pong'])
            iterate_until(lambda: RecordingEcho.instances
                          and RecordingEcho.instances[0].events[-1:] == ['lost'])
        protocol, = RecordingEcho.instances
        self.assertEqual(protocol.events, ['made', 'data', 'eof', 'lost'])
        self.assertEqual(protocol.received, b'ping\x00pong')
        self.assertIsNone(protocol.error)

    def test_many_clients_get_their_own_protocol(self):
        server = Aio.TcpServer(port=0, protocol_type=RecordingEcho)
        with Aio.Entrypoint(server):
            with concurrent.futures.ThreadPoolExecutor(5) as pool:
                futures = [pool.submit(tcp_exchange, server.props.port, [b'n%d' % i])
                           for i in range(5)]
                iterate_until(lambda: all(f.done() for f in futures))
            self.assertEqual(sorted(f.result()[0][0] for f in futures),
                             [b'n%d' % i for i in range(5)])
            iterate_until(lambda: len(RecordingEcho.instances) == 5 and all(
                p.events[-1:] == ['lost'] for p in RecordingEcho.instances))

    def test_plain_methods_need_not_all_be_written(self):
        class Upper(Aio.StreamProtocol):
            def data_received(self, data):
                if data == b'raise':
                    raise ValueError('no')
                # The transport is kept for the protocol even without
                # a connection_made of its own.
                self._aio_transport.write(data.upper())

        server = Aio.TcpServer(port=0, protocol_type=Upper)
        lines = []
        with Aio.Entrypoint(server):
            replies, _ = in_thread(tcp_exchange, server.props.port, [b'abc'])
            self.assertEqual(replies, [b'ABC'])
            with captured_stderr(lines):
                received, local = in_thread(tcp_read_all, server.props.port, b'raise')
                Aio.log_flush()
        self.assertIn(received, (b'', b'<reset>'))
        self.assertIn('Protocol Upper of 127.0.0.1:%d: data_received() raised ValueError: no'
                      % local, messages_of(lines))
        # The C invokers reach the plain methods; those not written keep
        # the C defaults (no recursion through the hooks).
        protocol = Upper()
        with self.assertRaises(ValueError):
            protocol.data_received(b'raise')
        self.assertFalse(protocol.eof_received())
        protocol.connection_lost(GLib.Error.new_literal(IO_ERROR, 'gone', 0))

    def test_protocol_type_is_checked(self):
        with self.assertRaises(TypeError):
            Aio.TcpServer(port=0, protocol_type=int)

    def test_an_exception_aborts_the_connection_and_is_logged(self):
        server = Aio.TcpServer(port=0, protocol_type=RecordingEcho)
        lines = []
        with Aio.Entrypoint(server):
            with captured_stderr(lines):
                received, local = in_thread(tcp_read_all, server.props.port, b'raise it')
                iterate_until(lambda: RecordingEcho.instances[0].events[-1:] == ['lost'])
                Aio.log_flush()
            self.assertIn(received, (b'', b'<reset>'))
            self.assertIn('Protocol RecordingEcho of 127.0.0.1:%d: data_received() raised '
                          "KeyError: 'bad request'; aborting the connection" % local,
                          messages_of(lines))
            # The server goes on.
            replies, _ = in_thread(tcp_exchange, server.props.port, [b'ok'])
            self.assertEqual(replies, [b'ok'])


class Udp(unittest.TestCase):

    def test_udp_echo_and_a_failing_handler(self):
        server = UdpEcho(port=0)
        lines = []
        with Aio.Entrypoint(server):
            port = server.props.port
            self.assertNotEqual(port, 0)
            with captured_stderr(lines):
                replies = in_thread(udp_exchange, port, [b'one', b'raise', b'two \x00'])
                Aio.log_flush()
        self.assertEqual(replies, [b'echo:one', b'echo:two \x00'])
        self.assertIn("Server 'UdpEcho': handling a datagram from 127.0.0.1:",
                      messages_of(lines))
        self.assertIn('failed: ValueError: bad datagram', messages_of(lines))

    def test_send_to_checks_the_address(self):
        server = Aio.UdpServer(port=0)
        with self.assertRaises(ValueError):
            server.send_to(b'x', ('not an address', 1))
        with self.assertRaises(TypeError):
            server.send_to(b'x', 'localhost:1')


class Pinger(Aio.TcpClient):
    """Sends a line and keeps the reply (asynchronously)."""

    def handle_connection(self, connection, done):
        if self.message == b'raise':
            raise ValueError('nothing to say')
        connection.get_output_stream().write_bytes(GLib.Bytes.new(self.message), None)
        connection.get_input_stream().read_bytes_async(
            100, PRIORITY, done.cancellable,
            lambda source, result: done.call(lambda: self.got(source.read_bytes_finish(result))))

    def got(self, data):
        self.reply = data.get_data()


class Client(unittest.TestCase):

    def test_tcp_client_talks_to_the_python_server(self):
        server = AsyncEcho(port=0)
        with Aio.Entrypoint(server):
            client = Pinger(address='127.0.0.1', port=server.props.port, message=b'ping')
            result = Aio.run(aiotest.until(lambda: hasattr(client, 'reply')), client,
                             log_config=False)
            self.assertTrue(result)
            self.assertEqual(client.reply, b'ping')

    def test_robust_client_handler(self):
        class RobustPinger(Aio.RobustTcpClient):
            handle_connection = Pinger.handle_connection
            got = Pinger.got

        server = AsyncEcho(port=0)
        with Aio.Entrypoint(server):
            client = RobustPinger(address='127.0.0.1', port=server.props.port, message=b'hi')
            Aio.run(aiotest.until(lambda: hasattr(client, 'reply')), client, log_config=False)
            self.assertEqual(client.reply, b'hi')

    def test_a_failing_handler_fails_the_client(self):
        server = AsyncEcho(port=0)
        with Aio.Entrypoint(server):
            client = Pinger(address='127.0.0.1', port=server.props.port, message=b'raise')
            with self.assertRaises(GLib.Error) as raised:
                Aio.run(None, client, log_config=False)
        error = raised.exception
        self.assertTrue(error.matches(AIO_ERROR, Aio.Error.SERVICE_FAILED), error)
        self.assertIn('ValueError: nothing to say', error.message)
        self.assertIsInstance(error.__cause__, ValueError)


if __name__ == '__main__':
    aiotest.main()
