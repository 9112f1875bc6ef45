#!/usr/bin/python3
# run-echo-callgrind.py: instructions per echo request, with callgrind
#
# SPDX-License-Identifier: MIT
"""Count the instructions each echo server spends per request, with callgrind.

    run-echo-callgrind.py --build-dir BUILD [--servers streams,protocol,...]
                          [--conns 10,200] [--requests N] [--size 64]
                          [--extra NAME=PROGRAM ...]

Unlike run-echo.py (echo-load for a fixed time, CPU time from /proc), this
counts for a fixed number of requests and does not depend on the machine's
other load. Each server runs under `valgrind --tool=callgrind`; C
connections are opened and each echoes 20 messages (the warm-up), the
counters are zeroed (callgrind_control -z), then every connection echoes
N / C messages of --size bytes, all connections at once (send on each,
then read every echo: a closed loop, as echo-load's), and the counters are
dumped (callgrind_control -d). Prints the instructions per request.

--extra NAME=PROGRAM adds a server run as `PROGRAM --port 0 --streams`
(another build of examples/echo-server, to compare side by side). The
dumps stay in BUILD/bench/echo/callgrind for callgrind_annotate.
"""

import argparse
import glob
import os
import re
import socket
import subprocess
import sys

WARM_UP = 20

SERVERS = {
    "streams": lambda b: [os.path.join(b, "examples", "echo-server"), "--port", "0", "--streams"],
    "protocol": lambda b: [os.path.join(b, "examples", "echo-server"), "--port", "0", "--protocol"],
    "gsocketservice": lambda b: [os.path.join(b, "bench", "echo", "echo-gsocketservice"),
                                 "--port", "0"],
    "epoll": lambda b: [os.path.join(b, "bench", "echo", "echo-epoll"), "--port", "0"],
}


def drive(sockets, rounds, payload):
    for _ in range(rounds):
        for sock in sockets:
            sock.sendall(payload)
        for sock in sockets:
            got = b""
            while len(got) < len(payload):
                chunk = sock.recv(len(payload) - len(got))
                if not chunk:
                    raise RuntimeError("a connection closed before its echo")
                got += chunk
            if got != payload:
                raise RuntimeError("wrong echo")


def measure(name, command, conns, requests, size, out):
    prefix = os.path.join(out, "callgrind.%s.%d" % (name, conns))
    for old in glob.glob(prefix + ".*"):
        os.unlink(old)
    server = subprocess.Popen(["valgrind", "--tool=callgrind",
                               "--callgrind-out-file=%s.%%p" % prefix] + command,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sockets = []
    payload = bytes(i % 251 for i in range(size))
    rounds = max(1, requests // conns)
    try:
        line = server.stdout.readline().strip()
        match = re.search(r"listening on (.+):(\d+)$", line)
        if match is None:
            raise RuntimeError("%s: no 'listening on' line (%r)" % (name, line))
        port = int(match.group(2))
        for _ in range(conns):
            sock = socket.create_connection(("127.0.0.1", port), timeout=120)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sockets.append(sock)
        drive(sockets, WARM_UP, payload)
        subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True,
                       capture_output=True)
        drive(sockets, rounds, payload)
        subprocess.run(["callgrind_control", "-d", "measured", str(server.pid)], check=True,
                       capture_output=True)
    finally:
        for sock in sockets:
            sock.close()
        server.kill()
        server.wait()
    dumps = sorted(glob.glob("%s.%d.*" % (prefix, server.pid)))
    with open(dumps[-1]) as f:
        totals = [line for line in f if line.startswith(("summary:", "totals:"))]
    return int(totals[-1].split()[1]) / (rounds * conns)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.environ.get("MESON_BUILD_ROOT"),
                        help="the meson build directory (default: $MESON_BUILD_ROOT)")
    parser.add_argument("--servers", default="streams,protocol,gsocketservice,epoll")
    parser.add_argument("--conns", default="10,200", help="numbers of connections")
    parser.add_argument("--requests", type=int, default=4000, help="requests measured per run")
    parser.add_argument("--size", type=int, default=64, help="message size in bytes")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=PROGRAM",
                        help="also run PROGRAM --port 0 --streams under NAME")
    options = parser.parse_args(argv)
    if not options.build_dir:
        parser.error("--build-dir is required (the meson build directory)")
    build = os.path.abspath(options.build_dir)
    out = os.path.join(build, "bench", "echo", "callgrind")
    os.makedirs(out, exist_ok=True)

    servers = []
    for name in [n.strip() for n in options.servers.split(",") if n.strip()]:
        if name not in SERVERS:
            parser.error("unknown server %r (known: %s)" % (name, ", ".join(SERVERS)))
        servers.append((name, SERVERS[name](build)))
    for extra in options.extra:
        name, sep, program = extra.partition("=")
        if not sep:
            parser.error("--extra takes NAME=PROGRAM")
        servers.append((name, [os.path.abspath(program), "--port", "0", "--streams"]))
    conn_counts = [int(c) for c in options.conns.split(",")]

    print("| server | conns | instructions per request (%d B, %d requests) |"
          % (options.size, options.requests))
    print("|---|---:|---:|")
    sys.stdout.flush()
    for conns in conn_counts:
        for name, command in servers:
            per = measure(name, command, conns, options.requests, options.size, out)
            print("| %s | %d | %.0f |" % (name, conns, per))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
