/* run-shortcut.vala: Aio.run_services, aiomisc's `aiomisc.run(main, *services)`:
 * builds an entrypoint, starts the services, runs the main to completion,
 * stops the services and returns what the main returned.
 *
 * The Python original:
 *
 *     async def main():
 *         log.info("Services are running")
 *         await asyncio.sleep(0.5)
 *
 *     aiomisc.run(main(), GreeterService(), TickerService())
 *
 * Run it with the duration of the main in milliseconds: `vala-run-shortcut 2000`.
 *
 * SPDX-License-Identifier: MIT
 */

uint main_ms = 500;

/* An ordinary service. */
class GreeterService : Aio.Service {
    public GreeterService () {
        Object (name: "greeter");
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        message ("%s: hello", name);
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        message ("%s: goodbye", name);
        return true;
    }
}

/* A long-running service that ticks until it is stopped. */
class TickerService : Aio.Service {
    public uint ticks { get; private set; }

    public TickerService () {
        Object (name: "ticker");
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        set_ready ();
        while (yield Example.sleep (100, cancellable))
            ticks++;
        message ("%s: %u ticks", name, ticks);
        return true;
    }
}

async void main_async (Aio.Entrypoint entrypoint, Task task, TickerService ticker) {
    message ("main: %u services are running", entrypoint.dup_services ().length);
    yield Example.sleep (main_ms, task.get_cancellable ());
    if (task.return_error_if_cancelled ())
        return;
    message ("main: done after %u ticks", ticker.ticks);
    task.return_boolean (true);
}

int main (string[] args) {
    var ticker = new TickerService ();
    Aio.Service[] services = { new GreeterService (), ticker };

    if (args.length > 1)
        main_ms = (uint) uint64.parse (args[1]);

    try {
        if (!Aio.run_services ((ep, task) => main_async.begin (ep, task, ticker), services))
            return 1;
    } catch (Error e) {
        printerr ("vala-run-shortcut: %s\n", e.message);
        return 1;
    }
    return 0;
}
