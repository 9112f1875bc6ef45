/* test-http.vala: Aio.HttpService from Vala: a handler added as a lambda and
 * a subclass overriding handle_request, served over loopback TCP (port 0) to
 * an asynchronous GIO client. Nothing waits with a sleep.
 *
 * SPDX-License-Identifier: MIT
 */

const uint DEADLINE_S = 20;

class Teapot : Aio.HttpService {
    public override void handle_request (Soup.ServerMessage msg, string path,
                                         HashTable<string, string>? query) {
        msg.set_status (418, null);
        msg.set_response ("text/plain", Soup.MemoryUse.COPY, path.data);
    }
}

async string fetch (uint port, string path) throws Error {
    var client = new SocketClient ();
    client.enable_proxy = false;
    var connection = yield client.connect_to_host_async ("127.0.0.1", (uint16) port);
    var request = "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".printf (path);
    size_t written;
    yield connection.output_stream.write_all_async (request.data, Priority.DEFAULT, null, out written);
    var response = new StringBuilder ();
    while (true) {
        var bytes = yield connection.input_stream.read_bytes_async (4096);
        if (bytes.get_size () == 0)
            break;
        response.append_len ((string) bytes.get_data (), (ssize_t) bytes.get_size ());
    }
    return response.str;
}

async void exercise (Aio.HttpService service) throws Error {
    yield service.start_async (null);
    var port = service.port;
    assert (port != 0);
    var hello = yield fetch (port, "/hello?name=vala");
    assert (hello.has_prefix ("HTTP/1.1 200 OK\r\n"));
    assert (hello.has_suffix ("\r\n\r\nhello vala"));
    var other = yield fetch (port, "/other");
    if (service is Teapot) {
        assert (other.has_prefix ("HTTP/1.1 418 "));
        assert (other.has_suffix ("\r\n\r\n/other"));
    } else {
        assert (other.has_prefix ("HTTP/1.1 404 "));
    }
    yield service.stop_async (null, null);
}

void run (Aio.HttpService service) {
    service.add_handler ("/hello", (s, msg, path, query) => {
        var name = query != null ? query.lookup ("name") : null;
        msg.set_status (200, null);
        msg.set_response ("text/plain", Soup.MemoryUse.COPY, ("hello " + (name ?? "world")).data);
    });
    var loop = new MainLoop ();
    Error? failure = null;
    var deadline = Timeout.add_seconds (DEADLINE_S, () => {
        error ("the test did not complete within %u s", DEADLINE_S);
    });
    exercise.begin (service, (obj, res) => {
        try {
            exercise.end (res);
        } catch (Error e) {
            failure = e;
        }
        loop.quit ();
    });
    loop.run ();
    Source.remove (deadline);
    if (failure != null)
        error ("%s", failure.message);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/Aio/Vala/HttpService/handler", () => {
        run (new Aio.HttpService ("127.0.0.1", 0));
    });
    Test.add_func ("/Aio/Vala/HttpService/subclass", () => {
        run (new Teapot () { port = 0 });
    });
    return Test.run ();
}
