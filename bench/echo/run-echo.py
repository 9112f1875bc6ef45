#!/usr/bin/python3
# run-echo.py: the echo benchmark of the network services (issue 3)
#
# SPDX-License-Identifier: MIT
"""Run every echo server against echo-load and print the table.

    run-echo.py --build-dir BUILD [--quick] [--duration S] [--warmup S]
                [--servers NAME,...] [--sizes 64,1024] [--conns 10,200]

The servers, each started on 127.0.0.1 port 0 (the port is read from its
"listening on HOST:PORT" line), one fresh process per measurement:

  protocol        examples/echo-server --protocol  (aiomisc-glib, AioStreamProtocol)
  streams         examples/echo-server --streams   (aiomisc-glib, handle_client_async)
  gsocketservice  bench/echo/echo-gsocketservice   (plain GIO: the streams baseline)
  epoll           bench/echo/echo-epoll            (raw epoll: the limit)
  asyncio         echo_asyncio.py                  (asyncio streams, as under aiomisc)
  uvloop          echo_asyncio.py --uvloop         (the same on uvloop)

For every message size and number of connections, echo-load runs a closed
loop (each connection sends a message and waits for the whole echo before
the next) for --warmup seconds, then measures --duration seconds: req/s,
p50 and p99 latency, and the server's CPU time (user + system, all
threads, from /proc/PID/stat, read by echo-load at the very start and end
of the measured window) divided by the requests completed in that window.
CPU per request is the figure that is robust on a small, shared machine;
req/s and latency are not. The server and the load generator are pinned to
different CPUs when there are two or more.

A server that cannot run (a missing program, an option it does not know, a
connection it closes or an echo it gets wrong) is reported as n/a, with
the reason, and the run goes on.

The table, then the ratios of CPU per request that issue 3 sets targets
for, with PASS or MISS:

  protocol / epoll           <= 1.2    (protocol path near the limit)
  streams / gsocketservice   <= 1.1    (streams path near plain GIO)
  asyncio / protocol         >= 1.5    (both paths beat asyncio by 1.5x)
  asyncio / streams          >= 1.5
  uvloop / protocol          >= 1.0    (and uvloop)
  uvloop / streams           >= 1.0

--memory N measures memory instead (issue 14): for every server, one
connection echoes 64 bytes and stays open (the warm-up: what a server
allocates once, such as a read buffer per thread, is not counted), the
server's VmRSS is read from /proc/PID/status, then N more connections each
echo 64 bytes once and stay open, idle, and VmRSS is read again; the table
gives the growth per open connection. --batch B (default 100) opens and
echoes B connections at a time; --batch 1 is one round trip after the
other, which lays the heap out differently (and is slow on a busy machine). Resident memory does not depend on
the load of the machine. --repeat R runs it R times (a fresh server each
time) and prints every figure.

The tables are markdown. --quick (0.5 s runs, 0.3 s warm-up) checks that
everything works; the numbers of a quick run are noise. The full default
run takes about two minutes: do not run it while the machine is busy.
"""

import argparse
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# name, description, command (relative to the build directory, or a list)
SERVERS = [
    ("protocol", "aiomisc-glib protocol path",
     lambda b: [os.path.join(b, "examples", "echo-server"), "--port", "0", "--protocol"]),
    ("streams", "aiomisc-glib streams path",
     lambda b: [os.path.join(b, "examples", "echo-server"), "--port", "0", "--streams"]),
    ("gsocketservice", "GSocketService + async streams",
     lambda b: [os.path.join(b, "bench", "echo", "echo-gsocketservice"), "--port", "0"]),
    ("epoll", "raw epoll (the limit)",
     lambda b: [os.path.join(b, "bench", "echo", "echo-epoll"), "--port", "0"]),
    ("asyncio", "asyncio streams (/usr/bin/python3)",
     lambda b: [PYTHON, os.path.join(HERE, "echo_asyncio.py"), "--port", "0"]),
    ("uvloop", "uvloop streams (/usr/bin/python3)",
     lambda b: [PYTHON, os.path.join(HERE, "echo_asyncio.py"), "--port", "0", "--uvloop"]),
]

# (numerator, denominator, comparison, target): ratios of CPU per request.
TARGETS = [
    ("protocol", "epoll", "<=", 1.2),
    ("streams", "gsocketservice", "<=", 1.1),
    ("asyncio", "protocol", ">=", 1.5),
    ("uvloop", "protocol", ">=", 1.0),
    ("asyncio", "streams", ">=", 1.5),
    ("uvloop", "streams", ">=", 1.0),
]

LISTENING_RE = re.compile(r"listening on (?P<host>.+):(?P<port>\d+)\s*$")
START_TIMEOUT = 15.0


class NotAvailable(Exception):
    """The server cannot be measured; the message says why."""


def size_label(size):
    if size >= 1024 and size % 1024 == 0:
        return "%d KiB" % (size // 1024)
    return "%d B" % size


TASKSET = shutil.which("taskset")


def pinned(command, cpu):
    """The command, run on one CPU (taskset execs it: same process)."""
    if cpu is None:
        return command, None
    if TASKSET:
        return [TASKSET, "-c", str(cpu)] + command, None
    # preexec_fn is only a fallback: it is not safe while threads run.
    return command, lambda: os.sched_setaffinity(0, {cpu})


class Server:
    def __init__(self, command, cpu):
        self.command = command
        self.stderr = tempfile.TemporaryFile()
        if not os.access(command[0], os.X_OK):
            raise NotAvailable("%s: not built" % command[0])
        argv, preexec = pinned(command, cpu)
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=self.stderr,
                                            preexec_fn=preexec)
        except OSError as error:
            raise NotAvailable("%s: %s" % (command[0], error.strerror))
        try:
            self.host, self.port = self._wait_listening()
        except NotAvailable:
            self.stop()
            raise
        # Whatever the server prints later must not fill the pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        out = self.process.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(out, selectors.EVENT_READ)
            pending = b""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise NotAvailable("no 'listening on' line on stdout in %.0f s (is it flushed?)"
                                       % START_TIMEOUT)
                if not selector.select(left):
                    continue
                chunk = os.read(out.fileno(), 4096)
                if not chunk:
                    self.process.wait()
                    raise NotAvailable("exited with status %s before listening%s"
                                       % (self.process.returncode, self.last_error()))
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    m = LISTENING_RE.search(line.decode("utf-8", "replace"))
                    if m:
                        host = m.group("host").strip("[]")
                        if host in ("0.0.0.0", "::", ""):
                            host = "127.0.0.1"
                        return host, int(m.group("port"))

    def _drain(self):
        try:
            while os.read(self.process.stdout.fileno(), 65536):
                pass
        except (OSError, ValueError):
            pass

    def last_error(self):
        self.stderr.seek(0)
        lines = [l for l in self.stderr.read().decode("utf-8", "replace").splitlines() if l.strip()]
        return (": " + lines[-1].strip()) if lines else ""

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def run_load(load, server, size, conns, duration, warmup, cpu):
    command = [load, "--host", server.host, "--port", str(server.port),
               "--connections", str(conns), "--size", str(size),
               "--duration", str(duration), "--warmup", str(warmup),
               "--server-pid", str(server.process.pid)]
    argv, preexec = pinned(command, cpu)
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, preexec_fn=preexec,
                              # connecting thousands of clients one after the
                              # other takes a while on a busy machine
                              timeout=duration + warmup + 60 + conns / 25)
    except subprocess.TimeoutExpired:
        raise NotAvailable("echo-load did not finish")
    fields = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        for word in line.split():
            key, sep, value = word.partition("=")
            if sep:
                fields[key] = value
        if line.startswith("error="):
            fields["error"] = line[len("error="):]
    if "error" in fields or done.returncode != 0:
        why = fields.get("error", "echo-load exited with status %d" % done.returncode)
        if not server.alive():
            why += " (the server exited with status %s%s)" % (server.process.returncode,
                                                              server.last_error())
        raise NotAvailable(why)
    try:
        return {
            "req_s": float(fields["req_s"]),
            "p50_us": int(fields["p50_us"]),
            "p99_us": int(fields["p99_us"]),
            "requests": int(fields["requests"]),
            "cpu_us_per_req": float(fields["server_cpu_us_per_req"]),
            "client_cpu_us_per_req": float(fields["client_cpu_us_per_req"]),
        }
    except (KeyError, ValueError):
        raise NotAvailable("cannot read echo-load's output: %r" % done.stdout[-200:])


def measure(name, command, load, size, conns, options):
    try:
        server = Server(command, options.server_cpu)
    except NotAvailable as error:
        # It would not start for the next runs either.
        return {"error": str(error), "fatal": True}
    try:
        return run_load(load, server, size, conns, options.duration, options.warmup,
                        options.load_cpu)
    except NotAvailable as error:
        return {"error": str(error)}
    finally:
        server.stop()


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise NotAvailable("no VmRSS in /proc/%d/status" % pid)


def raise_fd_limit(wanted):
    """Raises the soft limit on open files (the servers inherit it)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = new
    return soft


def open_echoed(host, port, count, payload, sockets, batch=100):
    """Opens @count connections, each echoing @payload once; keeps them.

    In batches: connect (the kernel completes it from the listen backlog),
    send on every connection of the batch, then read every echo, so that
    the server serves a batch per wake-up rather than one round trip at a
    time (which a busy machine makes slow)."""
    import socket
    done = 0
    while done < count:
        group = []
        for _ in range(min(batch, count - done)):
            sock = socket.create_connection((host, port), timeout=60)
            sockets.append(sock)
            group.append(sock)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for sock in group:
            sock.sendall(payload)
        for sock in group:
            got = b""
            while len(got) < len(payload):
                chunk = sock.recv(len(payload) - len(got))
                if not chunk:
                    raise NotAvailable("a connection closed before its echo")
                got += chunk
            if got != payload:
                raise NotAvailable("wrong echo")
        done += len(group)


def measure_memory(command, count, cpu, batch):
    """KiB of server VmRSS per open idle connection after one 64-byte echo."""
    payload = bytes(range(64))
    server = Server(command, cpu)
    sockets = []
    try:
        open_echoed(server.host, server.port, 1, payload, sockets)
        time.sleep(0.2)  # let the server settle (not a synchronisation)
        before = vm_rss_kib(server.process.pid)
        open_echoed(server.host, server.port, count, payload, sockets, batch)
        time.sleep(0.2)
        after = vm_rss_kib(server.process.pid)
        if not server.alive():
            raise NotAvailable("the server exited%s" % server.last_error())
        return {"before": before, "after": after, "per_conn": (after - before) / count}
    finally:
        for sock in sockets:
            sock.close()
        server.stop()


def memory_main(names, known, build, options):
    count = options.memory
    limit = raise_fd_limit(count + 256)
    if limit < count + 64:
        print("open files limited to %d: cannot hold %d connections" % (limit, count),
              file=sys.stderr)
        return 1
    print("# echo benchmark: memory per open connection")
    print()
    print("- %d connections, each echoing 64 bytes once, then idle and open; the server's "
          "VmRSS (/proc/PID/status) before and after, minus one warm connection" % count)
    print("- connections opened and echoed %d at a time" % options.batch)
    print("- one fresh server process per run; %d run(s) per server, interleaved" % options.repeat)
    print()
    sys.stdout.flush()
    results = {name: [] for name in names}
    for r in range(options.repeat):
        for name in names:
            try:
                m = measure_memory(known[name][1](build), count, options.server_cpu,
                                   options.batch)
            except NotAvailable as error:
                m = {"error": str(error)}
            results[name].append(m)
            if "error" in m:
                print("  %-15s n/a: %s" % (name, m["error"]), file=sys.stderr)
            else:
                print("  %-15s %8d KiB -> %8d KiB  %6.2f KiB/conn"
                      % (name, m["before"], m["after"], m["per_conn"]), file=sys.stderr)
            sys.stderr.flush()
    base = None
    print("| server | KiB per connection (median) | runs | RSS before → after (KiB, last run) |")
    print("|---|---:|---|---|")
    for name in names:
        ok = [m for m in results[name] if "error" not in m]
        if not ok:
            print("| %s | n/a | %s | |" % (name, results[name][0]["error"]))
            continue
        values = sorted(m["per_conn"] for m in ok)
        median = values[len(values) // 2]
        print("| %s | %.2f | %s | %d → %d |"
              % (name, median, " ".join("%.2f" % v for v in values), ok[-1]["before"],
                 ok[-1]["after"]))
    print()
    return 0


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def print_tables(results, names, cells):
    print("| server | size | conns | req/s | p50 µs | p99 µs | server CPU µs/req |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    notes = []
    for name in names:
        errors = {}
        for size, conns in cells:
            r = results[name, size, conns]
            if "error" in r:
                print("| %s | %s | %d | n/a | n/a | n/a | n/a |" % (name, size_label(size), conns))
                errors.setdefault(r["error"], []).append("%s × %d" % (size_label(size), conns))
            else:
                print("| %s | %s | %d | %.0f | %d | %d | %.2f |"
                      % (name, size_label(size), conns, r["req_s"], r["p50_us"], r["p99_us"],
                         r["cpu_us_per_req"]))
        for error, where in errors.items():
            notes.append("%s (%s): %s" % (name, "all runs" if len(where) == len(cells)
                                          else ", ".join(where), error))
    print()
    for note in notes:
        print("- n/a: " + note)
    if notes:
        print()

    header = ["ratio of CPU µs/req", "target"] + ["%s × %d" % (size_label(s), c) for s, c in cells]
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---|" * len(cells))
    verdicts = []
    for num, den, op, target in TARGETS:
        row = ["%s / %s" % (num, den), "%s %.1f" % ("≤" if op == "<=" else "≥", target)]
        for size, conns in cells:
            a, b = results.get((num, size, conns), {}), results.get((den, size, conns), {})
            if "cpu_us_per_req" not in a or "cpu_us_per_req" not in b or b["cpu_us_per_req"] <= 0:
                row.append("n/a")
                continue
            ratio = a["cpu_us_per_req"] / b["cpu_us_per_req"]
            ok = ratio <= target if op == "<=" else ratio >= target
            verdicts.append(ok)
            row.append("%.2f %s" % (ratio, "PASS" if ok else "MISS"))
        print("| " + " | ".join(row) + " |")
    print()
    return verdicts


def main(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog="Servers: " + ", ".join(name for name, _, _ in SERVERS))
    parser.add_argument("--build-dir", default=os.environ.get("MESON_BUILD_ROOT"),
                        help="the meson build directory (default: $MESON_BUILD_ROOT)")
    parser.add_argument("--servers", default=",".join(name for name, _, _ in SERVERS),
                        help="comma-separated servers to run (default: all)")
    parser.add_argument("--sizes", default="64,1024", help="message sizes in bytes")
    parser.add_argument("--conns", default="10,200", help="numbers of connections")
    parser.add_argument("--duration", type=float, default=None,
                        help="measured seconds per run (default 3, --quick 0.5)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="warm-up seconds per run (default 1, --quick 0.3)")
    parser.add_argument("--quick", action="store_true",
                        help="short runs, to check that everything works")
    parser.add_argument("--server-cpu", type=int, default=None,
                        help="CPU for the servers (default: the last allowed one)")
    parser.add_argument("--load-cpu", type=int, default=None,
                        help="CPU for echo-load (default: the first allowed one)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to CPUs")
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="measure memory per open connection with N connections instead")
    parser.add_argument("--batch", type=int, default=100,
                        help="--memory: connections opened and echoed at a time (default 100; "
                             "1 is one round trip after the other, slow on a busy machine)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per server in --memory mode (default 1)")
    options = parser.parse_args(argv)

    if not options.build_dir:
        parser.error("--build-dir is required (the meson build directory)")
    build = os.path.abspath(options.build_dir)
    load = os.path.join(build, "bench", "echo", "echo-load")
    if not os.access(load, os.X_OK):
        parser.error("%s not found: build the project first (meson compile -C %s)"
                     % (load, options.build_dir))
    if options.duration is None:
        options.duration = 0.5 if options.quick else 3.0
    if options.warmup is None:
        options.warmup = 0.3 if options.quick else 1.0

    known = {name: (desc, command) for name, desc, command in SERVERS}
    names = [n.strip() for n in options.servers.split(",") if n.strip()]
    for name in names:
        if name not in known:
            parser.error("unknown server %r (known: %s)" % (name, ", ".join(known)))
    try:
        sizes = [int(s) for s in options.sizes.split(",")]
        conn_counts = [int(c) for c in options.conns.split(",")]
    except ValueError:
        parser.error("--sizes and --conns take comma-separated integers")
    cells = [(s, c) for s in sizes for c in conn_counts]

    allowed = sorted(os.sched_getaffinity(0))
    if options.no_pin or len(allowed) < 2:
        options.server_cpu = options.load_cpu = None
    else:
        if options.server_cpu is None:
            options.server_cpu = allowed[-1]
        if options.load_cpu is None:
            options.load_cpu = allowed[0]

    if options.memory > 0:
        return memory_main(names, known, build, options)

    print("# echo benchmark: %s" % ("quick run (smoke test: the numbers are noise)"
                                    if options.quick else "full run"))
    print()
    print("- %.1f s measured after %.1f s of warm-up per run; one fresh server process per run"
          % (options.duration, options.warmup))
    print("- server on CPU %s, echo-load on CPU %s (of %d); load average at start: %s"
          % (options.server_cpu, options.load_cpu, os.cpu_count(),
             " ".join("%.2f" % l for l in os.getloadavg())))
    print("- CPU µs/req: the server's user + system time over the measured window "
          "(/proc/PID/stat), divided by the requests completed in it")
    print()
    sys.stdout.flush()

    results = {}
    for name in names:
        command = known[name][1](build)
        unavailable = None
        for size, conns in cells:
            r = unavailable or measure(name, command, load, size, conns, options)
            results[name, size, conns] = r
            if r.get("fatal"):
                unavailable = r
            if "error" in r:
                print("  %-15s %7s × %-4d n/a: %s" % (name, size_label(size), conns, r["error"]),
                      file=sys.stderr)
            else:
                print("  %-15s %7s × %-4d %9.0f req/s  %8.2f CPU µs/req"
                      % (name, size_label(size), conns, r["req_s"], r["cpu_us_per_req"]),
                      file=sys.stderr)
            sys.stderr.flush()

    print_tables(results, names, cells)
    print("load average at end: %s" % " ".join("%.2f" % l for l in os.getloadavg()))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
