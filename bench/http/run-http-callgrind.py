#!/usr/bin/python3
# run-http-callgrind.py: instructions per request, AioHttpService vs a bare SoupServer
#
# SPDX-License-Identifier: MIT
"""Count the instructions each hello server spends per request, with callgrind.

    run-http-callgrind.py --build-dir BUILD [--requests N]

Unlike run-http.py (wrk for a fixed time, CPU time from /proc), this counts
for a fixed number of requests and does not depend on the machine's other
load. Each server (examples/http-server and bench/http/http-soup) runs under
`valgrind --tool=callgrind`; after 200 warm-up requests the counters are
zeroed (callgrind_control -z), N keep-alive GET /hello are sent on one
connection, and the counters are dumped (callgrind_control -d). Prints the
instructions per request of both and their ratio. The dumps stay in
BUILD/bench/http/callgrind for callgrind_annotate.
"""

import argparse
import glob
import http.client
import os
import re
import subprocess
import sys

WARM_UP = 200


def drive(port, n):
    conn = http.client.HTTPConnection('127.0.0.1', port)
    for _ in range(n):
        conn.request('GET', '/hello')
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError('GET /hello answered %d' % response.status)
    conn.close()


def measure(name, command, requests, out):
    prefix = os.path.join(out, 'callgrind.%s' % name)
    for old in glob.glob(prefix + '.*'):
        os.unlink(old)
    server = subprocess.Popen(['valgrind', '--tool=callgrind', '--callgrind-out-file=%s.%%p' % prefix]
                              + command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r':(\d+)$', server.stdout.readline().strip()).group(1))
        drive(port, WARM_UP)
        subprocess.run(['callgrind_control', '-z', str(server.pid)], check=True, capture_output=True)
        drive(port, requests)
        subprocess.run(['callgrind_control', '-d', 'measured', str(server.pid)], check=True,
                       capture_output=True)
    finally:
        server.kill()
        server.wait()
    dumps = sorted(glob.glob('%s.%d.*' % (prefix, server.pid)))
    with open(dumps[-1]) as f:
        totals = [line for line in f if line.startswith(('summary:', 'totals:'))]
    return int(totals[-1].split()[1]) / requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build-dir', required=True)
    parser.add_argument('--requests', type=int, default=2000)
    args = parser.parse_args()
    out = os.path.join(args.build_dir, 'bench', 'http', 'callgrind')
    os.makedirs(out, exist_ok=True)
    servers = [
        ('soup', [os.path.join(args.build_dir, 'bench', 'http', 'http-soup'), '--port', '0']),
        ('aio', [os.path.join(args.build_dir, 'examples', 'http-server'), '--port', '0']),
    ]
    print('callgrind, %d keep-alive GET /hello on one connection' % args.requests)
    results = {}
    for name, command in servers:
        results[name] = measure(name, command, args.requests, out)
        print('%-6s %10.0f instructions/request' % (name, results[name]), flush=True)
    print('aio / soup instructions per request: %.3f×' % (results['aio'] / results['soup']))


if __name__ == '__main__':
    sys.exit(main())
