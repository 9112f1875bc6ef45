#!/usr/bin/python3
# test_context.py: Aio.Context from Python, between services
#
# SPDX-License-Identifier: MIT

import unittest

import aiotest
from aiotest import iterate_until, IO_ERROR
from gi.repository import Aio, Gio


class Mapping(unittest.TestCase):

    def test_set_get_contains(self):
        context = Aio.Context()
        value = {'a': [1, 2]}
        context['number'] = 42
        context['text'] = 'hello'
        context['object'] = value
        self.assertEqual(context['number'], 42)
        self.assertEqual(context['text'], 'hello')
        self.assertIs(context['object'], value)
        self.assertIn('text', context)
        self.assertNotIn('missing', context)
        self.assertEqual(context.get('missing', 'default'), 'default')
        with self.assertRaises(KeyError):
            context['missing']

    def test_values_glib_has_no_type_for(self):
        context = Aio.Context()
        context['none'] = None
        context['big'] = 2 ** 40
        self.assertEqual(tuple(context.lookup('none')), (True, None))
        self.assertIn('none', context)
        self.assertEqual(context['big'], 2 ** 40)

    def test_lookup_of_a_missing_key(self):
        context = Aio.Context()
        self.assertEqual(tuple(context.lookup('missing')), (False, None))
        context.set('k', 1)
        self.assertEqual(tuple(context.lookup('k')), (True, 1))

    def test_wait_calls_back_once_set(self):
        context = Aio.Context()
        got = []
        context.wait('key', got.append)
        self.assertEqual(got, [])
        context['key'] = 'value'
        iterate_until(lambda: got)
        self.assertEqual(got, ['value'])
        # Already set: at once (from the main loop).
        context.wait('key', lambda value, extra: got.append((value, extra)), 'extra')
        iterate_until(lambda: len(got) == 2)
        self.assertEqual(got[1], ('value', 'extra'))

    def test_a_cancelled_wait_reports_to_on_error(self):
        context = Aio.Context()
        cancellable = Gio.Cancellable()
        errors = []
        context.wait('never', lambda value: self.fail('called back'),
                     cancellable=cancellable, on_error=errors.append)
        cancellable.cancel()
        iterate_until(lambda: errors)
        self.assertTrue(errors[0].matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))

    def test_get_async_and_get_finish(self):
        context = Aio.Context()
        context['k'] = 7
        got = []
        context.get_async('k', None, lambda c, result, *data: got.append(c.get_finish(result)))
        iterate_until(lambda: got)
        self.assertEqual(got, [7])


class BetweenServices(unittest.TestCase):

    def test_a_service_waits_for_a_value_another_one_sets(self):
        class Consumer(Aio.Service):
            def start(self, done):
                self.context.wait('connection', self.got, done)

            def got(self, connection, done):
                self.connection = connection
                done()

        class Producer(Aio.Service):
            def start(self):
                self.connection = object()
                self.context['connection'] = self.connection

        consumer, producer = Consumer(), Producer()
        # The consumer starts first and waits; the producer sets the value.
        with Aio.Entrypoint(consumer, producer, log_config=False) as ep:
            self.assertIs(consumer.connection, producer.connection)
            self.assertIs(ep.context['connection'], producer.connection)
            self.assertIs(consumer.context, ep.context)

    def test_each_entrypoint_has_its_own_context(self):
        seen = []

        class Peek(Aio.Service):
            def start(self):
                seen.append(self.context.get('key'))
                self.context['key'] = 'set'

        for _ in range(2):
            with Aio.Entrypoint(Peek(), log_config=False):
                pass
        self.assertEqual(seen, [None, None])

    def test_context_outside_an_entrypoint_is_an_error(self):
        class Lonely(Aio.Service):
            pass

        with self.assertRaisesRegex(RuntimeError, 'no entrypoint is running'):
            Lonely().context


if __name__ == '__main__':
    aiotest.main()
