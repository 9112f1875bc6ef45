/* test-network.vala: Aio.TcpServer, Aio.StreamProtocol and Aio.TcpClient
 * subclassed in Vala (`async` handle_client_async and
 * handle_connection_async, a protocol with data_received), started by an
 * Aio.Entrypoint and served over loopback TCP (port 0) to clients made with
 * GIO or Aio.TcpClient.
 *
 * Each test is one coroutine run on a main loop with a deadline: nothing
 * waits with a sleep.
 *
 * SPDX-License-Identifier: MIT
 */

const uint DEADLINE_S = 20;

/* The messages logged, for the tests that check what the server said. */
GenericArray<string> logged;

LogWriterOutput record_log (LogLevelFlags level, LogField[] fields) {
    foreach (unowned LogField field in fields) {
        if (field.key == "MESSAGE" && field.length < 0)
            logged.add ((string) field.value);
    }
    if ((level & LogLevelFlags.LEVEL_DEBUG) != 0)
        return LogWriterOutput.HANDLED;   /* GIO's debug chatter */
    return Log.writer_default (level, fields);
}

bool was_logged (string text) {
    foreach (unowned string message in logged.data) {
        if (text in message)
            return true;
    }
    return false;
}

void assert_bytes (uint8[] got, string expected) {
    if (got.length != expected.length || Memory.cmp (got, expected.data, got.length) != 0)
        error ("got %d bytes, expected \"%s\"", got.length, expected);
}

/* Runs the coroutine behind @begin on a main loop until it completes (it
 * quits the loop from its callback), failing the test at the deadline. */
delegate void Begin (MainLoop loop);

void run_on_loop (Begin begin) {
    var loop = new MainLoop ();
    var deadline = Timeout.add_seconds (DEADLINE_S, () => {
        error ("the test did not complete within %u s", DEADLINE_S);
    });

    begin (loop);
    loop.run ();
    Source.remove (deadline);
}

/* ------------------------------------------------------------------ */
/* Servers                                                             */

/* The streams path: a coroutine per client echoes until the client closes. */
class EchoServer : Aio.TcpServer {
    public uint served;

    public override async bool handle_client_async (IOStream stream, Cancellable? cancellable) throws Error {
        var buffer = new uint8[16384];

        while (true) {
            var n = yield stream.input_stream.read_async (buffer, Priority.DEFAULT, cancellable);
            if (n == 0)
                break;
            if (Memory.cmp (buffer, "fail".data, 4) == 0)
                throw new IOError.INVALID_DATA ("asked to fail");
            size_t written;
            yield stream.output_stream.write_all_async (buffer[0:n], Priority.DEFAULT,
                                                        cancellable, out written);
        }
        served++;
        return true;
    }
}

/* The protocol path: echoes through the transport, counts the connections. */
class EchoProtocol : Aio.StreamProtocol {
    public static uint made;
    public static uint lost_cleanly;
    private Aio.Transport? transport;

    public override void connection_made (Aio.Transport transport) {
        this.transport = transport;
        made++;
    }

    public override void data_received (uint8[] data) {
        transport.write (data);
    }

    public override void connection_lost (Error? error) {
        if (error == null)
            lost_cleanly++;
        transport = null;
    }
}

/* An Aio.TcpClient: sends a line once connected and keeps the reply. */
class Pinger : Aio.TcpClient {
    public uint8[]? reply;
    public SourceFunc? replied;

    public override async bool handle_connection_async (IOStream connection, Cancellable? cancellable) throws Error {
        var buffer = new uint8[256];
        size_t written;

        yield connection.output_stream.write_all_async ("ping".data, Priority.DEFAULT,
                                                        cancellable, out written);
        var n = yield connection.input_stream.read_async (buffer, Priority.DEFAULT, cancellable);
        reply = buffer[0:n];
        if (replied != null)
            replied ();
        return true;
    }
}

/* ------------------------------------------------------------------ */
/* A client                                                            */

/* Sends @message, closes the sending side, and returns what came back
 * until the server closed. */
async uint8[] exchange (uint port, uint8[] message) throws Error {
    var client = new SocketClient ();
    client.enable_proxy = false;
    var connection = yield client.connect_to_host_async ("127.0.0.1", (uint16) port, null);
    size_t written;

    yield connection.output_stream.write_all_async (message, Priority.DEFAULT, null, out written);
    connection.socket.shutdown (false, true);

    var received = new ByteArray ();
    var buffer = new uint8[65536];
    while (true) {
        var n = yield connection.input_stream.read_async (buffer, Priority.DEFAULT, null);
        if (n == 0)
            break;
        received.append (buffer[0:n]);
    }
    yield connection.close_async (Priority.DEFAULT, null);
    return received.steal ();
}

/* Runs @count exchanges of @message at once; completes when all have. */
async void exchange_many (uint port, uint8[] message, uint count) throws Error {
    uint pending = count;
    Error? failure = null;

    for (uint i = 0; i < count; i++) {
        exchange.begin (port, message, (obj, res) => {
            try {
                var echoed = exchange.end (res);
                if (echoed.length != message.length || Memory.cmp (echoed, message, message.length) != 0)
                    failure = new IOError.FAILED ("client got %d bytes, not the %d sent",
                                                  echoed.length, message.length);
            } catch (Error e) {
                failure = e;
            }
            if (--pending == 0)
                exchange_many.callback ();
        });
    }
    yield;
    if (failure != null)
        throw failure;
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

async void streams_echo () throws Error {
    var server = (EchoServer) Object.new (typeof (EchoServer), name: "echo", port: 0);
    var entrypoint = new Aio.Entrypoint ();
    entrypoint.add_service (server);
    yield entrypoint.start_async (null);
    assert_cmpuint (server.port, CompareOperator.NE, 0);

    var echoed = yield exchange (server.port, "hello, vala".data);
    assert_bytes (echoed, "hello, vala");

    /* Several clients at once, a message of 256 KiB each: many reads. */
    var big = new uint8[256 * 1024];
    for (int i = 0; i < big.length; i++)
        big[i] = (uint8) (i * 7);
    yield exchange_many (server.port, big, 4);
    assert_cmpuint (server.served, CompareOperator.EQ, 5);

    yield entrypoint.stop_async (null);
    assert_cmpuint (server.get_n_connections (), CompareOperator.EQ, 0);
}

void test_streams_echo () {
    run_on_loop ((loop) => streams_echo.begin ((obj, res) => {
        try {
            streams_echo.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    }));
}

async void handler_error () throws Error {
    var server = (EchoServer) Object.new (typeof (EchoServer), name: "failing-echo", port: 0);
    var entrypoint = new Aio.Entrypoint ();
    entrypoint.add_service (server);
    yield entrypoint.start_async (null);

    /* The handler throws: the client is closed without a reply... */
    var echoed = yield exchange (server.port, "fail, please".data);
    assert_cmpint (echoed.length, CompareOperator.EQ, 0);
    assert_true (was_logged ("Server 'failing-echo': client 127.0.0.1:"));
    assert_true (was_logged ("failed: asked to fail"));

    /* ...and the server goes on. */
    echoed = yield exchange (server.port, "still there?".data);
    assert_bytes (echoed, "still there?");
    assert_true (server.get_state () == Aio.ServiceState.RUNNING);

    yield entrypoint.stop_async (null);
}

void test_handler_error () {
    run_on_loop ((loop) => handler_error.begin ((obj, res) => {
        try {
            handler_error.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    }));
}

async void protocol_echo () throws Error {
    var server = (Aio.TcpServer) Object.new (typeof (Aio.TcpServer), name: "protocol-echo",
                                             port: 0, protocol_type: typeof (EchoProtocol));
    var entrypoint = new Aio.Entrypoint ();
    entrypoint.add_service (server);
    yield entrypoint.start_async (null);

    yield exchange_many (server.port, "ping over the protocol path".data, 3);
    assert_cmpuint (EchoProtocol.made, CompareOperator.EQ, 3);

    yield entrypoint.stop_async (null);
    assert_cmpuint (EchoProtocol.lost_cleanly, CompareOperator.EQ, 3);
}

void test_protocol_echo () {
    run_on_loop ((loop) => protocol_echo.begin ((obj, res) => {
        try {
            protocol_echo.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    }));
}

async void client_to_server () throws Error {
    var server = (EchoServer) Object.new (typeof (EchoServer), name: "echo", port: 0);
    var entrypoint = new Aio.Entrypoint ();
    entrypoint.add_service (server);
    yield entrypoint.start_async (null);

    var pinger = (Pinger) Object.new (typeof (Pinger), name: "pinger",
                                      address: "127.0.0.1", port: server.port);
    yield pinger.start_async (null);      /* up once connected */
    if (pinger.reply == null) {
        pinger.replied = client_to_server.callback;
        yield;                            /* until the handler has the reply */
    }
    assert_bytes ((!) pinger.reply, "ping");
    yield pinger.stop_async (null, null);

    yield entrypoint.stop_async (null);
}

void test_client_to_server () {
    run_on_loop ((loop) => client_to_server.begin ((obj, res) => {
        try {
            client_to_server.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    }));
}

int main (string[] args) {
    Test.init (ref args);
    /* A failing handler is logged as a warning by the server: not fatal here. */
    Log.set_always_fatal (LogLevelFlags.FLAG_RECURSION | LogLevelFlags.LEVEL_ERROR |
                          LogLevelFlags.LEVEL_CRITICAL);
    logged = new GenericArray<string> ();
    Log.set_writer_func (record_log);

    Test.add_func ("/Aio/Vala/TcpServer/streams-echo", test_streams_echo);
    Test.add_func ("/Aio/Vala/TcpServer/handler-error", test_handler_error);
    Test.add_func ("/Aio/Vala/TcpServer/protocol-echo", test_protocol_echo);
    Test.add_func ("/Aio/Vala/TcpClient/handle-connection", test_client_to_server);

    return Test.run ();
}
