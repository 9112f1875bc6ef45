#!/usr/bin/python3
# echo_asyncio.py: the Python baselines of the echo benchmark
#
# SPDX-License-Identifier: MIT
"""An asyncio streams echo server: what aiomisc's TCPServer runs on.

    /usr/bin/python3 echo_asyncio.py [--host 127.0.0.1] [--port 0] [--uvloop]

asyncio.start_server() with, per connection, a loop of
reader.read(65536) / writer.write(data) / await writer.drain() until end of
stream, which is what an aiomisc TCPServer.handle_client does. --uvloop runs
the same code on uvloop (Debian's python3-uvloop) instead of asyncio's own
loop. Prints "listening on HOST:PORT" once bound, like examples/echo-server,
and serves until SIGINT or SIGTERM.

Run it with Debian's /usr/bin/python3, where python3-uvloop is installed.
"""

import argparse
import asyncio
import signal
import sys


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(host, port):
    server = await asyncio.start_server(handle, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()
    print("listening on %s:%d" % (bound[0], bound[1]), flush=True)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


def main():
    parser = argparse.ArgumentParser(description="asyncio streams echo server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--uvloop", action="store_true",
                        help="run on uvloop instead of asyncio's own loop")
    options = parser.parse_args()

    if options.uvloop:
        try:
            import uvloop
        except ImportError as error:
            sys.exit("echo_asyncio.py: --uvloop: %s (Debian: apt install python3-uvloop)" % error)
        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop) \
            if hasattr(asyncio, "Runner") else None
        if runner is None:
            uvloop.install()
            asyncio.run(serve(options.host, options.port))
        else:
            with runner:
                runner.run(serve(options.host, options.port))
    else:
        asyncio.run(serve(options.host, options.port))


if __name__ == "__main__":
    main()
