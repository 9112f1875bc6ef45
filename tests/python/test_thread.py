#!/usr/bin/python3
# test_thread.py: Aio.run_in_thread, aiomisc's @threaded
#
# SPDX-License-Identifier: MIT

import threading
import unittest

import aiotest
from aiotest import iterate_until, IO_ERROR
from gi.repository import Aio, Gio


def blocking(value):
    return threading.get_ident(), value


class RunInThread(unittest.TestCase):

    def test_value_comes_back_on_the_main_loop(self):
        got = []
        value = ('any', {'object': 2 ** 70})
        Aio.run_in_thread(blocking, value,
                          callback=lambda result: got.append((result, threading.get_ident())))
        iterate_until(lambda: got)
        (worker, returned), loop_thread = got[0]
        self.assertEqual(returned, value)
        self.assertNotEqual(worker, loop_thread)
        self.assertEqual(loop_thread, threading.get_ident())

    def test_exception_goes_to_errback(self):
        errors = []

        def fails():
            raise ConnectionResetError('peer gone')

        Aio.run_in_thread(fails, callback=lambda value: self.fail('called back'),
                          errback=errors.append)
        iterate_until(lambda: errors)
        self.assertIsInstance(errors[0], ConnectionResetError)

    def test_cancelled_before_it_runs(self):
        errors = []
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        Aio.run_in_thread(blocking, 1, callback=lambda value: self.fail('called back'),
                          errback=errors.append, cancellable=cancellable)
        iterate_until(lambda: errors)
        self.assertTrue(errors[0].matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))

    def test_done_is_a_callback(self):
        def main(entrypoint, done):
            Aio.run_in_thread(blocking, 'from a thread', callback=done)

        worker, value = Aio.run(main, log_config=False, pool_size=2)
        self.assertEqual(value, 'from a thread')
        self.assertNotEqual(worker, threading.get_ident())

        def failing_main(entrypoint, done):
            Aio.run_in_thread(int, 'x', callback=done)

        with self.assertRaises(ValueError):
            Aio.run(failing_main, log_config=False)

    def test_a_service_starts_with_blocking_work(self):
        class Connector(Aio.Service):
            def start(self, done):
                Aio.run_in_thread(blocking, 'connection',
                                  callback=lambda result: self.connected(result, done),
                                  errback=done.fail)

            def connected(self, result, done):
                self.connection = result[1]
                done()

        class Loader(Aio.Service):
            def start(self, done):
                Aio.run_in_thread(self.load, callback=done)

            def load(self):
                self.loaded_in = threading.get_ident()

        loader, connector = Loader(), Connector()
        with Aio.Entrypoint(connector, loader, log_config=False):
            self.assertNotEqual(loader.loaded_in, threading.get_ident())
            self.assertEqual(connector.connection, 'connection')


if __name__ == '__main__':
    aiotest.main()
