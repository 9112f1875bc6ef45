#!/usr/bin/python3
# test_timers.py: Aio.PeriodicCallback, RecurringCallback, PeriodicService, CronService
#
# SPDX-License-Identifier: MIT

import threading
import unittest

import aiotest
from aiotest import advance, captured_stderr, drain, iterate_until, until
from gi.repository import Aio, GLib, Gio

SECOND = 1000000
JAN_1_2024 = 1704067200 * SECOND   # a Monday, 00:00:00 UTC


def stopped(stoppable):
    """Stops a periodic callback and waits until it has stopped."""
    result = []
    stoppable.stop(callback=result.append, errback=result.append)
    iterate_until(lambda: result)
    return result[0]


class PeriodicCallbackTest(unittest.TestCase):

    def setUp(self):
        self.clock = Aio.ManualClock.new(JAN_1_2024)

    def test_fires_repeatedly_with_its_arguments(self):
        calls = []
        periodic = Aio.PeriodicCallback(lambda *args: calls.append(args), 'a', 2,
                                        name='ticker')
        self.assertIsInstance(periodic, Aio.PeriodicCallback)
        self.assertEqual(periodic.props.name, 'ticker')
        periodic.start(0.005)
        self.assertTrue(periodic.is_running())
        iterate_until(lambda: len(calls) >= 3)
        self.assertIsNone(stopped(periodic))
        self.assertFalse(periodic.is_running())
        self.assertEqual(set(calls), {('a', 2)})

    def test_delay_then_interval(self):
        calls = []
        periodic = Aio.PeriodicCallback(lambda: calls.append(self.clock.get_monotonic_time()),
                                        clock=self.clock)
        periodic.start(1.0, delay=5.0)
        advance(self.clock, 4.9)
        self.assertEqual(calls, [])
        advance(self.clock, 0.1)
        self.assertEqual(len(calls), 1)
        advance(self.clock, 0.9)
        self.assertEqual(len(calls), 1)
        advance(self.clock, 0.1)
        self.assertEqual(len(calls), 2)
        self.assertEqual(calls[1] - calls[0], SECOND)
        stopped(periodic)

    def test_slow_async_callback_never_overlaps(self):
        # interval 0.1 s, each call takes 0.5 s (on the manual clock): the
        # next call comes 0.1 s after the previous one completed.
        events = []
        pending = []

        def work(done):
            events.append('start')
            pending.append(done)

        periodic = Aio.PeriodicCallback(work, clock=self.clock)
        periodic.start(0.1)
        advance(self.clock, 0.1)
        self.assertEqual(events, ['start'])
        for _ in range(5):
            advance(self.clock, 0.1)   # the call is still running
        self.assertEqual(events, ['start'])
        events.append('end')
        pending.pop()()
        drain()
        advance(self.clock, 0.05)
        self.assertEqual(events, ['start', 'end'])
        advance(self.clock, 0.05)
        self.assertEqual(events, ['start', 'end', 'start'])
        events.append('end')
        pending.pop()()
        stopped(periodic)
        self.assertEqual(events, ['start', 'end'] * 2)

    def test_failures_are_logged_and_the_schedule_goes_on(self):
        calls = []

        def work(n):
            calls.append(n)
            if len(calls) % 2:
                raise ValueError('odd call %d' % len(calls))

        errors = Aio.statistics_get('periodic', 'errors')
        lines = []
        periodic = Aio.PeriodicCallback(work, 7, name='flaky', clock=self.clock)
        with captured_stderr(lines):
            periodic.start(1.0)
            for _ in range(4):
                advance(self.clock, 1.0)
        self.assertEqual(calls, [7] * 4)
        self.assertEqual(Aio.statistics_get('periodic', 'errors') - errors, 2)
        warnings = [line for line in lines if 'flaky' in line and 'ValueError: odd call' in line]
        self.assertEqual(len(warnings), 2, lines)
        stopped(periodic)

    def test_stop_cancels_the_running_call_unless_shielded(self):
        for shield in (False, True):
            with self.subTest(shield=shield):
                held = []
                periodic = Aio.PeriodicCallback(held.append, clock=self.clock)
                periodic.start(1.0, shield=shield)
                advance(self.clock, 1.0)
                done = held[0]
                result = []
                periodic.stop(callback=result.append)
                drain()
                self.assertEqual(done.cancellable.is_cancelled(), not shield)
                if shield:
                    self.assertEqual(result, [])   # waits for the call
                    done()
                iterate_until(lambda: result)
                self.assertTrue(done.called)
                self.assertFalse(periodic.is_running())

    def test_restart_after_stop_and_bad_interval(self):
        calls = []
        periodic = Aio.PeriodicCallback(lambda: calls.append(1), clock=self.clock)
        with self.assertRaises(GLib.Error) as caught:
            periodic.start(0)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.INVALID_ARGUMENT))
        periodic.start(1.0)
        advance(self.clock, 1.0)
        stopped(periodic)
        advance(self.clock, 5.0)
        self.assertEqual(len(calls), 1)
        periodic.start()   # keeps the interval
        advance(self.clock, 1.0)
        self.assertEqual(len(calls), 2)
        stopped(periodic)


class RecurringCallbackTest(unittest.TestCase):

    def test_strategy_decides_each_delay(self):
        clock = Aio.ManualClock.new(0)
        calls = []
        asked = []

        def strategy(recurring):
            asked.append(recurring.props.name)
            return {1: 1.0, 2: 2.0, 3: (1.0, Aio.RecurringAction.SKIP), 4: 0.5}.get(len(asked))

        recurring = Aio.RecurringCallback(lambda tag: calls.append((tag, clock.get_monotonic_time())),
                                          'tick', name='poller', clock=clock)
        self.assertTrue(recurring.start(strategy))
        for _ in range(10):
            advance(clock, 0.5)
        self.assertEqual(calls, [('tick', 1 * SECOND), ('tick', 3 * SECOND),
                                 ('tick', 4500000)])
        self.assertEqual(asked, ['poller'] * 5)
        self.assertFalse(recurring.is_running())   # None: stopped

    def test_a_raising_strategy_stops(self):
        recurring = Aio.RecurringCallback(lambda: None, name='broken')
        lines = []
        with captured_stderr(lines):
            recurring.start(lambda r: 1 / 0)
            iterate_until(lambda: not recurring.is_running())
        self.assertTrue(any("'broken'" in line and 'ZeroDivisionError' in line
                            for line in lines), lines)


class Counter(Aio.PeriodicService):
    interval = 0.005   # aiomisc style: a class attribute gives the default

    def callback(self):
        self.calls = getattr(self, 'calls', 0) + 1


class AsyncCounter(Aio.PeriodicService):
    """Completes each call from an idle, and checks none overlaps."""

    running = False
    calls = 0
    overlaps = 0

    def callback(self, done):
        if self.running:
            self.overlaps += 1
        self.running = True

        def finish():
            self.running = False
            self.calls += 1
            done()
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(2, finish)


class PeriodicServiceTest(unittest.TestCase):

    def test_runs_under_an_entrypoint(self):
        counter = Counter()
        self.assertEqual(counter.props.interval, 0.005)
        Aio.run(until(lambda: getattr(counter, 'calls', 0) >= 3), counter, log_config=False)
        self.assertGreaterEqual(counter.calls, 3)
        self.assertEqual(counter.get_state(), Aio.ServiceState.STOPPED)

    def test_keywords_and_async_callback(self):
        service = AsyncCounter(interval=0.001, delay=0.001, shield=True, name='async')
        self.assertEqual((service.props.interval, service.props.delay, service.props.shield,
                          service.props.name), (0.001, 0.001, True, 'async'))
        Aio.run(until(lambda: service.calls >= 3), service, log_config=False)
        self.assertEqual(service.overlaps, 0)
        self.assertFalse(service.running)   # shielded: the last call finished

    def test_blocking_work_in_the_thread_pool(self):
        class Poller(Aio.PeriodicService):
            results = []

            def callback(self, done):
                Aio.run_in_thread(threading.get_ident, callback=self.got(done))

            def got(self, done):
                def record(worker):
                    self.results.append(worker)
                    done()
                return record

        service = Poller(interval=0.001)
        Aio.run(until(lambda: len(service.results) >= 3), service, log_config=False,
                pool_size=2)
        self.assertNotIn(threading.get_ident(), service.results)

    def test_errors_do_not_stop_the_service(self):
        class Flaky(Aio.PeriodicService):
            calls = 0

            def callback(self):
                self.calls += 1
                if self.calls == 1:
                    raise RuntimeError('first call fails')

        service = Flaky(interval=0.001)
        lines = []
        with captured_stderr(lines):
            Aio.run(until(lambda: service.calls >= 3), service, log_config=False)
        self.assertTrue(any("'Flaky'" in line and 'RuntimeError: first call fails' in line
                            for line in lines), lines)

    def test_manual_clock_and_cancelled_call_on_stop(self):
        clock = Aio.ManualClock.new(JAN_1_2024)
        held = []

        class Holder(Aio.PeriodicService):
            def callback(self, done):
                held.append(done)

        def main(entrypoint):
            advance(clock, 10.0)
            self.assertEqual(len(held), 1)
            advance(clock, 10.0)       # still running: no second call
            self.assertEqual(len(held), 1)

        Aio.run(main, Holder(interval=1.0, clock=clock), log_config=False)
        self.assertTrue(held[0].cancellable.is_cancelled())
        self.assertTrue(held[0].called)

    def test_invalid_interval_fails_the_start(self):
        with self.assertRaises(GLib.Error) as caught:
            Aio.run(lambda: None, Counter(interval=0), log_config=False)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.INVALID_ARGUMENT))

    def test_missing_callback(self):
        class Empty(Aio.PeriodicService):
            pass

        service = Empty(interval=0.001)
        errors = Aio.statistics_get('periodic', 'errors')
        lines = []
        with captured_stderr(lines):
            Aio.run(until(lambda: Aio.statistics_get('periodic', 'errors') > errors),
                    service, log_config=False)
        self.assertTrue(any('NotImplementedError' in line for line in lines), lines)


class CronServiceTest(unittest.TestCase):

    def test_fires_on_schedule_with_a_manual_clock(self):
        clock = Aio.ManualClock.new(JAN_1_2024)
        service = Aio.CronService(clock=clock)
        seconds = []
        minutes = []
        service.register(lambda: seconds.append(clock.get_real_time()), '* * * * * */2')
        service.register('* * * * *', lambda tag: minutes.append((tag, clock.get_real_time())),
                         'minute')  # the C order is taken too
        self.assertEqual(len(service.callbacks), 2)

        def main(entrypoint):
            for _ in range(65):
                advance(clock, 1.0)

        Aio.run(main, service, log_config=False)
        self.assertEqual([(t - JAN_1_2024) // SECOND for t in seconds], list(range(2, 66, 2)))
        self.assertEqual(minutes, [('minute', JAN_1_2024 + 60 * SECOND)])

    def test_async_job_errors_and_names(self):
        clock = Aio.ManualClock.new(JAN_1_2024)
        service = Aio.CronService(clock=clock, name='jobs')
        runs = []

        def job(done):
            runs.append(clock.get_real_time())
            if len(runs) == 1:
                GLib.idle_add(done.fail, ConnectionError('backend down'))
            else:
                GLib.idle_add(done)

        callback = service.register(job, '* * * * * *', name='every-second', shield=True)
        self.assertEqual(callback.props.name, 'every-second')
        self.assertTrue(callback.props.shield)
        lines = []

        def main(entrypoint, done):
            def step():
                if len(runs) >= 3:
                    done()
                    return GLib.SOURCE_REMOVE
                clock.advance(SECOND)
                return GLib.SOURCE_CONTINUE
            GLib.timeout_add(1, step)

        with captured_stderr(lines):
            Aio.run(main, service, log_config=False)
        self.assertGreaterEqual(len(runs), 3)
        self.assertTrue(any('every-second' in line and 'ConnectionError: backend down' in line
                            for line in lines), lines)

    def test_invalid_expression(self):
        service = Aio.CronService()
        with self.assertRaises(GLib.Error) as caught:
            service.register(print, '* * 32 * *')
        self.assertTrue(caught.exception.matches(Aio.error_quark(), Aio.Error.CRON_PARSE))
        self.assertIn('32', caught.exception.message)
        with self.assertRaises(TypeError):
            service.register('not callable', '* * * * *')


if __name__ == '__main__':
    aiotest.main()
