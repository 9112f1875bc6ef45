#!/usr/bin/python3
# http_aiohttp.py: the Python baseline of the HTTP benchmark
#
# SPDX-License-Identifier: MIT
"""An aiohttp hello server (what aiomisc's aiohttp service runs).

    /usr/bin/python3 http_aiohttp.py [--port 0] [--uvloop]

GET /hello answers "hello, world\\n", as examples/http-server does. Prints
"listening on 127.0.0.1:PORT" once bound and serves until killed. Run it
with Debian's /usr/bin/python3 (python3-aiohttp, python3-uvloop).
"""

import argparse
import asyncio

from aiohttp import web


async def hello(request):
    return web.Response(text='hello, %s\n' % request.query.get('name', 'world'))


async def main(port):
    app = web.Application()
    app.router.add_get('/hello', hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', port, backlog=1024)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]
    print('listening on 127.0.0.1:%d' % bound, flush=True)
    await asyncio.Event().wait()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--uvloop', action='store_true')
    args = parser.parse_args()
    if args.uvloop:
        import uvloop
        uvloop.install()
    asyncio.run(main(args.port))
