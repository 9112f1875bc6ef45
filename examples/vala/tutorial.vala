/* tutorial.vala: the aiomisc tutorial in Vala.
 *
 * Two services under an entrypoint until Ctrl-C (SIGINT) or SIGTERM:
 *
 * - InfinityService is long-running: its start says it is ready, then logs
 *   every second until the entrypoint cancels it;
 * - OrdinaryService starts, and stops on shutdown.
 *
 * The Python original:
 *
 *     class InfinityService(aiomisc.Service):
 *         async def start(self):
 *             self.start_event.set()
 *             while True:
 *                 log.info("Hello from service")
 *                 await asyncio.sleep(1)
 *
 *     class OrdinaryService(aiomisc.Service):
 *         async def start(self):
 *             log.info("Starting")
 *
 *         async def stop(self, exception=None):
 *             log.info("Stopping")
 *
 *     with aiomisc.entrypoint(OrdinaryService(), InfinityService(),
 *                             log_level="info") as loop:
 *         loop.run_forever()
 *
 * Run it with an interval in milliseconds to log faster: `vala-tutorial 200`.
 *
 * SPDX-License-Identifier: MIT
 */

/* A long-running service: start lasts for the whole life of the service. */
class InfinityService : Aio.Service {
    public uint interval_ms { get; construct; }

    public InfinityService (uint interval_ms = 1000) {
        Object (name: "infinity", interval_ms: interval_ms);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        uint count = 0;

        set_ready ();                   /* aiomisc's self.start_event.set () */

        /* Stopping the service cancels @cancellable: the loop ends. */
        while (!cancellable.is_cancelled ()) {
            message ("%s: Hello from service (%u)", name, ++count);
            yield Example.sleep (interval_ms, cancellable);
        }

        message ("%s: cancelled after %u greetings", name, count);
        return true;
    }
}

/* An ordinary service: start completes once it is up; stop tears it down. */
class OrdinaryService : Aio.Service {
    public OrdinaryService () {
        Object (name: "ordinary");
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        message ("%s: Starting", name);
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        message ("%s: Stopping (%s)", name, reason != null ? reason.message : "normal shutdown");
        return true;
    }
}

int main (string[] args) {
    var interval_ms = args.length > 1 ? (uint) uint64.parse (args[1]) : 1000;
    var entrypoint = new Aio.Entrypoint ();

    entrypoint.log_level = Aio.LogLevel.INFO;
    entrypoint.add_service (new OrdinaryService ());
    entrypoint.add_service (new InfinityService (interval_ms > 0 ? interval_ms : 1000));

    message ("Running; press Ctrl-C to stop");
    try {
        /* Starts the services, runs until SIGINT/SIGTERM, stops them. */
        entrypoint.run ();
    } catch (Aio.Error.SHUTDOWN_TIMEOUT e) {
        printerr ("vala-tutorial: %s\n", e.message);
        return 70;                      /* aiomisc's exit status on a shutdown timeout */
    } catch (Error e) {
        printerr ("vala-tutorial: %s\n", e.message);
        return 1;
    }

    message ("Bye");
    return 0;
}
