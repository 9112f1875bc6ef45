/* http-server.vala: an HTTP service with a hello handler, health and metrics.
 *
 *     vala-http-server [--address ADDRESS] [--port PORT] [--drain-timeout SECONDS]
 *
 * The Vala twin of examples/http-server.c. It prints "listening on
 * HOST:PORT" on stdout once it serves and runs until SIGINT or SIGTERM, then
 * stops gracefully: new connections are refused and the requests in
 * progress get --drain-timeout seconds to finish.
 *
 *     GET /  or  /hello?name=NAME   hello, NAME
 *     GET /metrics                  Prometheus text (statistics, process, services)
 *     GET /healthz                  200 when every service runs, else 503
 *     GET /readyz                   the same, for readiness probes
 *
 * The handler is a lambda; Aio.MetricsService.mount puts the three endpoints
 * on the same service (the longest path prefix wins, so "/" only gets what
 * nothing else takes).
 *
 * SPDX-License-Identifier: MIT
 */

static string? opt_address = null;
static int opt_port = 8080;
static double opt_drain_timeout = 5;

const OptionEntry[] OPTIONS = {
    { "address", 'a', OptionFlags.NONE, OptionArg.STRING, ref opt_address, "Address to bind (default 127.0.0.1)", "ADDRESS" },
    { "port", 'p', OptionFlags.NONE, OptionArg.INT, ref opt_port, "Port to bind, 0 for any (default 8080)", "PORT" },
    { "drain-timeout", 'd', OptionFlags.NONE, OptionArg.DOUBLE, ref opt_drain_timeout,
      "Seconds the requests in progress get at a stop (default 5)", "SECONDS" },
    { null }
};

int main (string[] args) {
    try {
        var context = new OptionContext ("- an HTTP service");
        context.add_main_entries (OPTIONS, null);
        context.parse (ref args);
    } catch (OptionError e) {
        printerr ("vala-http-server: %s\n", e.message);
        return 2;
    }
    if (opt_port < 0 || opt_port > uint16.MAX || !(opt_drain_timeout >= 0)) {
        printerr ("vala-http-server: invalid --port %d or --drain-timeout %g\n",
                  opt_port, opt_drain_timeout);
        return 2;
    }

    var service = new Aio.HttpService (opt_address ?? "127.0.0.1", (uint) opt_port);
    service.name = "http";
    service.drain_timeout = opt_drain_timeout;
    service.add_handler ("/", (s, msg, path, query) => {
        if (path != "/" && path != "/hello") {
            msg.set_status (Soup.Status.NOT_FOUND, null);
            return;
        }
        var name = query != null ? query.lookup ("name") : null;
        msg.set_status (Soup.Status.OK, null);
        msg.set_response ("text/plain; charset=utf-8", Soup.MemoryUse.COPY,
                          ("hello, %s\n".printf (name ?? "world")).data);
    });

    var entrypoint = new Aio.Entrypoint ();
    entrypoint.log_level = Aio.LogLevel.INFO;
    entrypoint.add_service (service);
    /* /metrics, /healthz and /readyz on the same port */
    Aio.MetricsService.mount (service, entrypoint);
    /* Tells where the service listens (the bound port, with --port 0). */
    entrypoint.post_start.connect (() => {
        var host = service.address.contains (":") ? @"[$(service.address)]" : service.address;
        print ("listening on %s:%u\n", host, service.port);
        stdout.flush ();
    });

    try {
        /* Starts the service, runs until SIGINT/SIGTERM, stops it. */
        entrypoint.run ();
    } catch (Error e) {
        printerr ("vala-http-server: %s\n", e.message);
        return 1;
    }
    return 0;
}
