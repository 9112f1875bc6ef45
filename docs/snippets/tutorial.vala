/* SPDX-License-Identifier: MIT */

// snippet: ordinary
/* An ordinary service: start completes once the service is up, stop tears
 * it down. Both are `async` methods: Vala turns them into the
 * start_async/start_finish pair of the class. */
class Greeter : Aio.Service {
    private uint timer_id;

    public override async bool start_async (Cancellable? cancellable) throws Error {
        /* Coming up may take a while: yield until it is done. */
        Idle.add (start_async.callback);
        yield;
        timer_id = Timeout.add (10, () => Source.CONTINUE);
        message ("%s: up", name);
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        Source.remove (timer_id);
        message ("%s: down (%s)", name, reason != null ? reason.message : "normal stop");
        return true;
    }
}
// end snippet

// snippet: long-running
/* A long-running service: start runs for the whole life of the service,
 * calls set_ready() once it is up and returns when its cancellable is
 * cancelled, which is what stopping it does. */
class Ticker : Aio.Service {
    public uint ticks;

    public override async bool start_async (Cancellable? cancellable) throws Error {
        var id = Timeout.add (10, () => {
            ticks++;
            return Source.CONTINUE;
        });
        set_ready ();                       /* aiomisc's start_event.set() */

        /* Resume from an idle, not inside the ::cancelled emission. */
        if (!cancellable.is_cancelled ()) {
            var cancelled_id = cancellable.connect (() => {
                Idle.add (start_async.callback);
            });
            yield;
            cancellable.disconnect (cancelled_id);
        }
        Source.remove (id);
        message ("%s: stopped after %u ticks", name, ticks);
        return true;
    }
}
// end snippet

// snippet: threads
/* Blocking work goes to the entrypoint's thread pool; the result comes
 * back on the main loop. */
async string checksum (string text) throws Error {
    Value value;

    yield Aio.run_in_thread_value_async ((cancellable) => {
        /* On a worker thread: the main loop keeps running. */
        return Checksum.compute_for_string (ChecksumType.SHA256, text);
    }, null, out value);
    return (string) value;
}
// end snippet

// snippet: main
/* The async main of Entrypoint.run_main(): it runs once every service is
 * up, and completes its task when the program is done. */
async void work (Aio.Entrypoint entrypoint, Task task, Ticker ticker) {
    try {
        var sum = yield checksum ("aiomisc-glib");
        message ("sha256: %s", sum);
        while (ticker.ticks < 3) {
            Timeout.add (10, work.callback);
            yield;
        }
        task.return_boolean (true);
    } catch (Error e) {
        task.return_error ((owned) e);
    }
}

int main () {
    var greeter = new Greeter ();
    var ticker = new Ticker ();
    greeter.name = "greeter";
    ticker.name = "ticker";

    /* The entrypoint's properties are aiomisc's entrypoint keywords. */
    var entrypoint = (Aio.Entrypoint) Object.new (typeof (Aio.Entrypoint),
                                                  "log-level", Aio.LogLevel.INFO,
                                                  "shutdown-timeout", 5.0);
    entrypoint.add_service (greeter);
    entrypoint.add_service (ticker);

    try {
        entrypoint.run_main ((ep, task) => work.begin (ep, task, ticker));
    } catch (Error e) {
        printerr ("%s\n", e.message);
        return 1;
    }
    return greeter.get_state () == Aio.ServiceState.STOPPED ? 0 : 1;
}
// end snippet
