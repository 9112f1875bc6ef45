#!/usr/bin/python3
# test_service.py: Python services (Aio.Service subclasses) in an entrypoint
#
# SPDX-License-Identifier: MIT

import os
import threading
import unittest

import aiotest
from aiotest import Recorder, Ticker, Watchdog, until, IO_ERROR, AIO_ERROR
from gi.repository import Aio, GLib, GObject, Gio

RUNNING = Aio.ServiceState.RUNNING
STOPPED = Aio.ServiceState.STOPPED
FAILED = Aio.ServiceState.FAILED


def entrypoint(*services, **kwargs):
    kwargs.setdefault('log_config', False)
    return Aio.Entrypoint(*services, **kwargs)


class OrdinaryAndLongRunning(unittest.TestCase):

    def test_ordinary_service_starts_then_stops(self):
        log = []
        service = Recorder(name='ordinary', log=log)
        with entrypoint(service) as ep:
            self.assertEqual(service.get_state(), RUNNING)
            self.assertEqual(log, [('start', 'ordinary')])
            self.assertIs(Aio.Entrypoint.get_current(), ep)
        self.assertEqual(service.get_state(), STOPPED)
        self.assertEqual(log, [('start', 'ordinary'), ('stop', 'ordinary', None)])

    def test_long_running_service_lives_until_stopped(self):
        log = []
        ticker = Ticker(name='ticker', log=log)
        with entrypoint(ticker) as ep, Watchdog(ep):
            ep.run_until_complete(until(lambda: ticker.ticks >= 3))
            self.assertEqual(ticker.get_state(), RUNNING)
            self.assertFalse(ticker.cancellable.is_cancelled())
        self.assertEqual(ticker.get_state(), STOPPED)
        self.assertTrue(ticker.cancellable.is_cancelled())
        self.assertEqual(log, [('stop', 'ticker', None)])
        self.assertEqual(ticker.timer, 0)

    def test_start_may_call_set_ready_and_stop_may_take_no_reason(self):
        calls = []

        class Explicit(Aio.Service):
            def start(self):
                self.set_ready()
                calls.append('start')

            def stop(self):
                calls.append('stop')

        with entrypoint(Explicit()):
            pass
        self.assertEqual(calls, ['start', 'stop'])

    def test_default_name_is_the_class_name(self):
        class Named(Aio.Service):
            pass

        self.assertEqual(Named().props.name, 'Named')
        self.assertEqual(Named(name='other').props.name, 'other')

    def test_keywords_become_attributes_and_required_ones_are_checked(self):
        class Server(Aio.Service):
            __required__ = ('address', 'port')

        server = Server(address='127.0.0.1', port=0, name='srv')
        self.assertEqual((server.address, server.port, server.props.name),
                         ('127.0.0.1', 0, 'srv'))
        with self.assertRaisesRegex(TypeError, "missing required keyword arguments: 'address', 'port'"):
            Server()

    def test_subclass_of_a_python_service(self):
        calls = []

        class Base(Aio.Service):
            def start(self):
                calls.append('base start')

            def stop(self, reason):
                calls.append('base stop')

        class Child(Base):
            def start(self):
                super().start()
                calls.append('child start')

        with entrypoint(Child(), Base()):
            pass
        self.assertEqual(sorted(calls), ['base start', 'base start', 'base stop', 'base stop',
                                         'child start'])

    def test_raw_gio_vfuncs_still_work(self):
        calls = []

        class Raw(Aio.Service):
            def do_start_async(self, cancellable, callback, *user_data):
                task = Gio.Task.new(self, cancellable, None, None)
                task.return_boolean(True)
                calls.append('start')
                GLib.idle_add(lambda: callback(self, task) and False)

        with entrypoint(Raw()):
            pass
        self.assertEqual(calls, ['start'])


class WithoutTheOverride(unittest.TestCase):

    def test_a_service_fails_to_start_saying_the_override_is_missing(self):
        code = '\n'.join([
            'import gi',
            'gi.require_version("Aio", "1.0")',
            'from gi.repository import Aio, GLib',
            'print("override", hasattr(Aio, "run_in_thread"))',
            'class Hello(Aio.Service):',
            '    def start(self):',
            '        print("started")',
            'ep = Aio.Entrypoint.new()',
            'ep.props.log_config = False',
            'ep.add_service(Hello())',
            'try:',
            '    ep.run()',
            'except GLib.Error as error:',
            '    print(error.message)',
        ])
        # The typelib and the library, but not gi/overrides/Aio.py.
        path = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
                if p and not os.path.exists(os.path.join(p, 'gi', 'overrides', 'Aio.py'))]
        child = aiotest.Child('-c', code, env={'PYTHONPATH': os.pathsep.join(path)})
        self.addCleanup(child.kill)
        status, lines = child.finish()
        if 'override True' in lines:
            self.skipTest('an installed Aio override is on sys.path')
        self.assertEqual(status, 0, lines)
        self.assertNotIn('started', lines)
        self.assertIn("Service '__main__+Hello' failed to start", lines[-1])
        self.assertIn('the Aio override (gi/overrides/Aio.py) was not loaded', lines[-1])


class AsyncStartStop(unittest.TestCase):

    def test_start_with_done_is_up_when_done_is_called(self):
        events = []

        class Later(Aio.Service):
            def start(self, done):
                events.append('start')
                GLib.idle_add(self.up, done)

            def up(self, done):
                events.append('up')
                done()
                return GLib.SOURCE_REMOVE

        later = Later()
        with entrypoint(later):
            events.append('entered')
            self.assertEqual(later.get_state(), RUNNING)
        self.assertEqual(events, ['start', 'up', 'entered'])

    def test_set_ready_from_another_thread(self):
        class Threaded(Aio.Service):
            def start(self, done):
                self.thread = threading.Thread(target=self.set_ready)
                self.thread.start()
                # Long-running: the stop cancels it and waits for done().
                GObject.Object.connect(done.cancellable, 'cancelled', lambda c: done())

        threaded = Threaded()
        with entrypoint(threaded):
            self.assertEqual(threaded.get_state(), RUNNING)
        threaded.thread.join()

    def test_a_long_running_start_with_done_is_waited_for_at_stop(self):
        events = []

        class Worker(Aio.Service):
            def start(self, done):
                self.set_ready()
                GObject.Object.connect(done.cancellable, 'cancelled',
                                       lambda c: GLib.idle_add(self.finish, done))

            def finish(self, done):
                events.append('start ended')
                done()
                return GLib.SOURCE_REMOVE

            def stop(self, reason):
                events.append('stop')

        worker = Worker()
        with entrypoint(worker):
            self.assertEqual(worker.get_state(), RUNNING)
        events.append('exited')
        self.assertEqual(sorted(events[:2]), ['start ended', 'stop'])
        self.assertEqual(events[2:], ['exited'])
        self.assertEqual(worker.get_state(), STOPPED)

    def test_done_call_reports_the_exception_of_a_gio_style_finish(self):
        class Parser(Aio.Service):
            def start(self, done):
                GLib.idle_add(lambda: done.call(int, 'not a number') and False)

        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(Parser(name='parser')):
                self.fail('the entrypoint started')
        self.assertIn("Service 'parser' failed to start: ValueError: invalid literal",
                      caught.exception.message)
        self.assertIsInstance(caught.exception.__cause__, ValueError)

    def test_stop_with_done_completes_when_done_is_called(self):
        events = []

        class SlowStop(Aio.Service):
            def stop(self, reason, done):
                events.append('stop')
                GLib.idle_add(self.stopped, done)

            def stopped(self, done):
                events.append('stopped')
                done()
                return GLib.SOURCE_REMOVE

        with entrypoint(SlowStop()):
            pass
        events.append('exited')
        self.assertEqual(events, ['stop', 'stopped', 'exited'])


class Failures(unittest.TestCase):

    def test_failing_start_names_the_service_and_stops_the_healthy_ones(self):
        log = []

        class Failing(Aio.Service):
            def start(self):
                raise ValueError('boom')

        healthy = Recorder(name='healthy', log=log)
        failing = Failing(name='failing')
        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(healthy, failing):
                self.fail('the entrypoint started')
        error = caught.exception
        self.assertTrue(error.matches(AIO_ERROR, Aio.Error.SERVICE_FAILED))
        self.assertEqual(error.message, "Service 'failing' failed to start: ValueError: boom")
        self.assertIsInstance(error.__cause__, ValueError)
        self.assertEqual(failing.get_state(), FAILED)
        self.assertEqual(healthy.get_state(), STOPPED)
        self.assertEqual(log, [('start', 'healthy'), ('stop', 'healthy', error.message)])
        self.assertIsNone(Aio.Entrypoint.get_current())

    def test_a_glib_error_keeps_its_domain_and_code(self):
        class Refused(Aio.Service):
            def start(self):
                raise GLib.Error.new_literal(IO_ERROR, 'refused',
                                             int(Gio.IOErrorEnum.CONNECTION_REFUSED))

        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(Refused()):
                pass
        self.assertTrue(caught.exception.matches(IO_ERROR, Gio.IOErrorEnum.CONNECTION_REFUSED))
        self.assertEqual(caught.exception.message, "Service 'Refused' failed to start: refused")

    def test_done_fail_fails_an_async_start(self):
        class Unreachable(Aio.Service):
            def start(self, done):
                GLib.idle_add(lambda: done.fail('host unreachable') and False)

        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(Unreachable()):
                pass
        self.assertEqual(caught.exception.message,
                         "Service 'Unreachable' failed to start: host unreachable")

    def test_a_service_stopped_while_starting_is_cancelled_then_stopped(self):
        calls = []

        class Pending(Aio.Service):
            def start(self, done):
                self.done = done
                calls.append('start')

            def stop(self, reason):
                calls.append('stop')

        class Failing(Aio.Service):
            def start(self, done):
                GLib.idle_add(lambda: done.fail(RuntimeError('late failure')) and False)

        pending = Pending()
        with self.assertRaisesRegex(GLib.Error, 'late failure'):
            with entrypoint(pending, Failing()):
                pass
        # The lifecycle rule: a cancelled (not failed) start is stopped.
        self.assertEqual(calls, ['start', 'stop'])
        self.assertTrue(pending.cancellable.is_cancelled())
        self.assertTrue(pending.done.called)
        self.assertEqual(pending.get_state(), STOPPED)
        pending.done()  # too late: ignored

    def test_runtime_failure_stops_the_program_with_that_error(self):
        log = []

        class Flaky(Ticker):
            def on_tick(self):
                if self.ticks == 3:
                    self.fail(RuntimeError('connection lost'))

        flaky = Flaky(name='flaky', log=log)
        healthy = Recorder(name='healthy', log=log)
        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(flaky, healthy) as ep, Watchdog(ep):
                ep.run_forever()
        message = "Service 'flaky' failed: RuntimeError: connection lost"
        self.assertEqual(caught.exception.message, message)
        self.assertIsInstance(caught.exception.__cause__, RuntimeError)
        self.assertIn(('stop', 'healthy', message), log)
        self.assertIn(('stop', 'flaky', message), log)
        self.assertEqual(healthy.get_state(), STOPPED)

    def test_fail_from_another_thread(self):
        class Worker(Aio.Service):
            def start(self):
                self.thread = threading.Thread(target=self.fail, args=(OSError('disk full'),))
                self.thread.start()

        worker = Worker()
        with self.assertRaisesRegex(GLib.Error, "Service 'Worker' failed: OSError: disk full"):
            with entrypoint(worker) as ep, Watchdog(ep):
                ep.run_forever()
        worker.thread.join()

    def test_exception_in_stop_is_reported(self):
        class BadStop(Aio.Service):
            def stop(self, reason):
                raise OSError('cannot flush')

        log = []
        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(BadStop(), Recorder(name='other', log=log)):
                pass
        self.assertEqual(caught.exception.message,
                         "Service 'BadStop' failed to stop: OSError: cannot flush")
        self.assertIn(('stop', 'other', None), log)

    def test_body_exception_wins_over_a_stop_failure(self):
        class BadStop(Aio.Service):
            def stop(self, reason):
                raise OSError('cannot flush')

        with self.assertRaisesRegex(KeyError, 'body'):
            with entrypoint(BadStop()):
                raise KeyError('body')


class Dependencies(unittest.TestCase):

    def test_dependencies_start_first_and_stop_last(self):
        log = []

        class Database(Recorder):
            def start(self, done):
                log.append(('start', self.props.name))
                GLib.idle_add(lambda: done() and False)

        class Api(Recorder):
            def start(self):
                self.db_state = self.dependency.get_state()
                super().start()

        db = Database(name='db', log=log)
        api = Api(name='api', log=log, dependency=db)
        api.add_dependency(db)
        with entrypoint(api) as ep:
            self.assertEqual({s.props.name for s in ep.services}, {'api', 'db'})
        self.assertEqual(api.db_state, RUNNING)
        self.assertEqual(log, [('start', 'db'), ('start', 'api'),
                               ('stop', 'api', None), ('stop', 'db', None)])

    def test_a_failed_dependency_fails_its_dependent(self):
        class Database(Aio.Service):
            def start(self):
                raise ConnectionError('no database')

        log = []
        db = Database(name='db')
        api = Recorder(name='api', log=log)
        api.add_dependency(db)
        with self.assertRaisesRegex(GLib.Error, "Service 'db' failed to start: ConnectionError"):
            with entrypoint(api):
                pass
        self.assertEqual(log, [])

    def test_a_dependency_cycle_is_refused(self):
        a, b = Recorder(name='a', log=[]), Recorder(name='b', log=[])
        a.add_dependency(b)
        b.add_dependency(a)
        with self.assertRaises(GLib.Error) as caught:
            with entrypoint(a):
                pass
        self.assertTrue(caught.exception.matches(AIO_ERROR,
                                                 Aio.Error.DEPENDENCY_CYCLE))


if __name__ == '__main__':
    aiotest.main()
