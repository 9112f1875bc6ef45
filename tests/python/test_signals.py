#!/usr/bin/python3
# test_signals.py: SIGINT/SIGTERM to a Python program running an entrypoint:
# it stops every service and exits 0.
#
# SPDX-License-Identifier: MIT

import os
import signal
import unittest

import aiotest
from aiotest import Child

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'signal_child.py')


class Signals(unittest.TestCase):

    def run_child(self, mode, signum):
        child = Child(CHILD, mode)
        self.addCleanup(child.kill)
        child.read_until('READY')
        child.proc.send_signal(signum)
        status, lines = child.finish()
        self.assertEqual(status, 0, lines)
        return lines

    def assert_stopped_all(self, lines, *names):
        for name in names:
            self.assertIn('started ' + name, lines)
            self.assertIn('stopped ' + name, lines)
        self.assertEqual(lines[-3:], ['exited', 'python-sigint-ok', 'END'])

    def test_sigterm_with_context_manager(self):
        lines = self.run_child('with', signal.SIGTERM)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')

    def test_sigint_with_context_manager(self):
        lines = self.run_child('with', signal.SIGINT)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')

    def test_sigterm_with_run(self):
        lines = self.run_child('run', signal.SIGTERM)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')

    def test_sigint_with_run(self):
        lines = self.run_child('run', signal.SIGINT)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')

    def test_sigterm_interrupts_a_long_running_main(self):
        lines = self.run_child('main', signal.SIGTERM)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')
        self.assertIn('interrupted', lines)

    def test_a_second_signal_during_the_stop_is_ignored(self):
        lines = self.run_child('second', signal.SIGINT)
        self.assert_stopped_all(lines, 'ordinary', 'infinity')
        self.assertIn('stopping slow', lines)


if __name__ == '__main__':
    aiotest.main()
