#!/usr/bin/python3
# test_run.py: Aio.run, the aiomisc.run shortcut
#
# SPDX-License-Identifier: MIT

import unittest

import aiotest
from aiotest import Recorder, Ticker, IO_ERROR
from gi.repository import Aio, GLib, GObject, Gio

RUNNING = Aio.ServiceState.RUNNING
STOPPED = Aio.ServiceState.STOPPED


class Run(unittest.TestCase):

    def test_returns_what_main_returned(self):
        self.assertEqual(Aio.run(lambda: 42, log_config=False), 42)
        self.assertIsNone(Aio.run(lambda: None, log_config=False))
        value = {'any': 'object'}
        self.assertIs(Aio.run(lambda entrypoint: value, log_config=False), value)

    def test_main_runs_with_the_services_up(self):
        log = []
        service = Recorder(name='svc', log=log)

        def main(entrypoint):
            self.assertIsInstance(entrypoint, Aio.Entrypoint)
            self.assertIs(Aio.Entrypoint.get_current(), entrypoint)
            self.assertEqual(entrypoint.services, [service])
            return service.get_state()

        self.assertEqual(Aio.run(main, service, log_config=False), RUNNING)
        self.assertEqual(service.get_state(), STOPPED)
        self.assertEqual(log, [('start', 'svc'), ('stop', 'svc', None)])
        self.assertIsNone(Aio.Entrypoint.get_current())

    def test_propagates_the_exception_of_main_after_stopping(self):
        log = []

        def main(entrypoint):
            raise KeyError('missing')

        with self.assertRaises(KeyError) as caught:
            Aio.run(main, Recorder(name='svc', log=log), log_config=False)
        self.assertEqual(caught.exception.args, ('missing',))
        self.assertEqual(log, [('start', 'svc'), ('stop', 'svc', None)])

    def test_system_exit_from_main_propagates(self):
        log = []
        with self.assertRaises(SystemExit) as caught:
            Aio.run(lambda: exit(3), Recorder(name='svc', log=log), log_config=False)
        self.assertEqual(caught.exception.code, 3)
        self.assertEqual(log[-1], ('stop', 'svc', None))

    def test_long_running_main(self):
        ticker = Ticker()

        def main(entrypoint, done):
            ticker.on_tick = lambda: ticker.ticks == 3 and done(ticker.ticks)

        self.assertEqual(Aio.run(main, ticker, log_config=False), 3)
        self.assertEqual(ticker.get_state(), STOPPED)

    def test_long_running_main_failing(self):
        def main(entrypoint, done):
            GLib.idle_add(lambda: done.fail(PermissionError('denied')) and False)

        with self.assertRaisesRegex(PermissionError, 'denied'):
            Aio.run(main, log_config=False)

        def main_with_glib_error(entrypoint, done):
            done.fail(GLib.Error.new_literal(IO_ERROR, 'not here', int(Gio.IOErrorEnum.NOT_FOUND)))

        with self.assertRaises(GLib.Error) as caught:
            Aio.run(main_with_glib_error, log_config=False)
        self.assertTrue(caught.exception.matches(IO_ERROR, Gio.IOErrorEnum.NOT_FOUND))

    def test_quit_interrupts_main_with_cancelled(self):
        seen = {}

        def main(entrypoint, done):
            seen['done'] = done
            # Gio.Cancellable.connect is g_cancellable_connect: use the signal.
            GObject.Object.connect(done.cancellable, 'cancelled',
                                   lambda c: seen.setdefault('cancelled', True))
            GLib.idle_add(lambda: entrypoint.quit() and False)

        log = []
        with self.assertRaises(GLib.Error) as caught:
            Aio.run(main, Recorder(name='svc', log=log), log_config=False)
        self.assertTrue(caught.exception.matches(IO_ERROR, Gio.IOErrorEnum.CANCELLED))
        self.assertTrue(seen.get('cancelled'))
        self.assertEqual(log, [('start', 'svc'), ('stop', 'svc', None)])

    def test_a_failing_service_is_raised_and_main_not_called(self):
        class Failing(Aio.Service):
            def start(self):
                raise ConnectionRefusedError('port 5432')

        called = []
        with self.assertRaises(GLib.Error) as caught:
            Aio.run(lambda: called.append(1), Failing(name='db'), log_config=False)
        self.assertEqual(caught.exception.message,
                         "Service 'db' failed to start: ConnectionRefusedError: port 5432")
        self.assertIsInstance(caught.exception.__cause__, ConnectionRefusedError)
        self.assertEqual(called, [])

    def test_a_runtime_failure_interrupts_main(self):
        class Flaky(Ticker):
            def on_tick(self):
                if self.ticks == 2:
                    self.fail(RuntimeError('crashed'))

        with self.assertRaises(GLib.Error) as caught:
            Aio.run(lambda entrypoint, done: None, Flaky(name='flaky'), log_config=False)
        self.assertEqual(caught.exception.message, "Service 'flaky' failed: RuntimeError: crashed")
        self.assertIsInstance(caught.exception.__cause__, RuntimeError)

    def test_main_none_runs_until_quit(self):
        class Quitter(Aio.Service):
            def start(self):
                GLib.idle_add(lambda: self.entrypoint.quit() and False)

        self.assertIsNone(Aio.run(None, Quitter(), log_config=False))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'policy'"):
            Aio.run(lambda: None, policy=None)
        with self.assertRaisesRegex(ValueError, "log_level 'verbose'"):
            Aio.run(lambda: None, log_level='verbose')
        with self.assertRaisesRegex(TypeError, 'callable main'):
            Aio.run(42)

    def test_run_with_log_config(self):
        # The default: configures the aiomisc-glib writer (once per process).
        self.assertEqual(Aio.run(lambda: 'logged', log_level='debug', log_format='plain'), 'logged')
        self.assertTrue(Aio.log_is_installed())


if __name__ == '__main__':
    aiotest.main()
