#!/usr/bin/python3
# run-vala-example.py: runs a Vala example as a user would, and checks it.
#
#   run-vala-example.py [--wait-for TEXT --signal NAME] [--expect TEXT]...
#                       [--reject TEXT]... [--exit-code N] [--timeout S]
#                       -- PROGRAM [ARG...]
#
# The program's stdout and stderr are read together. With --wait-for, the
# runner reads until the output contains TEXT and only then sends the real
# signal NAME (INT, TERM…), as a user pressing Ctrl-C after seeing that line
# would: nothing is synchronised with a sleep. Then it reads to the end and
# checks that the program exited with --exit-code (default 0), that every
# --expect text appeared (after the signal, when there is one) and that no
# --reject text did. A program that hangs past --timeout is killed.
#
# Exits 0 if every check passed, else 1. Standard library only: Debian's
# /usr/bin/python3 or any other Python 3 runs it.
#
# SPDX-License-Identifier: MIT

import argparse
import os
import selectors
import signal
import subprocess
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(
        usage='%(prog)s [OPTIONS] -- PROGRAM [ARG...]')
    parser.add_argument('--wait-for', metavar='TEXT',
                        help='send --signal once the output contains TEXT')
    parser.add_argument('--signal', metavar='NAME', default='INT',
                        help='the signal to send, without SIG (default INT)')
    parser.add_argument('--expect', metavar='TEXT', action='append', default=[],
                        help='text the output must contain (after the signal)')
    parser.add_argument('--reject', metavar='TEXT', action='append', default=[],
                        help='text the output must not contain')
    parser.add_argument('--exit-code', metavar='N', type=int, default=0)
    parser.add_argument('--timeout', metavar='SECONDS', type=float, default=30.0)
    parser.add_argument('command', nargs=argparse.REMAINDER)
    options = parser.parse_args()

    if options.command[:1] == ['--']:
        options.command = options.command[1:]
    if not options.command:
        parser.error('no program to run')
    return options


def main():
    options = parse_args()
    signame = 'SIG' + options.signal.upper()
    signum = getattr(signal, signame)

    proc = subprocess.Popen(options.command, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + options.timeout
    output = b''
    signalled_at = None

    def fail(message):
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sys.stdout.write(output.decode(errors='replace'))
        print('run-vala-example: FAIL: ' + message)
        sys.exit(1)

    # Read until end of file, signalling once the text shows up.
    eof = False
    while not eof:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if options.wait_for is not None and signalled_at is None:
                fail('%r did not appear within %g s' % (options.wait_for, options.timeout))
            fail('the program did not exit within %g s' % options.timeout)
        for key, _ in selector.select(remaining):
            chunk = os.read(key.fileobj.fileno(), 65536)
            eof = not chunk
            output += chunk
        if (options.wait_for is not None and signalled_at is None
                and options.wait_for.encode() in output):
            if proc.poll() is not None:
                fail('the program exited before it could be sent %s' % signame)
            proc.send_signal(signum)
            signalled_at = len(output)

    try:
        status = proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
    except subprocess.TimeoutExpired:
        fail('the program closed its output but did not exit')

    if options.wait_for is not None and signalled_at is None:
        fail('the program exited (status %d) before %r appeared' % (status, options.wait_for))
    if status != options.exit_code:
        fail('exit status %d, expected %d' % (status, options.exit_code))
    checked = output[signalled_at or 0:].decode(errors='replace')
    for text in options.expect:
        if text not in checked:
            fail('%r did not appear%s' % (text, ' after ' + signame if signalled_at else ''))
    for text in options.reject:
        if text in output.decode(errors='replace'):
            fail('%r appeared' % text)

    sys.stdout.write(output.decode(errors='replace'))
    print('run-vala-example: OK: exit status %d%s'
          % (status, ' after ' + signame if signalled_at is not None else ''))


if __name__ == '__main__':
    main()
