#!/usr/bin/python3
# test_entrypoint.py: Aio.Entrypoint from Python: keywords, the context
# manager, run_forever, run_until_complete, Python logging
#
# SPDX-License-Identifier: MIT

import logging
import os
import signal
import unittest

import aiotest
from aiotest import Recorder, Ticker, Watchdog, IO_ERROR
from gi.repository import Aio, GLib, Gio

RUNNING = Aio.ServiceState.RUNNING
STOPPED = Aio.ServiceState.STOPPED


class Keywords(unittest.TestCase):

    def test_defaults(self):
        ep = Aio.Entrypoint()
        self.assertEqual(ep.props.shutdown_timeout, 60.0)
        self.assertEqual(ep.props.log_level, Aio.LogLevel.INFO)
        self.assertEqual(ep.services, [])

    def test_enum_nicks_names_and_values(self):
        ep = Aio.Entrypoint(log_level='debug', log_format='JSON')
        self.assertEqual(ep.props.log_level, Aio.LogLevel.DEBUG)
        self.assertEqual(ep.props.log_format, Aio.LogFormat.JSON)
        ep = Aio.Entrypoint(log_level=Aio.LogLevel.WARNING, log_format=int(Aio.LogFormat.PLAIN))
        self.assertEqual(ep.props.log_level, Aio.LogLevel.WARNING)
        self.assertEqual(ep.props.log_format, Aio.LogFormat.PLAIN)
        ep = Aio.Entrypoint(log_level='AIO_LOG_LEVEL_ERROR')
        self.assertEqual(ep.props.log_level, Aio.LogLevel.ERROR)

    def test_numbers_and_booleans(self):
        ep = Aio.Entrypoint(pool_size=2, shutdown_timeout=1, log_buffer_size=8,
                            log_flush_interval=0.5, log_buffering=False, debug=True,
                            log_config=False)
        self.assertEqual((ep.props.pool_size, ep.props.shutdown_timeout,
                          ep.props.log_buffer_size, ep.props.log_flush_interval),
                         (2, 1.0, 8, 0.5))
        self.assertEqual((ep.props.log_buffering, ep.props.debug, ep.props.log_config),
                         (False, True, False))

    def test_unknown_keyword_is_a_type_error_listing_the_valid_ones(self):
        with self.assertRaisesRegex(TypeError, r"unexpected keyword argument 'loop'.*log_level"):
            Aio.Entrypoint(loop=None)

    def test_bad_enum_value_is_a_value_error_listing_the_nicks(self):
        with self.assertRaises(ValueError) as caught:
            Aio.Entrypoint(log_level='loud')
        message = str(caught.exception)
        self.assertIn("log_level 'loud'", message)
        for nick in ('error', 'critical', 'warning', 'message', 'info', 'debug'):
            self.assertIn(repr(nick), message)
        with self.assertRaisesRegex(ValueError, 'log_format 42'):
            Aio.Entrypoint(log_format=42)

    def test_bad_types(self):
        with self.assertRaisesRegex(TypeError, "pool_size '4'"):
            Aio.Entrypoint(pool_size='4')
        with self.assertRaisesRegex(TypeError, 'debug'):
            Aio.Entrypoint(debug='yes')
        with self.assertRaisesRegex(TypeError, 'shutdown_timeout'):
            Aio.Entrypoint(shutdown_timeout='soon')
        with self.assertRaisesRegex(TypeError, 'Aio.Service instances'):
            Aio.Entrypoint('not a service')

    def test_out_of_range_values_are_value_errors(self):
        with self.assertRaisesRegex(ValueError, 'pool_size 0: out of range 1–1024'):
            Aio.Entrypoint(pool_size=0)
        with self.assertRaisesRegex(ValueError, 'pool_size -1'):
            Aio.Entrypoint(pool_size=-1)
        with self.assertRaisesRegex(ValueError, 'shutdown_timeout -1'):
            Aio.Entrypoint(shutdown_timeout=-1)
        with self.assertRaisesRegex(ValueError, 'log_flush_interval'):
            Aio.Entrypoint(log_flush_interval=float('nan'))


class ContextManager(unittest.TestCase):

    def test_with_starts_on_enter_and_stops_on_exit(self):
        log = []
        a, b = Recorder(name='a', log=log), Recorder(name='b', log=log)
        ep = Aio.Entrypoint(a, log_config=False)
        ep.add_service(b)
        with ep as entered:
            self.assertIs(entered, ep)
            self.assertEqual((a.get_state(), b.get_state()), (RUNNING, RUNNING))
        self.assertEqual((a.get_state(), b.get_state()), (STOPPED, STOPPED))
        self.assertEqual(sorted(log), [('start', 'a'), ('start', 'b'),
                                       ('stop', 'a', None), ('stop', 'b', None)])

    def test_an_exception_in_the_body_propagates_after_the_stop(self):
        log = []
        with self.assertRaisesRegex(RuntimeError, 'in the body'):
            with Aio.Entrypoint(Recorder(name='a', log=log), log_config=False):
                raise RuntimeError('in the body')
        self.assertEqual(log, [('start', 'a'), ('stop', 'a', None)])

    def test_start_and_stop_without_with(self):
        log = []
        ep = Aio.Entrypoint(Recorder(name='a', log=log), log_config=False)
        ep.start()
        self.assertEqual(log, [('start', 'a')])
        ep.stop()
        self.assertEqual(log, [('start', 'a'), ('stop', 'a', None)])

    def test_an_entrypoint_can_run_twice(self):
        log = []
        ep = Aio.Entrypoint(Recorder(name='a', log=log), log_config=False)
        for _ in range(2):
            with ep:
                pass
        self.assertEqual(len(log), 4)

    def test_a_second_start_fails_and_leaves_the_running_one_alone(self):
        log = []
        handler = signal.getsignal(signal.SIGINT)
        with Aio.Entrypoint(Recorder(name='a', log=log), log_config=False) as ep:
            with self.assertRaises(GLib.Error) as caught:
                ep.start()
            self.assertTrue(caught.exception.matches(IO_ERROR, Gio.IOErrorEnum.BUSY))
            # SIGINT still goes to the entrypoint, not to KeyboardInterrupt.
            os.kill(os.getpid(), signal.SIGINT)
            ep.run_forever()
        self.assertEqual(log, [('start', 'a'), ('stop', 'a', None)])
        self.assertIs(signal.getsignal(signal.SIGINT), handler)

    def test_hooks_run_around_the_steps(self):
        hooks = []
        ep = Aio.Entrypoint(log_config=False)
        for name in ('pre-start', 'post-start', 'pre-stop', 'post-stop'):
            ep.connect(name, lambda entrypoint, name=name: hooks.append(name))
        with ep:
            pass
        self.assertEqual(hooks, ['pre-start', 'post-start', 'pre-stop', 'post-stop'])


class Running(unittest.TestCase):

    def test_quit_ends_run_forever(self):
        ticker = Ticker()
        ticker.on_tick = lambda: ticker.ticks == 2 and Aio.Entrypoint.get_current().quit()
        with Aio.Entrypoint(ticker, log_config=False) as ep, Watchdog(ep):
            ep.run_forever()
            self.assertEqual(ticker.get_state(), RUNNING)
        self.assertGreaterEqual(ticker.ticks, 2)

    def test_run_until_complete_returns_the_value(self):
        with Aio.Entrypoint(log_config=False) as ep:
            self.assertEqual(ep.run_until_complete(lambda: 'plain'), 'plain')
            self.assertIs(ep.run_until_complete(lambda entrypoint: entrypoint), ep)
            self.assertEqual(ep.run_until_complete(
                lambda entrypoint, done: GLib.idle_add(lambda: done('later') and False)), 'later')

    def test_run_until_complete_raises_what_main_raised(self):
        def main(entrypoint):
            raise LookupError('nothing here')

        def async_main(entrypoint, done):
            GLib.idle_add(lambda: done.fail(ZeroDivisionError('late')) and False)

        with Aio.Entrypoint(log_config=False) as ep:
            with self.assertRaisesRegex(LookupError, 'nothing here'):
                ep.run_until_complete(main)
            with self.assertRaisesRegex(ZeroDivisionError, 'late'):
                ep.run_until_complete(async_main)
            # The entrypoint still runs.
            self.assertEqual(ep.run_until_complete(lambda: 1), 1)

    def test_quit_interrupts_a_long_running_main(self):
        seen = {}

        def main(entrypoint, done):
            seen['done'] = done
            entrypoint.quit()

        with Aio.Entrypoint(log_config=False) as ep:
            with self.assertRaises(GLib.Error) as caught:
                ep.run_until_complete(main)
        self.assertTrue(caught.exception.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        self.assertTrue(seen['done'].cancellable.is_cancelled())
        self.assertTrue(seen['done'].called)
        seen['done']('too late')  # ignored

    def test_a_runtime_failure_interrupts_a_main(self):
        class Flaky(Ticker):
            def on_tick(self):
                if self.ticks == 2:
                    self.fail('gone')

        with self.assertRaisesRegex(GLib.Error, "Service 'Flaky' failed: gone"):
            with Aio.Entrypoint(Flaky(), log_config=False) as ep, Watchdog(ep):
                ep.run_until_complete(lambda entrypoint, done: None)

    def test_run_blocks_until_quit(self):
        ticker = Ticker()
        ticker.on_tick = lambda: ticker.ticks == 2 and Aio.Entrypoint.get_current().quit()
        ep = Aio.Entrypoint(ticker, log_config=False)
        self.assertTrue(ep.run())
        self.assertEqual(ticker.get_state(), STOPPED)

    def test_a_stop_that_never_ends_hits_the_shutdown_timeout(self):
        class Stuck(Aio.Service):
            def stop(self, reason, done):
                self.done = done  # never called

        stuck = Stuck(name='stuck')
        with self.assertRaises(GLib.Error) as caught:
            with Aio.Entrypoint(stuck, shutdown_timeout=0.01, log_config=False):
                pass
        self.assertTrue(caught.exception.matches(Aio.error_quark(),
                                                 Aio.Error.SHUTDOWN_TIMEOUT))
        self.assertIn("'stuck'", caught.exception.message)
        stuck.done()  # the stop ends late; nobody waits for it any more
        aiotest.iterate_until(lambda: stuck.get_state() == STOPPED)

    def test_services_property_and_context(self):
        a = Recorder(name='a', log=[])
        ep = Aio.Entrypoint(a, log_config=False)
        self.assertEqual(ep.services, [a])
        self.assertIsInstance(ep.context, Aio.Context)


class PythonLogging(unittest.TestCase):

    def setUp(self):
        root = logging.getLogger()
        self.saved = (list(root.handlers), root.level)

    def tearDown(self):
        root = logging.getLogger()
        root.handlers[:] = self.saved[0]
        root.setLevel(self.saved[1])

    def test_log_config_routes_python_logging_to_glib(self):
        root = logging.getLogger()
        foreign = logging.NullHandler()
        root.addHandler(foreign)
        with Aio.Entrypoint(log_level='warning', log_format='plain', log_buffering=False):
            logging.getLogger('aiotest').warning('a Python warning through GLib')
        names = [type(h).__name__ for h in root.handlers]
        self.assertEqual(names, ['_GLibLogHandler'])
        self.assertEqual(root.level, logging.WARNING)
        with Aio.Entrypoint(debug=True, log_format='plain', log_buffering=False):
            pass
        self.assertEqual(root.level, logging.DEBUG)

    def test_log_config_false_leaves_python_logging_alone(self):
        root = logging.getLogger()
        root.handlers[:] = []
        marker = logging.NullHandler()
        root.addHandler(marker)
        with Aio.Entrypoint(log_config=False):
            pass
        self.assertEqual(root.handlers, [marker])


if __name__ == '__main__':
    aiotest.main()
