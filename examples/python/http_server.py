#!/usr/bin/python3
# http_server.py: an HTTP service with a hello handler, health and metrics.
#
# SPDX-License-Identifier: MIT
"""An HTTP service, the Python twin of examples/http-server.c. It prints
``listening on HOST:PORT`` once it serves and runs until SIGINT or SIGTERM,
then stops gracefully: new connections are refused and the requests in
progress get ``--drain-timeout`` seconds to finish.

    GET /  or  /hello?name=NAME   hello, NAME
    GET /metrics                  Prometheus text (statistics, process, services)
    GET /healthz                  200 when every service runs, else 503
    GET /readyz                   the same, for readiness probes

The handler is a plain function; ``Aio.MetricsService.mount`` puts the three
endpoints on the same service (the longest path prefix wins, so ``/`` only
gets what nothing else takes).

Usage: http_server.py [--address ADDRESS] [--port PORT] [--drain-timeout SECONDS]
"""

import argparse
import sys

import gi
gi.require_version('Aio', '1.0')
gi.require_version('Soup', '3.0')
from gi.repository import Aio, GLib, Soup  # noqa: E402


def hello(service, msg, path, query):
    if path not in ('/', '/hello'):
        msg.set_status(Soup.Status.NOT_FOUND, None)
        return
    name = (query or {}).get('name', 'world')
    msg.set_status(Soup.Status.OK, None)
    msg.set_response('text/plain; charset=utf-8', Soup.MemoryUse.COPY,
                     ('hello, %s\n' % name).encode('utf-8'))


def parse_args(argv):
    parser = argparse.ArgumentParser(description='An HTTP service.')
    parser.add_argument('--address', default='127.0.0.1',
                        help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8080,
                        help='port to bind, 0 for any free one (default 8080)')
    parser.add_argument('--drain-timeout', type=float, default=5.0,
                        help='seconds the requests in progress get at a stop (default 5)')
    options = parser.parse_args(argv)
    if not 0 <= options.port <= 65535:
        parser.error('invalid --port %d' % options.port)
    if not options.drain_timeout >= 0:
        parser.error('invalid --drain-timeout %g' % options.drain_timeout)
    return options


def main(argv):
    options = parse_args(argv[1:])
    service = Aio.HttpService(name='http', address=options.address, port=options.port,
                              drain_timeout=options.drain_timeout)
    service.add_handler('/', hello)

    try:
        with Aio.Entrypoint(service, log_level='info') as entrypoint:
            # /metrics, /healthz and /readyz on the same port
            Aio.MetricsService.mount(service, entrypoint)
            host = service.props.address
            print('listening on %s:%d' % ('[%s]' % host if ':' in host else host,
                                          service.props.port), flush=True)
            entrypoint.run_forever()     # until SIGINT or SIGTERM
    except GLib.Error as error:
        print('http_server: %s' % error.message, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
