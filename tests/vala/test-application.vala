/* test-application.vala: an Aio.Entrypoint attached to a GLib.Application,
 * and an Aio.DBusService subclassed in Vala, through the generated
 * aiomisc-glib-1.vapi, on a private session bus.
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

/* The object a Vala D-Bus service exports. */
[DBus (name = "org.aiomisc.ValaEcho")]
class Echo : Object {
    public string echo (string text) throws GLib.Error {
        return text;
    }
}

/* Exports it by overriding the export_objects/unexport_objects virtual methods. */
class EchoService : Aio.DBusService {
    public uint registration = 0;
    public uint exports = 0;

    public override bool export_objects (DBusConnection connection) throws GLib.Error {
        registration = connection.register_object ("/org/aiomisc/ValaEcho", new Echo ());
        exports++;
        return true;
    }

    public override void unexport_objects (DBusConnection connection) {
        connection.unregister_object (registration);
        registration = 0;
    }
}

/* Iterates the default main context until @done, with a deadline. */
void drive (ref bool done) {
    var deadline = get_monotonic_time () + 20 * TimeSpan.SECOND;

    while (!done) {
        assert (get_monotonic_time () < deadline);
        MainContext.default ().iteration (true);
    }
}

void test_dbus_service () {
    var bus = new TestDBus (TestDBusFlags.NONE);
    bus.up ();

    try {
        var flags = DBusConnectionFlags.AUTHENTICATION_CLIENT | DBusConnectionFlags.MESSAGE_BUS_CONNECTION;
        var own = new DBusConnection.for_address_sync (bus.get_bus_address (), flags);
        var client = new DBusConnection.for_address_sync (bus.get_bus_address (), flags);
        var service = (EchoService) Object.new (typeof (EchoService), "name", "echo",
                                                "connection", own,
                                                "bus-name", "org.aiomisc.ValaEcho");
        var ep = (Aio.Entrypoint) Object.new (typeof (Aio.Entrypoint), "log-config", false);
        var done = false;

        ep.add_service (service);
        ep.start_async.begin (null, (obj, res) => {
            try {
                ep.start_async.end (res);
            } catch (GLib.Error e) {
                error ("start: %s", e.message);
            }
            done = true;
        });
        drive (ref done);
        assert (service.exports == 1);

        string? echoed = null;
        var answered = false;
        client.call.begin ("org.aiomisc.ValaEcho", "/org/aiomisc/ValaEcho", "org.aiomisc.ValaEcho",
                           "Echo", new Variant ("(s)", "from vala"), new VariantType ("(s)"),
                           DBusCallFlags.NONE, 10000, null, (obj, res) => {
            try {
                client.call.end (res).get ("(s)", out echoed);
            } catch (GLib.Error e) {
                error ("call: %s", e.message);
            }
            answered = true;
        });
        drive (ref answered);
        assert (echoed == "from vala");

        done = false;
        ep.stop_async.begin (null, (obj, res) => {
            try {
                ep.stop_async.end (res);
            } catch (GLib.Error e) {
                error ("stop: %s", e.message);
            }
            done = true;
        });
        drive (ref done);
        assert (service.registration == 0);

        own.close_sync ();
        client.close_sync ();
    } catch (GLib.Error e) {
        error ("%s", e.message);
    }
    bus.down ();
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/Aio/Vala/Application/quit-stops-services", test_quit_stops_services);
    Test.add_func ("/Aio/Vala/DBusService/export", test_dbus_service);
    return Test.run ();
}
