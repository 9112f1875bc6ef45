#!/usr/bin/python3
# run-http.py: the HTTP benchmark (issue 12)
#
# SPDX-License-Identifier: MIT
"""Run wrk against every hello server in turn and print one table.

    run-http.py --build-dir BUILD [--duration S] [--conns N] [--threads N]

The servers, each a fresh process on 127.0.0.1 port 0 (read from its
"listening on HOST:PORT" line), GET /hello with keep-alive:

  aio             examples/http-server (AioHttpService; metrics mounted too)
  soup            bench/http/http-soup (a bare SoupServer: the baseline)
  aiohttp         http_aiohttp.py on asyncio's loop
  aiohttp-uvloop  http_aiohttp.py on uvloop

For each: requests/s as wrk reports them, and the server's CPU time
(user + system, from /proc/PID/stat) per request over the run. All run
side by side in one invocation, so the numbers compare; the machine's
other load is not controlled.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def measure(name, command, args):
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        match = re.search(r'listening on ([\d.]+):(\d+)', line)
        if not match:
            raise RuntimeError('%s did not say where it listens: %r' % (name, line))
        url = 'http://%s:%s/hello' % match.groups()
        subprocess.run(['wrk', '-t1', '-c10', '-d1s', url], check=True, capture_output=True)  # warm-up
        before = cpu_seconds(server.pid)
        out = subprocess.run(['wrk', '-t%d' % args.threads, '-c%d' % args.conns, '-d%ds' % args.duration, url],
                             check=True, capture_output=True, text=True).stdout
        cpu = cpu_seconds(server.pid) - before
        rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
        total = int(re.search(r'(\d+) requests in', out).group(1))
        errors = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
        return rps, cpu / max(total, 1) * 1e6, int(errors.group(1)) if errors else 0
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build-dir', required=True)
    parser.add_argument('--duration', type=int, default=5)
    parser.add_argument('--conns', type=int, default=50)
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    py = '/usr/bin/python3'
    servers = [
        ('aio', [os.path.join(args.build_dir, 'examples', 'http-server'), '--port', '0']),
        ('soup', [os.path.join(args.build_dir, 'bench', 'http', 'http-soup'), '--port', '0']),
        ('aiohttp', [py, os.path.join(HERE, 'http_aiohttp.py')]),
        ('aiohttp-uvloop', [py, os.path.join(HERE, 'http_aiohttp.py'), '--uvloop']),
    ]
    print('wrk -t%d -c%d -d%ds, GET /hello, keep-alive' % (args.threads, args.conns, args.duration))
    print('%-16s %12s %18s %8s' % ('server', 'requests/s', 'server CPU µs/req', 'non-2xx'))
    results = {}
    for name, command in servers:
        rps, us, errors = measure(name, command, args)
        results[name] = us
        print('%-16s %12.0f %18.1f %8d' % (name, rps, us, errors), flush=True)
    if 'aio' in results and 'soup' in results:
        print('aio / soup CPU per request: %.2f×' % (results['aio'] / results['soup']))


if __name__ == '__main__':
    sys.exit(main())
