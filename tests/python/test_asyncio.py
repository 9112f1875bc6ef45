#!/usr/bin/python3
# test_asyncio.py: async def services and mains, run by asyncio on GLib's
# main context (PyGObject's gi.events, or python3-gbulb), next to GLib
# sources and the C services.
#
# SPDX-License-Identifier: MIT

import asyncio
import os
import signal
import threading
import unittest

import aiotest
from aiotest import Child, Ticker, Watchdog
from gi.repository import Aio, GLib, Gio

RUNNING = Aio.ServiceState.RUNNING
STOPPED = Aio.ServiceState.STOPPED
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'signal_child.py')


def entrypoint(*services, **kwargs):
    kwargs.setdefault('log_config', False)
    return Aio.Entrypoint(*services, **kwargs)


class InfinityService(Aio.Service):
    """aiomisc's tutorial, verbatim apart from the import."""

    async def start(self):
        # Service is ready
        self.start_event.set()

        while True:
            # do some staff
            await asyncio.sleep(1)


class Counting(Aio.Service):
    """Long-running; counts how often it is cancelled and whether the stop
    waited for the coroutine to end."""

    async def start(self):
        self.cancelled = 0
        self.ended = False
        self.set_ready()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            await asyncio.sleep(0.01)   # the stop waits for this, too
            raise
        finally:
            self.ended = True


class AsyncServices(unittest.TestCase):

    def test_starts_run_concurrently(self):
        began = []
        both = {}

        class Meeting(Aio.Service):
            async def start(self):
                event = both.setdefault('event', asyncio.Event())
                began.append(self.props.name)
                if len(began) == 2:
                    event.set()
                # Neither start completes before the other one began.
                await asyncio.wait_for(event.wait(), aiotest.TIMEOUT)

        a, b = Meeting(name='a'), Meeting(name='b')
        with entrypoint(a, b):
            self.assertEqual((a.get_state(), b.get_state()), (RUNNING, RUNNING))
        self.assertEqual(sorted(began), ['a', 'b'])

    def test_an_async_stop_is_awaited(self):
        log = []

        class Closing(Aio.Service):
            async def start(self):
                await asyncio.sleep(0)
                log.append('started')

            async def stop(self, exception=None):
                await asyncio.sleep(0.01)
                log.append(('stopped', exception))

        closing = Closing()
        with entrypoint(closing):
            self.assertEqual(log, ['started'])
        self.assertEqual(log, ['started', ('stopped', None)])
        self.assertEqual(closing.get_state(), STOPPED)

    def test_a_long_running_start_is_cancelled_exactly_once(self):
        counting = Counting()
        with entrypoint(counting):
            self.assertEqual(counting.get_state(), RUNNING)
            self.assertEqual(counting.cancelled, 0)
        self.assertEqual(counting.cancelled, 1)
        self.assertTrue(counting.ended)
        self.assertEqual(counting.get_state(), STOPPED)

    def test_tasks_left_behind_are_cancelled_when_the_entrypoint_stops(self):
        seen = []

        async def background():
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                seen.append('cancelled')
                raise

        class Spawner(Aio.Service):
            async def start(self):
                self.task = asyncio.get_running_loop().create_task(background())

        spawner = Spawner()
        with entrypoint(spawner):
            self.assertFalse(spawner.task.done())
        self.assertTrue(spawner.task.cancelled())
        self.assertEqual(seen, ['cancelled'])

    def test_the_tutorial_infinity_service(self):
        infinity = InfinityService()
        with entrypoint(infinity):
            self.assertEqual(infinity.get_state(), RUNNING)
        self.assertEqual(infinity.get_state(), STOPPED)

    def test_an_exception_in_an_async_start_names_the_service(self):
        class Broken(Aio.Service):
            async def start(self):
                await asyncio.sleep(0)
                raise ValueError('boom')

        healthy = Counting(name='healthy')
        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(Broken(name='broken'), healthy):
                self.fail('the entrypoint started')
        self.assertEqual(caught.exception.message,
                         "Service 'broken' failed to start: ValueError: boom")
        self.assertIsInstance(caught.exception.__cause__, ValueError)
        self.assertEqual(healthy.cancelled, 1)

    def test_a_long_running_start_that_raises_stops_the_program(self):
        class Crashing(Aio.Service):
            async def start(self):
                self.set_ready()
                await asyncio.sleep(0.01)
                raise ConnectionError('lost')

        with self.assertRaisesRegex(GLib.Error, "Service 'Crashing' failed: ConnectionError"):
            with entrypoint(Crashing()) as ep, Watchdog(ep):
                ep.run_forever()


class LifecycleRule(unittest.TestCase):
    """stop runs for every service whose start was invoked, unless that
    start failed with an error other than cancellation."""

    def check_sibling_failure(self, slow):
        class Failing(Aio.Service):
            async def start(self):
                await asyncio.sleep(0.01)
                raise ConnectionRefusedError('no database')

        with self.assertRaisesRegex(GLib.Error, 'no database') as caught:
            with entrypoint(slow, Failing()):
                self.fail('the entrypoint started')
        self.assertEqual(slow.log, ['start', ('stop', caught.exception.message)])
        self.assertEqual(slow.get_state(), STOPPED)

    def test_a_cancelled_async_start_is_stopped(self):
        class Slow(Aio.Service):
            log = []

            async def start(self):
                self.log.append('start')
                await asyncio.sleep(aiotest.TIMEOUT)

            async def stop(self, reason):
                self.log.append(('stop', reason.message))

        self.check_sibling_failure(Slow())

    def test_an_async_start_that_ignores_the_cancel_is_stopped(self):
        class Stubborn(Aio.Service):
            log = []

            async def start(self):
                self.log.append('start')
                try:
                    await asyncio.sleep(aiotest.TIMEOUT)
                except asyncio.CancelledError:
                    pass        # starts anyway

            def stop(self, reason):
                self.log.append(('stop', reason.message))

        self.check_sibling_failure(Stubborn())

    def test_a_cancelled_done_start_is_stopped(self):
        class Pending(Aio.Service):
            log = []

            def start(self, done):
                self.log.append('start')

            def stop(self, reason, done):
                self.log.append(('stop', reason.message))
                done()

        self.check_sibling_failure(Pending())

    def test_a_start_that_failed_is_not_stopped(self):
        class Broken(Aio.Service):
            stopped = False

            async def start(self):
                raise ValueError('broken')

            def stop(self, reason):
                self.stopped = True

        broken = Broken()
        with self.assertRaisesRegex(GLib.Error, 'broken'):
            with entrypoint(broken):
                pass
        self.assertFalse(broken.stopped)


class QuitDuringStart(unittest.TestCase):

    def test_quit_during_a_start_that_never_completes_cancels_it(self):
        class Hanging(Aio.Service):
            async def start(self):
                self.entrypoint.quit()
                await asyncio.Event().wait()

            def stop(self, reason):
                log.append(('stop', 'hanging'))

        for run in (lambda *services: entrypoint(*services).run(),
                    lambda *services: Aio.run(None, *services, log_config=False)):
            log = []
            with self.assertRaises(GLib.Error) as caught:
                run(aiotest.Recorder(name='ordinary', log=log), Hanging())
            self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                     Gio.IOErrorEnum.CANCELLED))
            self.assertEqual(sorted(entry[:2] for entry in log),
                             [('start', 'ordinary'), ('stop', 'hanging'), ('stop', 'ordinary')])


class AsyncMains(unittest.TestCase):

    def test_run_returns_the_value_of_an_async_main(self):
        async def main(entrypoint):
            await asyncio.sleep(0)
            return entrypoint.props.pool_size

        self.assertEqual(Aio.run(main, pool_size=3, log_config=False), 3)

    def test_run_takes_a_coroutine_as_aiomisc_does(self):
        async def sleep_and_exit():
            await asyncio.sleep(0.01)
            return 'exited'

        self.assertEqual(Aio.run(sleep_and_exit(), Counting(), log_config=False), 'exited')
        with entrypoint() as ep:
            self.assertEqual(ep.run_until_complete(sleep_and_exit()), 'exited')

    def test_an_async_main_raises_what_it_raised(self):
        async def main():
            await asyncio.sleep(0)
            raise KeyError('missing')

        with self.assertRaisesRegex(KeyError, 'missing'):
            Aio.run(main, log_config=False)

    def test_asyncio_and_glib_timers_interleave(self):
        ticker = Ticker(interval=2)
        seen = []

        async def main():
            loop = asyncio.get_running_loop()
            glib_fired = asyncio.Event()
            # A GLib timeout wakes a coroutine...
            GLib.timeout_add(1, lambda: glib_fired.set() or GLib.SOURCE_REMOVE)
            await asyncio.wait_for(glib_fired.wait(), aiotest.TIMEOUT)
            seen.append('glib woke asyncio')
            # ...and GLib timeouts (the C-driven ticker) run while asyncio sleeps.
            start = ticker.ticks
            while ticker.ticks < start + 3:
                await asyncio.sleep(0.001)
            seen.append('ticks went on')
            # asyncio timers and timeouts work.
            with self.assertRaises(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.sleep(aiotest.TIMEOUT), 0.01)
            later = loop.create_future()
            loop.call_later(0.001, later.set_result, 'call_later')
            seen.append(await later)

        Aio.run(main, ticker, log_config=False)
        self.assertEqual(seen, ['glib woke asyncio', 'ticks went on', 'call_later'])

    def test_open_connection_to_a_c_server_on_the_same_loop(self):
        class Upper(Aio.StreamProtocol):
            def connection_made(self, transport):
                self.transport = transport

            def data_received(self, data):
                self.transport.write(data.upper())

        server = Aio.TcpServer(address='127.0.0.1', port=0, protocol_type=Upper)

        async def main():
            reader, writer = await asyncio.open_connection('127.0.0.1', server.props.port)
            writer.write(b'hello\n')
            await writer.drain()
            line = await reader.readline()
            writer.close()
            return line

        self.assertEqual(Aio.run(main, server, log_config=False), b'HELLO\n')

    def test_a_quit_cancels_an_async_main(self):
        cancelled = []

        async def main(entrypoint):
            GLib.idle_add(lambda: entrypoint.quit() and False)
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(True)
                raise

        with self.assertRaises(GLib.Error) as caught:
            Aio.run(main, log_config=False)
        self.assertTrue(caught.exception.matches(Gio.io_error_quark(),
                                                 Gio.IOErrorEnum.CANCELLED))
        self.assertEqual(cancelled, [True])


class AsyncEverywhere(unittest.TestCase):
    """The other functions the library calls may be async def too."""

    def test_async_handle_client(self):
        class Echo(Aio.TcpServer):
            async def handle_client(self, stream):
                reader, writer = stream.get_input_stream(), stream.get_output_stream()
                data = await Aio.threaded(reader.read_bytes)(64, None)
                await Aio.threaded(writer.write_bytes)(data, None)

        echo = Echo(address='127.0.0.1', port=0)

        async def main():
            reader, writer = await asyncio.open_connection('127.0.0.1', echo.props.port)
            writer.write(b'ping')
            await writer.drain()
            data = await reader.read(4)
            writer.close()
            return data

        self.assertEqual(Aio.run(main, echo, log_config=False), b'ping')

    def test_async_periodic_callback_and_context_wait(self):
        class Counter(Aio.PeriodicService):
            interval = 0.001
            count = 0

            async def callback(self):
                await asyncio.sleep(0)
                self.count += 1
                if self.count == 3:
                    self.context['counted'] = self.count

        counter = Counter()

        async def main(entrypoint):
            return await entrypoint.context.wait('counted')

        self.assertEqual(Aio.run(main, counter, log_config=False), 3)

    def test_async_operation_under_timeout(self):
        async def slow():
            await asyncio.sleep(aiotest.TIMEOUT)

        async def fast(x):
            await asyncio.sleep(0)
            return x * 2

        def main(entrypoint, done):
            def second(error):
                seen.append(error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT))
                Aio.timeout(aiotest.TIMEOUT, fast, 21, callback=done)
            Aio.timeout(0.01, slow, errback=second)

        seen = []
        self.assertEqual(Aio.run(main, log_config=False), 42)
        self.assertEqual(seen, [True])


class Threaded(unittest.TestCase):

    def test_threaded_is_awaitable_and_runs_on_a_worker(self):
        @Aio.threaded
        def blocking(a, b=0):
            return (a + b, threading.current_thread() is threading.main_thread())

        async def main():
            return await blocking(1, b=2)

        self.assertEqual(Aio.run(main, log_config=False), (3, False))

    def test_threaded_raises_into_the_coroutine(self):
        @Aio.threaded
        def failing():
            raise OSError('disk')

        async def main():
            with self.assertRaisesRegex(OSError, 'disk'):
                await failing()
            return 'ok'

        self.assertEqual(Aio.run(main, log_config=False), 'ok')

    def test_threaded_callback_form(self):
        @Aio.threaded
        def square(x):
            return x * x

        def main(entrypoint, done):
            square(7, callback=done)

        self.assertEqual(Aio.run(main, log_config=False), 49)


class Interrupts(unittest.TestCase):
    """Ctrl-C (SIGINT) to a child whose start never completes."""

    def interrupt(self, mode):
        child = Child(CHILD, mode)
        self.addCleanup(child.kill)
        child.read_until('READY')
        child.proc.send_signal(signal.SIGINT)
        status, lines = child.finish()
        self.assertEqual(status, 0, lines)
        self.assertIn('start interrupted', lines)
        # The lifecycle rule: the stop of a cancelled start runs too.
        self.assertIn('stopped hanging', lines)
        self.assertEqual(lines[-2:], ['python-sigint-ok', 'END'])
        return lines

    def test_sigint_during_an_async_start_in_with(self):
        lines = self.interrupt('async-start')
        self.assertIn('start cancelled', lines)
        self.assertIn('stopped ordinary', lines)

    def test_sigint_during_a_sync_start_in_with(self):
        lines = self.interrupt('done-start')
        self.assertIn('stopped ordinary', lines)

    def test_sigint_during_an_async_start_in_run(self):
        lines = self.interrupt('async-start-run')
        self.assertIn('start cancelled', lines)


if __name__ == '__main__':
    aiotest.main()
