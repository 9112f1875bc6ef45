#!/usr/bin/python3
# test_application.py: an entrypoint attached to a Gio.Application in a
# child Python program, on a private session bus.
#
# SPDX-License-Identifier: MIT

import os
import subprocess
import sys
import unittest

import aiotest
from aiotest import Child, Gio

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'application_child.py')


class Application(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.bus = Gio.TestDBus.new(Gio.TestDBusFlags.NONE)
        cls.bus.up()

    @classmethod
    def tearDownClass(cls):
        cls.bus.down()

    def run_child(self, mode):
        child = Child(CHILD, mode)
        self.addCleanup(child.kill)
        status, lines = child.finish()
        self.assertEqual(status, 0, lines)
        for name in ('ordinary', 'slow'):
            self.assertIn('started ' + name, lines)
            self.assertLess(lines.index('stopped ' + name), lines.index('returned 0'), lines)
        return lines

    def test_sigterm_stops_every_service_before_run_returns(self):
        lines = self.run_child('sigterm')
        self.assertEqual(lines[-1], 'returned 0')

    def test_sigint_stops_every_service_and_gives_sigint_back(self):
        lines = self.run_child('sigint')
        self.assertEqual(lines[-2:], ['returned 0', 'python-sigint-ok'])

    def test_failing_service_ends_with_non_zero_status(self):
        proc = subprocess.run([sys.executable, CHILD, 'fail'], capture_output=True,
                              timeout=aiotest.TIMEOUT, text=True)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("Service 'broken' failed to start", proc.stderr)
        self.assertNotIn('returned', proc.stdout)
        self.assertIn('stopped ordinary', proc.stdout)


if __name__ == '__main__':
    aiotest.main()
