#!/usr/bin/python3
# run-http-drain.py: SIGTERM during a slow request, checked from outside.
#
# SPDX-License-Identifier: MIT
"""Run an HTTP example server, stop it with a real SIGTERM while a slow
request is in flight, and check the graceful drain:

    run-http-drain.py [--timeout SECONDS] -- PROGRAM [ARG...]

1. wait for "listening on HOST:PORT", send GET /slow on a connection;
2. wait for the server's "slow request started" line, send SIGTERM;
3. once the server logs "Stopping", a new connection must get no answer:
   refused, or (if it slipped into the backlog before the listener closed)
   reset or closed without a byte;
4. the slow response must arrive whole: 200, Content-Length equal to the
   body received, "Connection: close";
5. the program must exit 0 after "All services stopped".

No sleeps: every step waits for a line of output or for the socket. Uses
Run from run-example.py (same directory); plain standard library.
"""

import argparse
import importlib.util
import os
import signal
import socket
import sys
import time

_spec = importlib.util.spec_from_file_location(
    "run_example", os.path.join(os.path.dirname(os.path.abspath(__file__)), "run-example.py"))
run_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_example)


def read_response(sock):
    """(status, headers dict, body) of one response read until EOF."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def check_refused(host, port, timeout):
    """None if a new connection gets no answer, else a failure."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: drain\r\n\r\n")
            answer = sock.recv(65536)
    except ConnectionRefusedError:
        print("run-http-drain: new connection refused", flush=True)
        return None
    except ConnectionResetError:
        print("run-http-drain: new connection reset", flush=True)
        return None
    if answer:
        return "a new connection was answered during the drain: %r" % answer[:80]
    print("run-http-drain: new connection closed without an answer", flush=True)
    return None


def main(argv):
    parser = argparse.ArgumentParser(usage="%(prog)s [--timeout SECONDS] -- PROGRAM [ARG...]")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--slow-ms", type=int, default=1000)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no program to run")

    deadline = time.monotonic() + options.timeout
    failures = []
    run = run_example.Run(command, deadline)
    slow = None
    try:
        line = run.wait_for("listening on ")
        if line is None:
            failures.append("no 'listening on' line")
            return 1
        host, port = run_example.endpoint_of(line)
        slow = socket.create_connection((host, port), timeout=options.timeout)
        slow.sendall(b"GET /slow?ms=%d HTTP/1.1\r\nHost: drain\r\n\r\n" % options.slow_ms)
        if run.wait_for("slow request started") is None:
            failures.append("the slow request never started")
            return 1
        print("run-http-drain: sending SIGTERM", flush=True)
        run.process.send_signal(signal.SIGTERM)
        if run.wait_for("Stopping") is None:
            failures.append("no 'Stopping' line after SIGTERM")
        else:
            failure = check_refused(host, port, max(0.1, deadline - time.monotonic()))
            if failure is not None:
                failures.append(failure)

        status, headers, body = read_response(slow)
        print("run-http-drain: slow response %d, %d body bytes, headers %r"
              % (status, len(body), headers), flush=True)
        if status != 200:
            failures.append("slow response status %d" % status)
        if headers.get("content-length") != str(len(body)) or not body:
            failures.append("slow response not whole: Content-Length %s, %d bytes"
                            % (headers.get("content-length"), len(body)))
        if "close" not in headers.get("connection", "").lower():
            failures.append("slow response without Connection: close")

        exit_status = run.finish()
        if exit_status != 0:
            failures.append("exit status %r, expected 0" % exit_status)
        if not any("All services stopped" in line for line in run.output):
            failures.append("no 'All services stopped' line")
    except OSError as error:
        failures.append("socket: %s" % error)
    finally:
        if slow is not None:
            slow.close()
        run.kill()
        for failure in failures:
            print("run-http-drain: FAIL: %s" % failure, file=sys.stderr, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
