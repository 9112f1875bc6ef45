#!/usr/bin/python3
# test_resilience.py: Aio.timeout, retry, Backoff, CircuitBreaker, select, Aggregator
#
# SPDX-License-Identifier: MIT

import threading
import unittest

import aiotest
from aiotest import advance, captured_stderr, drain, iterate_until, IO_ERROR
from gi.repository import Aio, GLib, GObject, Gio

SECOND = 1000000


class Outcome:
    """A callback/errback pair that records what it got."""

    def __init__(self):
        self.values = []
        self.errors = []

    def callback(self, value):
        self.values.append(value)

    def errback(self, error):
        self.errors.append(error)

    @property
    def kw(self):
        return {'callback': self.callback, 'errback': self.errback}

    def wait(self):
        iterate_until(lambda: self.values or self.errors)
        drain()
        self.outcome = (self.values + self.errors)
        return self.outcome


class Hanging:
    """An async operation that completes only when told; records the
    cancellation of its cancellable."""

    def __init__(self):
        self.dones = []
        self.cancelled = []

    def __call__(self, done):
        self.dones.append(done)
        attempt = len(self.dones)
        # (The attempts of a backoff may share one cancellable.)
        GObject.Object.connect(done.cancellable, 'cancelled',
                               lambda c: self.cancelled.append(attempt))


class TimeoutTest(unittest.TestCase):

    def test_value_before_the_limit(self):
        out = Outcome()
        value = {'any': ['python', 'object'], 'big': 2 ** 70}
        Aio.timeout(5.0, lambda done: GLib.idle_add(done, value), **out.kw)
        self.assertEqual(out.wait(), [value])
        self.assertIs(out.values[0], value)

    def test_synchronous_function_and_arguments(self):
        out = Outcome()
        Aio.timeout(1.0, pow, 2, 10, **out.kw)
        self.assertEqual(out.wait(), [1024])

    def test_expiry_cancels_the_operation(self):
        clock = Aio.ManualClock.new(0)
        op = Hanging()
        out = Outcome()
        Aio.timeout(2.0, op, clock=clock, **out.kw)
        self.assertEqual(len(op.dones), 1)
        advance(clock, 1.9)
        self.assertEqual((op.cancelled, out.values, out.errors), ([], [], []))
        advance(clock, 0.1)
        [error] = out.wait()
        self.assertIsInstance(error, GLib.Error)
        self.assertTrue(error.matches(IO_ERROR, Gio.IOErrorEnum.TIMED_OUT), error.message)
        self.assertEqual(op.cancelled, [1])
        self.assertTrue(op.dones[0].called)
        op.dones[0]('too late')          # ignored
        drain()
        self.assertEqual(out.values, [])

    def test_exception_comes_back_as_itself(self):
        out = Outcome()
        exc = KeyError('missing')

        def failing(done):
            GLib.idle_add(done.fail, exc)

        Aio.timeout(5.0, failing, **out.kw)
        self.assertEqual(out.wait(), [exc])
        self.assertIs(out.errors[0], exc)

    def test_caller_cancellation_and_done_callback(self):
        cancellable = Gio.Cancellable()
        op = Hanging()
        out = Outcome()
        Aio.timeout(60.0, op, cancellable=cancellable, **out.kw)
        cancellable.cancel()
        [error] = out.wait()
        self.assertTrue(error.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(op.cancelled, [1])

        def main(entrypoint, done):
            Aio.timeout(5.0, lambda d: GLib.idle_add(d, 'through done'), callback=done)

        self.assertEqual(Aio.run(main, log_config=False), 'through done')

    def test_without_errback_a_failure_is_logged_but_not_a_cancellation(self):
        cancellable = Gio.Cancellable()
        lines = []
        with captured_stderr(lines):
            Aio.timeout(60.0, Hanging(), cancellable=cancellable)
            cancellable.cancel()
            Aio.timeout(0.0, Hanging())
            drain()
            Aio.log_flush()
        failures = [line for line in lines if 'timeout(' in line]
        self.assertEqual(len(failures), 1, lines)
        self.assertIn('failed: Operation timed out', failures[0])


class RetryTest(unittest.TestCase):

    def flaky(self, failures, exc_type=ConnectionError):
        calls = []

        def func(*args):
            calls.append(args)
            if len(calls) <= failures:
                raise exc_type('failure %d' % len(calls))
            return ('ok', len(calls))

        return func, calls

    def test_succeeds_after_failures(self):
        func, calls = self.flaky(3)
        out = Outcome()
        Aio.retry(func, 'arg', max_tries=5, pause=0.001, **out.kw)
        self.assertEqual(out.wait(), [('ok', 4)])
        self.assertEqual(calls, [('arg',)] * 4)

    def test_respects_max_tries_and_reports_the_last_exception(self):
        func, calls = self.flaky(100)
        out = Outcome()
        Aio.retry(func, max_tries=3, pause=0, **out.kw)
        [error] = out.wait()
        self.assertEqual(len(calls), 3)
        self.assertIsInstance(error, ConnectionError)
        self.assertEqual(str(error), 'failure 3')

    def test_async_operation(self):
        attempts = []

        def op(done):
            attempts.append(done)
            if len(attempts) < 2:
                GLib.idle_add(done.fail, TimeoutError('slow'))
            else:
                GLib.idle_add(done, len(attempts))

        out = Outcome()
        Aio.retry(op, max_tries=2, pause=0, **out.kw)
        self.assertEqual(out.wait(), [2])

    def test_exceptions_and_giveup(self):
        func, calls = self.flaky(100, ValueError)
        out = Outcome()
        Aio.retry(func, max_tries=5, pause=0, exceptions=(ConnectionError,), **out.kw)
        [error] = out.wait()
        self.assertIsInstance(error, ValueError)
        self.assertEqual(len(calls), 1)

        func, calls = self.flaky(100)
        seen = []
        out = Outcome()
        Aio.retry(func, max_tries=5, pause=0,
                  giveup=lambda exc: seen.append(exc) or len(seen) == 2, **out.kw)
        [error] = out.wait()
        self.assertEqual(len(calls), 2)
        self.assertEqual([str(e) for e in seen], ['failure 1', 'failure 2'])
        self.assertIs(error, seen[-1])

    def test_failure_without_errback_is_logged(self):
        func, calls = self.flaky(100)
        lines = []
        with captured_stderr(lines):
            Aio.retry(func, max_tries=2, pause=0)
            iterate_until(lambda: len(calls) == 2)
            drain()
        self.assertTrue(any('retry(' in line and 'ConnectionError: failure 2' in line
                            for line in lines), lines)


class BackoffTest(unittest.TestCase):

    def test_keywords(self):
        backoff = Aio.Backoff(attempt_timeout=1, deadline=5, pause=0.5, max_tries=4,
                              exponent=2.0, max_pause=2.0, jitter=True)
        self.assertEqual((backoff.props.attempt_timeout, backoff.props.deadline,
                          backoff.props.pause, backoff.props.max_tries,
                          backoff.props.exponent, backoff.props.max_pause, backoff.props.jitter),
                         (1.0, 5.0, 0.5, 4, 2.0, 2.0, True))
        backoff = Aio.Backoff()
        self.assertEqual((backoff.props.attempt_timeout, backoff.props.deadline,
                          backoff.props.max_tries), (0.0, 0.0, -1))
        with self.assertRaises(TypeError):
            Aio.Backoff(tries=3)
        with self.assertRaises(ValueError):
            Aio.Backoff(pause=float('nan'))

    def test_attempt_timeouts_are_retried_and_exceptions_filter(self):
        clock = Aio.ManualClock.new(0)
        backoff = Aio.Backoff(attempt_timeout=1.0, pause=0.5, clock=clock,
                              exceptions=(ConnectionError,))
        op = Hanging()
        out = Outcome()
        backoff.run(op, **out.kw)
        self.assertEqual(len(op.dones), 1)
        advance(clock, 1.0)               # the attempt times out: retried
        self.assertEqual(op.cancelled, [1])
        advance(clock, 0.5)
        self.assertEqual(len(op.dones), 2)
        op.dones[1].fail(ConnectionError('refused'))   # listed: retried
        drain()
        advance(clock, 0.5)
        self.assertEqual(len(op.dones), 3)
        op.dones[2].fail(ValueError('bad request'))    # not listed: given up
        [error] = out.wait()
        self.assertIsInstance(error, ValueError)
        self.assertEqual(len(op.dones), 3)

    def test_deadline_reports_the_last_real_error(self):
        clock = Aio.ManualClock.new(0)
        backoff = Aio.Backoff(deadline=5.0, pause=0.5, clock=clock)
        op = Hanging()
        out = Outcome()
        backoff.run(op, **out.kw)
        refused = ConnectionRefusedError('refused')
        op.dones[0].fail(refused)
        drain()
        advance(clock, 0.5)
        self.assertEqual(len(op.dones), 2)   # hangs until the deadline
        advance(clock, 4.0)
        self.assertEqual((out.values, out.errors, op.cancelled), ([], [], []))
        advance(clock, 0.5)
        self.assertEqual(out.wait(), [refused])
        self.assertIs(out.errors[0], refused)
        self.assertIn(2, op.cancelled)
        self.assertTrue(op.dones[1].called)

    def test_bad_properties_reach_the_errback(self):
        out = Outcome()
        Aio.Backoff(max_tries=0).run(lambda: 1, **out.kw)
        [error] = out.wait()
        self.assertTrue(error.matches(Gio.io_error_quark(),
                                      Gio.IOErrorEnum.INVALID_ARGUMENT), error.message)


class CircuitBreakerTest(unittest.TestCase):

    def setUp(self):
        self.clock = Aio.ManualClock.new(0)
        self.breaker = Aio.CircuitBreaker(0.5, 1.0, broken_time=2.0, recovery_time=2.0,
                                          passing_time=1.0, clock=self.clock)
        self.breaker.set_seed(1234)

    def fail_every_bucket(self, exc_type=ConnectionError):
        def down(n):
            raise exc_type('backend down #%d' % n)

        for n in range(10):
            if n:
                self.clock.advance(SECOND // 10)
            with self.assertRaises(exc_type):
                self.breaker.call(down, n)

    def test_value_and_exception_pass_through(self):
        self.assertEqual(self.breaker.call(lambda a, b=0: (a, b), 1, b=2), (1, 2))
        self.assertIsNone(self.breaker.call(lambda: None))
        obj = object()
        self.assertIs(self.breaker.call(lambda: obj), obj)
        with self.assertRaises(ZeroDivisionError):
            self.breaker.call(lambda: 1 / 0)

    def test_breaks_fails_fast_and_recovers(self):
        states = []
        self.breaker.connect('notify::state', lambda b, p: states.append(b.props.state))
        self.fail_every_bucket()
        calls = []
        with self.assertRaises(GLib.Error) as caught:
            self.breaker.call(calls.append, 1)
        self.assertTrue(caught.exception.matches(Aio.error_quark(),
                                                 Aio.Error.CIRCUIT_BROKEN))
        self.assertIn('backend down #9', caught.exception.message)
        self.assertEqual(calls, [])      # failed fast
        self.assertEqual(self.breaker.props.state, Aio.CircuitBreakerState.BROKEN)
        self.clock.advance(2 * SECOND)   # broken-time passed: recovering
        let_through = 0
        for _ in range(20):              # recovery-time: more and more pass
            self.clock.advance(SECOND // 10)
            for _ in range(10):
                try:
                    self.breaker.call(lambda: None)
                    let_through += 1
                except GLib.Error as error:
                    self.assertTrue(error.matches(Aio.error_quark(),
                                                  Aio.Error.CIRCUIT_BROKEN))
        self.assertGreater(let_through, 0)
        self.assertLess(let_through, 200)
        self.clock.advance(SECOND // 10)
        self.assertEqual(self.breaker.call(lambda: 'back'), 'back')
        self.assertEqual(self.breaker.props.state, Aio.CircuitBreakerState.PASSING)
        self.assertEqual(states, [Aio.CircuitBreakerState.BROKEN,
                                  Aio.CircuitBreakerState.RECOVERING,
                                  Aio.CircuitBreakerState.PASSING])

    def test_only_listed_exceptions_count(self):
        self.breaker = Aio.CircuitBreaker(0.5, 1.0, broken_time=2.0, clock=self.clock,
                                          exceptions=[ConnectionError])
        self.fail_every_bucket(KeyError)
        self.assertEqual(self.breaker.call(lambda: 'still passing'), 'still passing')
        self.clock.advance(SECOND)
        self.fail_every_bucket(ConnectionError)
        with self.assertRaises(GLib.Error):
            self.breaker.call(lambda: 'refused')

    def test_calls_from_threads(self):
        results = []

        def worker(n):
            results.append(self.breaker.call(lambda: n * n))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(results), [n * n for n in range(8)])

    def test_keywords(self):
        with self.assertRaises(TypeError):
            Aio.CircuitBreaker(0.5, 1.0, ratio=2)
        self.assertEqual(Aio.CircuitBreaker.new(0.5, 1.0).call(str.upper, 'made in C'),
                         'MADE IN C')
        breaker = Aio.CircuitBreaker(error_ratio=0.2, response_time=3)
        self.assertEqual((breaker.props.error_ratio, breaker.props.response_time), (0.2, 3.0))


class SelectTest(unittest.TestCase):

    def test_first_wins_and_losers_are_cancelled(self):
        slow = Hanging()
        out = Outcome()
        Aio.select(slow, lambda done: GLib.idle_add(done, ['won']), slow, **out.kw)
        self.assertEqual(out.wait(), [(1, ['won'])])
        self.assertEqual(sorted(slow.cancelled), [1, 2])
        self.assertTrue(all(done.called for done in slow.dones))

    def test_a_failure_can_win(self):
        slow = Hanging()
        out = Outcome()
        exc = OSError('first to fail')

        def failing():
            raise exc

        Aio.select(slow, failing, **out.kw)
        self.assertEqual(out.wait(), [exc])
        self.assertEqual(slow.cancelled, [1])

    def test_losers_left_running(self):
        slow = Hanging()
        out = Outcome()
        Aio.select(slow, lambda: 'sync', cancel=False, **out.kw)
        self.assertEqual(out.wait(), [(1, 'sync')])
        self.assertEqual(slow.cancelled, [])
        slow.dones[0]('later')
        drain()
        self.assertEqual(out.values, [(1, 'sync')])
        with self.assertRaises(TypeError):
            Aio.select()


class AggregatorTest(unittest.TestCase):

    def setUp(self):
        self.clock = Aio.ManualClock.new(0)
        self.batches = []

    def double(self, items):
        self.batches.append(items)
        return [item * 2 for item in items]

    def test_batches_by_leeway(self):
        aggregator = Aio.Aggregator(self.double, leeway=0.5, clock=self.clock)
        out = Outcome()
        for item in (1, 2, 3):
            aggregator.call(item, **out.kw)
        advance(self.clock, 0.4)
        self.assertEqual(self.batches, [])
        advance(self.clock, 0.1)
        iterate_until(lambda: len(out.values) == 3)
        self.assertEqual(out.values, [2, 4, 6])
        self.assertEqual(self.batches, [[1, 2, 3]])

    def test_batches_by_max_count_with_python_objects(self):
        aggregator = Aio.Aggregator(lambda items: [(item, len(items)) for item in items],
                                    leeway=60, max_count=2, clock=self.clock)
        out = Outcome()
        first, second = object(), {'key': 'value'}
        aggregator.call(first, **out.kw)
        aggregator.call(second, **out.kw)
        iterate_until(lambda: len(out.values) == 2)
        self.assertIs(out.values[0][0], first)
        self.assertIs(out.values[1][0], second)
        self.assertEqual([n for _, n in out.values], [2, 2])

    def test_batch_error_reaches_every_caller_and_async_batch(self):
        exc = LookupError('backend')

        def failing(items, done):
            GLib.idle_add(done.fail, exc)

        aggregator = Aio.Aggregator(failing, leeway=0.1, clock=self.clock)
        out = Outcome()
        aggregator.call('a', **out.kw)
        aggregator.call('b', **out.kw)
        advance(self.clock, 0.1)
        iterate_until(lambda: len(out.errors) == 2)
        self.assertIs(out.errors[0], exc)
        self.assertIs(out.errors[1], exc)

        aggregator = Aio.Aggregator(lambda items: [1], max_count=2)
        out = Outcome()
        aggregator.call('a', **out.kw)
        aggregator.call('b', **out.kw)
        iterate_until(lambda: len(out.errors) == 2)
        self.assertIsInstance(out.errors[0], ValueError)   # one result for two items

    def test_a_cancelled_caller_does_not_break_the_batch(self):
        aggregator = Aio.Aggregator(self.double, leeway=0.5, clock=self.clock)
        out = Outcome()
        cancellable = Gio.Cancellable()
        aggregator.call(1, **out.kw)
        aggregator.call(2, cancellable=cancellable, **out.kw)
        aggregator.call(3, **out.kw)
        cancellable.cancel()
        iterate_until(lambda: out.errors)
        self.assertTrue(out.errors[0].matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        advance(self.clock, 0.5)
        iterate_until(lambda: len(out.values) == 2)
        self.assertEqual(out.values, [2, 6])
        self.assertEqual(self.batches, [[1, 3]])


if __name__ == '__main__':
    aiotest.main()
