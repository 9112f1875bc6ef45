#!/usr/bin/python3
# run-thread-callgrind.py: instructions per job, aio_run_in_thread vs its baselines
#
# SPDX-License-Identifier: MIT
"""Count the instructions each thread-offload method spends per job, with callgrind.

    run-thread-callgrind.py --build-dir BUILD [--jobs N] [--repeat R]

Runs `bench-thread --count METHOD JOBS BURST` under `valgrind --tool=callgrind`
twice, with 1,000 and 1,000 + N jobs, and divides the difference of the
instructions (all threads) by N: start-up, warm-up and shutdown cancel out.
Methods: aio (aio_run_in_thread_async), raw (GThreadPool +
g_main_context_invoke) and gtask (g_task_run_in_thread); bursts of 1,000 jobs
and one job at a time (round trip). With --repeat, each figure is the median
of R measurements (valgrind serializes the threads, so how the workers and
the loop interleave still varies a little from run to run).
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile

BASE = 1000


def instructions(bench, method, jobs, burst):
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(['valgrind', '--tool=callgrind',
                              '--callgrind-out-file=%s/cg.out' % tmp,
                              bench, '--count', method, str(jobs), str(burst)],
                             capture_output=True, text=True, check=True)
    return int(re.search(r'Collected : (\d+)', out.stderr).group(1))


def per_job(bench, method, jobs, burst):
    return (instructions(bench, method, BASE + jobs, burst)
            - instructions(bench, method, BASE, burst)) / jobs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--build-dir', required=True)
    parser.add_argument('--jobs', type=int, default=4000)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--methods', default='aio,raw,gtask')
    args = parser.parse_args()
    bench = os.path.join(args.build_dir, 'bench', 'bench-thread')
    methods = args.methods.split(',')
    print('callgrind, instructions per job (all threads), median of %d; %d jobs'
          % (args.repeat, args.jobs))
    print('%-7s %14s %14s' % ('method', 'burst of 1000', 'one at a time'))
    results = {}
    for method in methods:
        row = []
        for burst in (1000, 1):
            samples = [per_job(bench, method, args.jobs, burst) for _ in range(args.repeat)]
            row.append((statistics.median(samples), min(samples), max(samples)))
        results[method] = row
        print('%-7s %14.0f %14.0f   (ranges %.0f-%.0f, %.0f-%.0f)'
              % (method, row[0][0], row[1][0], row[0][1], row[0][2], row[1][1], row[1][2]),
              flush=True)
    if 'aio' in results and 'raw' in results:
        print('aio / raw: burst %.3f×, one at a time %.3f×'
              % (results['aio'][0][0] / results['raw'][0][0],
                 results['aio'][1][0] / results['raw'][1][0]))


if __name__ == '__main__':
    main()
