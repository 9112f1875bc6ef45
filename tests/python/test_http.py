#!/usr/bin/python3
# test_http.py: Aio.HttpService from Python: handlers as plain functions,
# as bound methods and as a subclass's handle_request, on a real loopback
# socket (port 0)
#
# SPDX-License-Identifier: MIT

import concurrent.futures
import unittest
import urllib.error
import urllib.request

import aiotest
from aiotest import iterate_until
import gi
gi.require_version('Soup', '3.0')
from gi.repository import Aio, Soup  # noqa: E402


def in_thread(func, *args):
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(func, *args)
        iterate_until(future.done)
        return future.result()


def get(port, path, data=None):
    url = 'http://127.0.0.1:%d%s' % (port, path)
    try:
        with urllib.request.urlopen(url, data=data, timeout=aiotest.TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def hello(service, msg, path, query):
    name = (query or {}).get('name', 'world')
    msg.set_status(200, None)
    msg.set_response('text/plain', Soup.MemoryUse.COPY, ('hello %s' % name).encode())


class Counter:
    def __init__(self):
        self.count = 0

    def handle(self, service, msg, path, query):
        self.count += 1
        body = msg.get_request_body().flatten().get_data()
        msg.set_status(200, None)
        msg.set_response('text/plain', Soup.MemoryUse.COPY, b'%d:%s' % (self.count, body))


class Fallback(Aio.HttpService):
    def do_handle_request(self, msg, path, query):
        msg.set_status(418, None)
        msg.set_response('text/plain', Soup.MemoryUse.COPY, path.encode())


class Handlers(unittest.TestCase):

    def test_function_and_method(self):
        service = Aio.HttpService(port=0)
        counter = Counter()
        service.add_handler('/hello', hello)
        service.add_handler('/count', counter.handle)
        with Aio.Entrypoint(service):
            port = service.props.port
            self.assertNotEqual(port, 0)
            self.assertEqual(in_thread(get, port, '/hello'), (200, b'hello world'))
            self.assertEqual(in_thread(get, port, '/hello?name=aio'), (200, b'hello aio'))
            self.assertEqual(in_thread(get, port, '/count', b'x'), (200, b'1:x'))
            self.assertEqual(in_thread(get, port, '/count', b'y'), (200, b'2:y'))
            self.assertEqual(in_thread(get, port, '/missing')[0], 404)
        self.assertEqual(service.get_state(), Aio.ServiceState.STOPPED)

    def test_subclass_handle_request(self):
        service = Fallback(port=0)
        service.add_handler('/hello', hello)
        with Aio.Entrypoint(service):
            port = service.props.port
            self.assertEqual(in_thread(get, port, '/hello'), (200, b'hello world'))
            self.assertEqual(in_thread(get, port, '/other/path'), (418, b'/other/path'))

    def test_properties(self):
        service = Aio.HttpService(port=0, drain_timeout=1.5, header_timeout=2,
                                  idle_timeout=3, max_body_size=100)
        self.assertEqual(service.props.drain_timeout, 1.5)
        self.assertEqual(service.props.max_body_size, 100)
        self.assertIsInstance(service.get_soup_server(), Soup.Server)


if __name__ == '__main__':
    aiotest.main()
