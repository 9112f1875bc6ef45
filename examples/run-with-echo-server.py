#!/usr/bin/python3
# run-with-echo-server.py: runs a client example against a throw-away echo
# server.
#
# SPDX-License-Identifier: MIT
"""Start a line-echo server on 127.0.0.1 (port 0), then run a command with
every "{port}" in its arguments replaced by the bound port.

    run-with-echo-server.py COMMAND [ARG...]

The server echoes whatever it receives on each connection until the client
closes it; it lives in this process and ends with it. The exit status is
the command's. Plain standard library.
"""

import socket
import subprocess
import sys
import threading


def serve_client(client):
    with client:
        while True:
            data = client.recv(65536)
            if not data:
                return
            client.sendall(data)


def serve(listener):
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve_client, args=(client,), daemon=True).start()


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    command = [arg.replace("{port}", str(port)) for arg in argv]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
