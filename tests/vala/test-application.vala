/* test-application.vala: an Aio.Entrypoint attached to a GLib.Application,
 * through the generated aiomisc-glib-1.vapi, on a private session bus.
 *
 * SPDX-License-Identifier: MIT
 */

/* A service whose stop completes from the main loop. */
class SlowStop : Aio.Service {
    public bool stopped = false;

    public override async bool start_async (Cancellable? cancellable) throws GLib.Error {
        return true;
    }

    public override async bool stop_async (GLib.Error? reason, Cancellable? cancellable) throws GLib.Error {
        Timeout.add (20, stop_async.callback);
        yield;
        stopped = true;
        return true;
    }
}

void test_quit_stops_services () {
    var bus = new TestDBus (TestDBusFlags.NONE);
    bus.up ();

    var app = new GLib.Application (null, ApplicationFlags.NON_UNIQUE);
    var ep = (Aio.Entrypoint) Object.new (typeof (Aio.Entrypoint), "log-config", false);
    var slow = (SlowStop) Object.new (typeof (SlowStop), "name", "slow");
    var post_start = false;

    ep.add_service (slow);
    app.activate.connect (() => app.hold ());
    ep.post_start.connect (() => {
        post_start = true;
        assert (slow.get_state () == Aio.ServiceState.RUNNING);
        /* Quits the application, as a signal or a failure would. */
        ep.quit ();
    });
    ep.attach_application (app);

    var status = app.run (null);
    assert (status == 0);
    assert (post_start);
    assert (slow.stopped);
    assert (slow.get_state () == Aio.ServiceState.STOPPED);

    app = null;
    ep = null;
    bus.down ();
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/Aio/Vala/Application/quit-stops-services", test_quit_stops_services);
    return Test.run ();
}
