#!/usr/bin/python3
# run-example.py: runs an example program the way a user would, and checks it.
#
# SPDX-License-Identifier: MIT
"""Run a program, optionally interrupt it, and check its output and status.

    run-example.py [OPTIONS] -- PROGRAM [ARG...]

The program's stdout and stderr are merged, echoed, and matched line by
line. Nothing is synchronised with sleeps: with --wait-for the runner reads
lines until one contains the text (or the program exits, or the deadline
passes), and only then sends the --signal, as a user pressing Ctrl-C after
seeing that line would.

Options:
  --wait-for TEXT    wait for a line containing TEXT before signalling
  --signal NAME      send signal NAME (INT, TERM, HUP...) once TEXT was seen
  --connect-echo MESSAGE
                     once TEXT was seen (and before the signal), connect over
                     TCP to the HOST:PORT that ends that line, send MESSAGE,
                     shut down the sending side and expect MESSAGE back,
                     then the end of the stream: an echo server at work.
                     Repeat it for one connection per MESSAGE, in order
  --http-get PATH=STATUS:TEXT
                     once TEXT was seen (and before the signal), GET PATH
                     from the HTTP server at the HOST:PORT that ends that
                     line; expect STATUS and a body containing TEXT (and as
                     many body bytes as Content-Length says). Repeatable
  --expect TEXT      a line must contain TEXT; repeat it for several lines,
                     which must then appear in the order given
  --expect-any TEXT  a line must contain TEXT, in any order
  --reject TEXT      no line may contain TEXT
  --exit-code N      the expected exit status (default 0)
  --timeout SECONDS  the deadline for the whole run (default 30)

Exit status: 0 if every check passed, 1 otherwise, 77 (meson's "skip") if
the program itself exited with 77 and that was not the expected status.
Plain standard library: it runs with Debian's /usr/bin/python3 or any
other Python 3.
"""

import argparse
import http.client
import os
import socket
import queue
import re
import signal
import subprocess
import sys
import threading
import time

SKIP = 77
HTTP_GET = re.compile(r"(/\S*?)=(\d{3}):(.*)\Z", re.DOTALL)  # --http-get PATH=STATUS:TEXT


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Run an example program and check its output.",
        usage="%(prog)s [OPTIONS] -- PROGRAM [ARG...]")
    parser.add_argument("--wait-for", metavar="TEXT")
    parser.add_argument("--signal", metavar="NAME")
    parser.add_argument("--connect-echo", metavar="MESSAGE", action="append", default=[])
    parser.add_argument("--http-get", metavar="PATH=STATUS:TEXT", action="append", default=[])
    parser.add_argument("--expect", metavar="TEXT", action="append", default=[])
    parser.add_argument("--expect-any", metavar="TEXT", action="append", default=[])
    parser.add_argument("--reject", metavar="TEXT", action="append", default=[])
    parser.add_argument("--exit-code", metavar="N", type=int, default=0)
    parser.add_argument("--timeout", metavar="SECONDS", type=float, default=30.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)

    if options.command and options.command[0] == "--":
        options.command = options.command[1:]
    if not options.command:
        parser.error("no program to run")
    if options.signal is not None:
        name = options.signal.upper()
        if not name.startswith("SIG"):
            name = "SIG" + name
        try:
            options.signal = signal.Signals[name]
        except KeyError:
            parser.error("unknown signal: %s" % options.signal)
        if options.wait_for is None:
            parser.error("--signal needs --wait-for: signal after which line?")
    if (options.connect_echo or options.http_get) and options.wait_for is None:
        parser.error("--connect-echo and --http-get need --wait-for: the line that names HOST:PORT")
    for spec in options.http_get:
        if HTTP_GET.match(spec) is None:
            parser.error("--http-get %r: not PATH=STATUS:TEXT" % spec)
    return options


def pump(stream, lines):
    """Reader thread: hands every output line to the main thread."""
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    lines.put(None)  # end of output


class Run:
    def __init__(self, command, deadline):
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"  # Python examples print as they go
        self.deadline = deadline
        self.output = []
        self.eof = False
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.reader = threading.Thread(
            target=pump, args=(self.process.stdout, self.lines), daemon=True)
        self.reader.start()

    def next_line(self):
        """The next line, or None at the end of the output or the deadline."""
        if self.eof:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            line = self.lines.get(timeout=remaining)
        except queue.Empty:
            return None
        if line is None:
            self.eof = True
            return None
        print(line, flush=True)
        self.output.append(line)
        return line

    def wait_for(self, text):
        """The first line containing text, or None."""
        for line in self.output:
            if text in line:
                return line
        while True:
            line = self.next_line()
            if line is None:
                return None
            if text in line:
                return line

    def finish(self):
        """Reads the rest of the output; returns the exit status or None."""
        while self.next_line() is not None:
            pass
        remaining = max(0.0, self.deadline - time.monotonic())
        try:
            return self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def endpoint_of(line):
    """(host, port) of the HOST:PORT (or [HOST]:PORT) that ends line."""
    host, _, port = line.split()[-1].rpartition(":")
    if not host or not port.isdigit():
        raise ValueError("no HOST:PORT at the end of %r" % line)
    return host.strip("[]"), int(port)


def check_echo(line, message, deadline):
    """Talks to the echo server named by line; returns a failure or None."""
    try:
        host, port = endpoint_of(line)
        data = message.encode("utf-8")
        timeout = max(0.1, deadline - time.monotonic())
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
    except (OSError, ValueError) as error:
        return "echo of %r: %s" % (message, error)
    print("run-example: echoed %r" % received.decode("utf-8", "replace"), flush=True)
    if received != data:
        return "echo of %r: received %r" % (message, received)
    return None


def check_http_get(line, spec, deadline):
    """GETs PATH from the server named by line; returns a failure or None."""
    path, status, text = HTTP_GET.match(spec).groups()
    try:
        host, port = endpoint_of(line)
        timeout = max(0.1, deadline - time.monotonic())
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            length = response.getheader("Content-Length")
        finally:
            connection.close()
    except (OSError, ValueError, http.client.HTTPException) as error:
        return "GET %s: %s" % (path, error)
    print("run-example: GET %s: %d, %d bytes" % (path, response.status, len(body)), flush=True)
    if response.status != int(status):
        return "GET %s: status %d, expected %s" % (path, response.status, status)
    if length is not None and int(length) != len(body):
        return "GET %s: %d body bytes, Content-Length %s" % (path, len(body), length)
    if text.encode("utf-8") not in body:
        return "GET %s: no %r in the body %r" % (path, text, body[:200])
    return None


def describe(status):
    if status < 0:
        return "killed by %s" % signal.Signals(-status).name
    return "exit status %d" % status


def main(argv):
    options = parse_args(argv)
    deadline = time.monotonic() + options.timeout
    failures = []

    try:
        run = Run(options.command, deadline)
    except OSError as error:
        print("run-example: cannot run %s: %s" % (options.command[0], error),
              file=sys.stderr)
        return 1

    try:
        if options.wait_for is not None:
            line = run.wait_for(options.wait_for)
            if line is None:
                failures.append("no line containing %r before %s"
                                % (options.wait_for,
                                   "the end of the output" if run.eof
                                   else "the deadline"))
            else:
                for message in options.connect_echo:
                    failure = check_echo(line, message, deadline)
                    if failure is not None:
                        failures.append(failure)
                for spec in options.http_get:
                    failure = check_http_get(line, spec, deadline)
                    if failure is not None:
                        failures.append(failure)
            if line is not None and options.signal is not None:
                print("run-example: sending %s" % options.signal.name, flush=True)
                run.process.send_signal(options.signal)

        status = run.finish()
    finally:
        run.kill()

    if status is None:
        failures.append("still running after %.0f s: killed" % options.timeout)
    elif status == SKIP and options.exit_code != SKIP:
        print("run-example: the program asked to be skipped", flush=True)
        return SKIP
    elif status != options.exit_code:
        failures.append("%s, expected exit status %d"
                        % (describe(status), options.exit_code))

    position = 0
    for text in options.expect:
        found = next((i for i in range(position, len(run.output))
                      if text in run.output[i]), None)
        if found is None:
            failures.append("no line containing %r%s" % (
                text, " after the previous expected line" if position else ""))
        else:
            position = found + 1
    for text in options.expect_any:
        if not any(text in line for line in run.output):
            failures.append("no line containing %r" % text)
    for text in options.reject:
        for line in run.output:
            if text in line:
                failures.append("unexpected line: %r" % line)

    for failure in failures:
        print("run-example: FAIL: %s" % failure, file=sys.stderr, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
