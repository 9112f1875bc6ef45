#!/usr/bin/python3
# test_readme.py: the Python quick start of README.md runs as a new user
# would run it: it ticks until Ctrl-C, stops gracefully, then Aio.run prints 42.
#
# SPDX-License-Identifier: MIT

import os
import re
import signal
import subprocess
import unittest

import aiotest
from aiotest import Child

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'README.md')


def quick_start():
    text = open(README, encoding='utf-8').read()
    section = text[text.index('## Quick start in Python'):]
    return re.search(r'```python\n(.*?)```', section, re.S).group(1)


class Readme(unittest.TestCase):

    def test_python_quick_start(self):
        child = Child('-c', quick_start(), env={'AIOMISC_LOG_FORMAT': 'plain'},
                      stderr=subprocess.STDOUT)
        self.addCleanup(child.kill)
        child.read_until(lambda line: line.endswith('tick'))
        child.proc.send_signal(signal.SIGINT)
        status, lines = child.finish()
        self.assertEqual(status, 0, lines)
        self.assertIn('42', lines)
        self.assertTrue(any('All services stopped' in line for line in lines), lines)


if __name__ == '__main__':
    aiotest.main()
