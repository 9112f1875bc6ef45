/* echo-server.vala: a TCP echo server under an entrypoint, in Vala.
 *
 *     vala-echo-server [--address ADDRESS] [--port PORT] [--streams | --protocol]
 *
 * It prints "listening on HOST:PORT" on stdout once it serves and runs until
 * SIGINT or SIGTERM, then stops gracefully. Two ways to serve, as
 * Aio.TcpServer offers:
 *
 * - --streams (the default): handle_client_async is a Vala `async` method
 *   that reads the client's stream and writes back what it read, until the
 *   client closes;
 * - --protocol: an Aio.StreamProtocol whose data_received writes the data
 *   back through the transport.
 *
 * The aiomisc original:
 *
 *     class EchoServer(TCPServer):
 *         async def handle_client(self, reader, writer):
 *             while data := await reader.read(65536):
 *                 writer.write(data)
 *                 await writer.drain()
 *
 *     with aiomisc.entrypoint(EchoServer(address="127.0.0.1", port=8000)) as loop:
 *         loop.run_forever()
 *
 * SPDX-License-Identifier: MIT
 */

/* The streams path: one coroutine per client. */
class EchoServer : Aio.TcpServer {
    public override async bool handle_client_async (IOStream stream, Cancellable? cancellable) throws Error {
        var input = stream.input_stream;
        var output = stream.output_stream;
        var buffer = new uint8[65536];

        while (true) {
            /* A reset, or the stop's cancellation, is thrown: the server logs it. */
            var n = yield input.read_async (buffer, Priority.DEFAULT, cancellable);
            if (n == 0)
                break;                  /* the client closed its side */
            size_t written;
            yield output.write_all_async (buffer[0:n], Priority.DEFAULT, cancellable, out written);
        }
        return true;                    /* the server closes the stream */
    }
}

/* The protocol path: the server makes one per client. */
class EchoProtocol : Aio.StreamProtocol {
    private Aio.Transport? transport;

    public override void connection_made (Aio.Transport transport) {
        this.transport = transport;
    }

    public override void data_received (uint8[] data) {
        transport.write (data);
    }

    public override void connection_lost (Error? error) {
        transport = null;
    }
}

static string? opt_address = null;
static int opt_port = 8000;
static bool opt_streams = false;
static bool opt_protocol = false;

const OptionEntry[] OPTIONS = {
    { "address", 'a', OptionFlags.NONE, OptionArg.STRING, ref opt_address, "Address to bind (default 127.0.0.1)", "ADDRESS" },
    { "port", 'p', OptionFlags.NONE, OptionArg.INT, ref opt_port, "Port to bind, 0 for any (default 8000)", "PORT" },
    { "streams", 's', OptionFlags.NONE, OptionArg.NONE, ref opt_streams, "Serve on the streams path (the default)", null },
    { "protocol", 'P', OptionFlags.NONE, OptionArg.NONE, ref opt_protocol, "Serve on the protocol path", null },
    { null }
};

int main (string[] args) {
    try {
        var context = new OptionContext ("- an echo server");
        context.add_main_entries (OPTIONS, null);
        context.parse (ref args);
    } catch (OptionError e) {
        printerr ("vala-echo-server: %s\n", e.message);
        return 2;
    }
    if (opt_streams && opt_protocol) {
        printerr ("vala-echo-server: --protocol and --streams exclude each other\n");
        return 2;
    }
    if (opt_port < 0 || opt_port > uint16.MAX) {
        printerr ("vala-echo-server: invalid --port %d\n", opt_port);
        return 2;
    }

    Aio.TcpServer server;
    if (opt_protocol)
        server = (Aio.TcpServer) Object.new (typeof (Aio.TcpServer),
                                             protocol_type: typeof (EchoProtocol));
    else
        server = new EchoServer ();
    server.name = "echo";
    server.address = opt_address ?? "127.0.0.1";
    server.port = (uint) opt_port;

    var entrypoint = new Aio.Entrypoint ();
    entrypoint.log_level = Aio.LogLevel.INFO;
    entrypoint.add_service (server);
    /* Tells where the server listens (the bound port, with --port 0). */
    entrypoint.post_start.connect (() => {
        var host = server.address.contains (":") ? @"[$(server.address)]" : server.address;
        print ("listening on %s:%u\n", host, server.port);
        stdout.flush ();
    });

    try {
        /* Starts the server, runs until SIGINT/SIGTERM, stops it. */
        entrypoint.run ();
    } catch (Error e) {
        printerr ("vala-echo-server: %s\n", e.message);
        return 1;
    }
    return 0;
}
