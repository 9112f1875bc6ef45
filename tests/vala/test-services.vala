/* test-services.vala: Aio.Service subclasses written in Vala, with `async`
 * overrides of start_async/stop_async, run by Aio.Entrypoint and
 * Aio.run_services through the generated aiomisc-glib-1.vapi.
 *
 * Real timers only; nothing waits with a sleep: the tests iterate the main
 * context until a condition holds, with a deadline.
 *
 * SPDX-License-Identifier: MIT
 */

errordomain TestError {
    BOOM,
}

const int64 DEADLINE_US = 20 * TimeSpan.SECOND;

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

delegate bool Condition ();
delegate void Launcher (AsyncReadyCallback callback);

/* Iterates the thread-default main context until @cond holds. */
void drive_until (Condition cond) {
    var context = MainContext.ref_thread_default ();
    var expired = false;
    var deadline = new TimeoutSource ((uint) (DEADLINE_US / 1000));

    deadline.set_callback (() => {
        expired = true;
        return Source.REMOVE;
    });
    deadline.attach (context);
    while (!cond () && !expired)
        context.iteration (true);
    deadline.destroy ();
    if (expired)
        error ("condition not reached within %" + int64.FORMAT + " s", DEADLINE_US / TimeSpan.SECOND);
}

/* Starts an async operation and iterates the main context until it completes. */
AsyncResult wait_async (Launcher launch) {
    AsyncResult? result = null;

    launch ((obj, res) => {
        result = res;
    });
    drive_until (() => result != null);
    return (!) result;
}

/* Completes once @cond holds; checks it on a real timer, with a deadline. */
async void until (owned Condition cond) {
    var deadline = get_monotonic_time () + DEADLINE_US;

    while (!cond ()) {
        if (get_monotonic_time () > deadline)
            error ("condition not reached in time");
        Timeout.add (5, until.callback);
        yield;
    }
}

/* Completes once @cancellable is cancelled: the life of a long-running start. */
async void until_cancelled (Cancellable cancellable) {
    if (cancellable.is_cancelled ())
        return;

    /* Resume from an idle, not from inside the ::cancelled emission. */
    var id = cancellable.connect ((c) => {
        Idle.add (until_cancelled.callback);
    });
    yield;
    cancellable.disconnect (id);
}

/* A log of what the services did, in order. */
class Recorder : Object {
    private StringBuilder events = new StringBuilder ();

    public void add (string event) {
        if (events.len > 0)
            events.append (", ");
        events.append (event);
    }

    public string dump () {
        return events.str;
    }
}

/* ------------------------------------------------------------------ */
/* Services                                                            */

/* Ordinary: start completes once the service is up; stop tears it down. */
class OrdinaryService : Aio.Service {
    public Recorder? recorder { get; construct; }
    public uint starts;
    public uint stops;
    public Error? last_reason;

    public OrdinaryService (string? name = null, Recorder? recorder = null) {
        Object (name: name, recorder: recorder);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        /* Coming up takes a little while, on a real timer. */
        Timeout.add (2, start_async.callback);
        yield;
        starts++;
        if (recorder != null)
            recorder.add ("start " + name);
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        /* @reason is only borrowed for the call: copy it before yielding. */
        Error? why = reason != null ? reason.copy () : null;

        Idle.add (stop_async.callback);
        yield;
        stops++;
        last_reason = (owned) why;
        if (recorder != null)
            recorder.add ("stop " + name);
        return true;
    }
}

/* Long-running: start calls set_ready() and lives until it is cancelled. */
class LongRunningService : Aio.Service {
    public uint ticks;
    public bool start_returned;
    public bool stopped;
    public Error? fail_after_ready;

    public LongRunningService (string? name = null) {
        Object (name: name);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        start_returned = false;
        var tick_id = Timeout.add (5, () => {
            ticks++;
            return Source.CONTINUE;
        });

        set_ready ();                           /* aiomisc's start_event.set() */
        if (fail_after_ready != null) {
            yield until (() => ticks >= 1);
            Source.remove (tick_id);
            start_returned = true;
            throw fail_after_ready.copy ();
        }
        yield until_cancelled ((!) cancellable);
        Source.remove (tick_id);
        start_returned = true;
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        stopped = true;
        return true;
    }
}

/* Takes 200 ms to start and ignores its cancellable: cancelled, its start
 * still succeeds, and GTask reports that as IOError.CANCELLED. */
class DeafService : Aio.Service {
    public bool started;
    public uint stops;

    public DeafService (string? name = null) {
        Object (name: name);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        Timeout.add (200, start_async.callback);
        yield;
        started = true;
        return true;
    }

    public override async bool stop_async (Error? reason, Cancellable? cancellable) throws Error {
        assert_true (started);
        stops++;
        return true;
    }
}

/* Fails to start with TestError.BOOM. */
class FailingService : Aio.Service {
    public FailingService (string? name = null) {
        Object (name: name);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        Idle.add (start_async.callback);
        yield;
        throw new TestError.BOOM ("boom");
    }
}

/* Sets a key of the entrypoint's context on a real timer, then runs. */
class ProducerService : Aio.Service {
    public ProducerService () {
        Object (name: "producer");
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        var context = ((!) Aio.Entrypoint.get_current ()).get_context ();

        set_ready ();
        Timeout.add (20, start_async.callback);
        yield;

        var value = Value (typeof (int));
        value.set_int (42);
        context.set ("answer", value);

        yield until_cancelled ((!) cancellable);
        return true;
    }
}

/* Starts only once another service put the key in the context. */
class ConsumerService : Aio.Service {
    public int answer;

    public ConsumerService (string name) {
        Object (name: name);
    }

    public override async bool start_async (Cancellable? cancellable) throws Error {
        var context = ((!) Aio.Entrypoint.get_current ()).get_context ();
        Value value;

        yield context.get_async ("answer", cancellable, out value);
        answer = value.get_int ();
        return true;
    }
}

/* ------------------------------------------------------------------ */
/* Aio.Service                                                         */

async void ordinary_async () throws Error {
    var service = new OrdinaryService ("ordinary");
    var states = new GenericArray<Aio.ServiceState> ();

    service.notify["state"].connect (() => states.add (service.state));

    assert_cmpstr (service.name, EQ, "ordinary");
    assert_true (service.get_state () == Aio.ServiceState.NEW);

    var ok = yield service.start_async (null);
    assert_true (ok);
    assert_true (service.get_state () == Aio.ServiceState.RUNNING);
    assert_cmpuint (service.starts, EQ, 1);

    ok = yield service.stop_async (null, null);
    assert_true (ok);
    assert_true (service.get_state () == Aio.ServiceState.STOPPED);
    assert_cmpuint (service.stops, EQ, 1);
    assert_true (service.last_reason == null);

    assert_cmpuint (states.length, EQ, 4);
    assert_true (states[0] == Aio.ServiceState.STARTING);
    assert_true (states[1] == Aio.ServiceState.RUNNING);
    assert_true (states[2] == Aio.ServiceState.STOPPING);
    assert_true (states[3] == Aio.ServiceState.STOPPED);

    /* A stopped service starts again. */
    yield service.start_async (null);
    yield service.stop_async (null, null);
    assert_cmpuint (service.starts, EQ, 2);
    assert_cmpuint (service.stops, EQ, 2);
}

void test_ordinary () {
    var result = wait_async ((cb) => ordinary_async.begin (cb));
    try {
        ordinary_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void default_name_async () throws Error {
    var service = new OrdinaryService ();
    assert_cmpstr (service.get_name (), EQ, "OrdinaryService");
    service.name = "renamed";
    assert_cmpstr (service.get_name (), EQ, "renamed");
    service.set_name (null);
    assert_cmpstr (service.name, EQ, "OrdinaryService");
}

void test_default_name () {
    var result = wait_async ((cb) => default_name_async.begin (cb));
    try {
        default_name_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void misuse_async () throws Error {
    var service = new OrdinaryService ("misused");

    try {
        yield service.stop_async (null, null);
        assert_not_reached ();
    } catch (Aio.Error e) {
        assert_error (e, Aio.Error.quark (), Aio.Error.NOT_RUNNING);
    }

    yield service.start_async (null);
    try {
        yield service.start_async (null);
        assert_not_reached ();
    } catch (IOError e) {
        assert_true (e is IOError.BUSY);
    }
    yield service.stop_async (null, null);
    /* Stopping a stopped service succeeds at once. */
    var ok = yield service.stop_async (null, null);
    assert_true (ok);
    assert_cmpuint (service.stops, EQ, 1);
}

void test_misuse () {
    var result = wait_async ((cb) => misuse_async.begin (cb));
    try {
        misuse_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void failing_start_async () throws Error {
    var service = new FailingService ("failing");

    try {
        yield service.start_async (null);
        assert_not_reached ();
    } catch (TestError e) {
        assert_true (e is TestError.BOOM);
        assert_cmpstr (e.message, EQ, "boom");
    }
    assert_true (service.get_state () == Aio.ServiceState.FAILED);
}

void test_failing_start () {
    var result = wait_async ((cb) => failing_start_async.begin (cb));
    try {
        failing_start_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void long_running_async () throws Error {
    var service = new LongRunningService ("long-running");

    /* start_async completes at set_ready(), while the vfunc goes on. */
    yield service.start_async (null);
    assert_true (service.get_state () == Aio.ServiceState.RUNNING);
    assert_false (service.start_returned);

    /* It works on its real timer while it runs. */
    yield until (() => service.ticks >= 3);
    assert_false (service.start_returned);

    /* Stopping cancels its cancellable and waits for start to return. */
    yield service.stop_async (null, null);
    assert_true (service.start_returned);
    assert_true (service.stopped);
    assert_true (service.get_state () == Aio.ServiceState.STOPPED);

    /* And it can run again. */
    yield service.start_async (null);
    assert_false (service.start_returned);
    yield service.stop_async (null, null);
    assert_true (service.start_returned);
}

void test_long_running () {
    var result = wait_async ((cb) => long_running_async.begin (cb));
    try {
        long_running_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

/* ------------------------------------------------------------------ */
/* Aio.Entrypoint                                                      */

async void entrypoint_start_failure_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var ordinary = new OrdinaryService ("healthy-ordinary");
    var long_running = new LongRunningService ("healthy-long-running");
    var failing = new FailingService ("failing");

    /* The failing one starts only once the healthy ones run, so both
     * must be stopped, with its error as the reason. */
    failing.add_dependency (ordinary);
    failing.add_dependency (long_running);
    entrypoint.add_service (ordinary);
    entrypoint.add_service (long_running);
    entrypoint.add_service (failing);

    try {
        yield entrypoint.start_async (null);
        assert_not_reached ();
    } catch (TestError e) {
        assert_true (e is TestError.BOOM);
        assert_true ("'failing'" in e.message);
        assert_true ("boom" in e.message);
    }

    assert_true (failing.get_state () == Aio.ServiceState.FAILED);
    assert_true (ordinary.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
    assert_cmpuint (ordinary.starts, EQ, 1);
    assert_cmpuint (ordinary.stops, EQ, 1);
    assert_true (long_running.start_returned);
    assert_true (ordinary.last_reason != null);
    assert_true (ordinary.last_reason is TestError.BOOM);
    assert_true (Aio.Entrypoint.get_current () == null);
}

/* The lifecycle rule: stop runs for every service whose start was invoked,
 * unless that start failed with an error other than cancellation. */
async void rule_sibling_failure_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var deaf = new DeafService ("deaf");
    var failing = new FailingService ("failing");

    entrypoint.add_service (deaf);
    entrypoint.add_service (failing);
    try {
        yield entrypoint.start_async (null);
        assert_not_reached ();
    } catch (Error e) {
        assert_true (e is TestError.BOOM);
    }
    assert_true (deaf.started);
    assert_cmpuint (deaf.stops, EQ, 1);
    assert_true (deaf.get_state () == Aio.ServiceState.STOPPED);
    assert_true (failing.get_state () == Aio.ServiceState.FAILED);
}

void test_rule_sibling_failure () {
    var result = wait_async ((cb) => rule_sibling_failure_async.begin (cb));
    try {
        rule_sibling_failure_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

void test_rule_quit_during_start () {
    var entrypoint = new Aio.Entrypoint ();
    var deaf = new DeafService ("deaf");
    var fast = new OrdinaryService ("fast");

    entrypoint.add_service (deaf);
    entrypoint.add_service (fast);
    /* fast is up while deaf still starts: the quit cancels the start. */
    fast.notify["state"].connect (() => {
        if (fast.get_state () == Aio.ServiceState.RUNNING)
            entrypoint.quit ();
    });
    try {
        entrypoint.run ();
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, IOError.quark (), IOError.CANCELLED);
    }
    assert_true (deaf.started);
    assert_cmpuint (deaf.stops, EQ, 1);
    assert_cmpuint (fast.stops, EQ, 1);
    assert_true (deaf.get_state () == Aio.ServiceState.STOPPED);
}

void test_entrypoint_start_failure () {
    var result = wait_async ((cb) => entrypoint_start_failure_async.begin (cb));
    try {
        entrypoint_start_failure_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void dependency_order_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var recorder = new Recorder ();
    var database = new OrdinaryService ("database", recorder);
    var cache = new OrdinaryService ("cache", recorder);
    var api = new OrdinaryService ("api", recorder);

    cache.add_dependency (database);
    api.add_dependency (cache);
    api.add_dependency (database);
    api.add_dependency (database);          /* twice: no effect */

    var deps = api.dup_dependencies ();
    assert_cmpuint (deps.length, EQ, 2);
    assert_true (deps[0] == cache);
    assert_true (deps[1] == database);

    /* Adding the top one brings in what it depends on. */
    entrypoint.add_service (api);
    yield entrypoint.start_async (null);
    assert_cmpuint (entrypoint.dup_services ().length, EQ, 3);
    assert_true (Aio.Entrypoint.get_current () == entrypoint);
    assert_cmpstr (recorder.dump (), EQ, "start database, start cache, start api");

    yield entrypoint.stop_async (null);
    assert_cmpstr (recorder.dump (), EQ,
                   "start database, start cache, start api, stop api, stop cache, stop database");
    assert_true (api.last_reason == null);
    assert_true (Aio.Entrypoint.get_current () == null);
}

void test_dependency_order () {
    var result = wait_async ((cb) => dependency_order_async.begin (cb));
    try {
        dependency_order_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void dependency_cycle_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var a = new OrdinaryService ("a");
    var b = new OrdinaryService ("b");

    a.add_dependency (b);
    b.add_dependency (a);
    entrypoint.add_service (a);
    try {
        yield entrypoint.start_async (null);
        assert_not_reached ();
    } catch (Aio.Error e) {
        assert_true (e is Aio.Error.DEPENDENCY_CYCLE);
    }
    assert_cmpuint (a.starts + b.starts, EQ, 0);
}

void test_dependency_cycle () {
    var result = wait_async ((cb) => dependency_cycle_async.begin (cb));
    try {
        dependency_cycle_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

/* Async work in a hook: the step waits for the release. */
async void release_later (Aio.Entrypoint entrypoint, Recorder recorder, string what) {
    Timeout.add (5, release_later.callback);
    yield;
    recorder.add (what);
    entrypoint.release ();
}

async void hooks_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var recorder = new Recorder ();

    entrypoint.add_service (new OrdinaryService ("service", recorder));
    entrypoint.pre_start.connect ((ep) => {
        ep.hold ();
        release_later.begin (ep, recorder, "pre-start");
    });
    entrypoint.post_start.connect (() => recorder.add ("post-start"));
    entrypoint.pre_stop.connect ((ep) => {
        ep.hold ();
        release_later.begin (ep, recorder, "pre-stop");
    });
    entrypoint.post_stop.connect (() => recorder.add ("post-stop"));

    yield entrypoint.start_async (null);
    assert_cmpstr (recorder.dump (), EQ, "pre-start, start service, post-start");
    yield entrypoint.stop_async (null);
    assert_cmpstr (recorder.dump (), EQ,
                   "pre-start, start service, post-start, pre-stop, stop service, post-stop");
}

void test_hooks () {
    var result = wait_async ((cb) => hooks_async.begin (cb));
    try {
        hooks_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

/* ------------------------------------------------------------------ */
/* Aio.Context                                                         */

async void context_async () throws Error {
    var entrypoint = new Aio.Entrypoint ();
    var producer = new ProducerService ();
    var consumer = new ConsumerService ("consumer");

    /* No dependency: the consumer's start waits on the context. */
    entrypoint.add_service (consumer);
    entrypoint.add_service (producer);
    yield entrypoint.start_async (null);
    assert_cmpint (consumer.answer, EQ, 42);

    var context = entrypoint.get_context ();
    Value value;
    assert_true (context.lookup ("answer", out value));
    assert_cmpint (value.get_int (), EQ, 42);
    Value missing;
    assert_false (context.lookup ("question", out missing));

    /* A key already set is returned at once. */
    yield context.get_async ("answer", null, out value);
    assert_cmpint (value.get_int (), EQ, 42);

    /* A waiter gives up when its cancellable is cancelled. */
    var cancellable = new Cancellable ();
    Timeout.add (10, () => {
        cancellable.cancel ();
        return Source.REMOVE;
    });
    try {
        yield context.get_async ("question", cancellable, out value);
        assert_not_reached ();
    } catch (IOError e) {
        assert_true (e is IOError.CANCELLED);
    }

    yield entrypoint.stop_async (null);
    assert_true (producer.get_state () == Aio.ServiceState.STOPPED);
}

void test_context () {
    var result = wait_async ((cb) => context_async.begin (cb));
    try {
        context_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

async void context_standalone_async () throws Error {
    var context = new Aio.Context ();
    Value value;

    /* set() wakes up a waiter; strings are copied. */
    Timeout.add (5, () => {
        context.set ("greeting", "hello");
        return Source.REMOVE;
    });
    yield context.get_async ("greeting", null, out value);
    assert_cmpstr (value.get_string (), EQ, "hello");
}

void test_context_standalone () {
    var result = wait_async ((cb) => context_standalone_async.begin (cb));
    try {
        context_standalone_async.end (result);
    } catch (Error e) {
        assert_no_error (e);
    }
}

/* ------------------------------------------------------------------ */
/* run_main, run, run_services                                         */

/* The async main of the run tests: waits on real timers, then completes. */
async void checked_main (Aio.Entrypoint entrypoint, Task task,
                         OrdinaryService ordinary, LongRunningService long_running) {
    assert_true (Aio.Entrypoint.get_current () == entrypoint);
    assert_true (ordinary.get_state () == Aio.ServiceState.RUNNING);
    assert_true (long_running.get_state () == Aio.ServiceState.RUNNING);

    var ticks = long_running.ticks;
    yield until (() => long_running.ticks > ticks);

    task.return_boolean (true);
}

void test_run_main () {
    var entrypoint = new Aio.Entrypoint ();
    var ordinary = new OrdinaryService ("ordinary");
    var long_running = new LongRunningService ("long-running");
    var main_calls = 0;

    entrypoint.add_service (ordinary);
    entrypoint.add_service (long_running);

    try {
        var ok = entrypoint.run_main ((ep, task) => {
            main_calls++;
            checked_main.begin (ep, task, ordinary, long_running);
        });
        assert_true (ok);
    } catch (Error e) {
        assert_no_error (e);
    }

    assert_cmpint (main_calls, EQ, 1);
    assert_true (ordinary.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.start_returned);
    assert_cmpuint (ordinary.stops, EQ, 1);
    assert_true (Aio.Entrypoint.get_current () == null);
}

async void failing_main (Task task) {
    Idle.add (failing_main.callback);
    yield;
    task.return_error (new TestError.BOOM ("main failed"));
}

void test_run_main_error () {
    var entrypoint = new Aio.Entrypoint ();
    var ordinary = new OrdinaryService ("ordinary");

    entrypoint.add_service (ordinary);
    try {
        entrypoint.run_main ((ep, task) => failing_main.begin (task));
        assert_not_reached ();
    } catch (Error e) {
        assert_true (e is TestError.BOOM);
        assert_cmpstr (e.message, EQ, "main failed");
    }
    assert_true (ordinary.get_state () == Aio.ServiceState.STOPPED);

    /* A main that returns FALSE without an error. */
    try {
        var ok = entrypoint.run_main ((ep, task) => task.return_boolean (false));
        assert_false (ok);
    } catch (Error e) {
        assert_no_error (e);
    }
    assert_cmpuint (ordinary.starts, EQ, 2);
}

/* Waits until the run is interrupted, then gives up as cancelled. */
async void interrupted_main (Task task) {
    yield until_cancelled (task.get_cancellable ());
    task.return_error_if_cancelled ();
}

/* Quits the entrypoint once the service has worked a bit. */
async void quit_when_ticked (Aio.Entrypoint entrypoint, LongRunningService service) {
    yield until (() => service.ticks >= 2);
    entrypoint.quit ();
}

void test_run_main_quit () {
    var entrypoint = new Aio.Entrypoint ();
    var long_running = new LongRunningService ("long-running");

    entrypoint.add_service (long_running);
    try {
        entrypoint.run_main ((ep, task) => {
            interrupted_main.begin (task);
            /* Interrupt it once the service has worked a bit. */
            quit_when_ticked.begin (ep, long_running);
        });
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, IOError.quark (), IOError.CANCELLED);
    }
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
}

void test_run_main_runtime_failure () {
    var entrypoint = new Aio.Entrypoint ();
    var ordinary = new OrdinaryService ("ordinary");
    var crashing = new LongRunningService ("crashing");
    Error? failure = null;
    var state_at_failure = Aio.ServiceState.NEW;

    crashing.fail_after_ready = new TestError.BOOM ("crashed after ready");
    crashing.failed.connect ((service, error) => {
        failure = error.copy ();
        state_at_failure = service.get_state ();
    });
    entrypoint.add_service (ordinary);
    entrypoint.add_service (crashing);

    try {
        /* The main would wait forever: the failure must end the run. */
        entrypoint.run_main ((ep, task) => interrupted_main.begin (task));
        assert_not_reached ();
    } catch (Error e) {
        assert_true (e is TestError.BOOM);
        assert_true ("crashed after ready" in e.message);
    }
    assert_true (failure != null);
    assert_true (failure is TestError.BOOM);
    assert_true (state_at_failure == Aio.ServiceState.FAILED);
    assert_true (crashing.start_returned);
    assert_true (ordinary.get_state () == Aio.ServiceState.STOPPED);
    assert_true (ordinary.last_reason != null);
    assert_true (ordinary.last_reason is TestError.BOOM);
}

void test_run_quit () {
    var entrypoint = new Aio.Entrypoint ();
    var long_running = new LongRunningService ("long-running");
    var post_stop = 0;

    entrypoint.add_service (long_running);
    entrypoint.post_start.connect ((ep) => quit_when_ticked.begin (ep, long_running));
    entrypoint.post_stop.connect (() => post_stop++);
    try {
        assert_true (entrypoint.run ());
    } catch (Error e) {
        assert_no_error (e);
    }
    assert_cmpint (post_stop, EQ, 1);
    assert_true (long_running.start_returned);
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
}

/* The steps of run() driven by hand: start, run_forever until quit, stop. */
void test_run_forever () {
    var entrypoint = new Aio.Entrypoint ();
    var long_running = new LongRunningService ("long-running");

    entrypoint.add_service (long_running);
    try {
        entrypoint.run_forever ();
        assert_not_reached ();
    } catch (Error e) {
        assert_error (e, Aio.Error.quark (), Aio.Error.NOT_RUNNING);
    }

    try {
        var result = wait_async ((cb) => entrypoint.start_async.begin (null, cb));
        assert_true (entrypoint.start_async.end (result));

        quit_when_ticked.begin (entrypoint, long_running);
        assert_true (entrypoint.run_forever ());
        /* run_forever() does not stop the services. */
        assert_true (long_running.get_state () == Aio.ServiceState.RUNNING);

        result = wait_async ((cb) => entrypoint.stop_async.begin (null, cb));
        assert_true (entrypoint.stop_async.end (result));
    } catch (Error e) {
        assert_no_error (e);
    }
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.start_returned);
}

void test_run_services () {
    var ordinary = new OrdinaryService ("ordinary");
    var long_running = new LongRunningService ("long-running");
    Aio.Entrypoint? seen = null;

    try {
        var ok = Aio.run_services ((ep, task) => {
            seen = ep;
            checked_main.begin (ep, task, ordinary, long_running);
        }, { ordinary, long_running });
        assert_true (ok);
    } catch (Error e) {
        assert_no_error (e);
    }
    assert_true (seen != null);
    assert_cmpuint (((!) seen).dup_services ().length, EQ, 2);
    assert_true (ordinary.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.get_state () == Aio.ServiceState.STOPPED);
    assert_true (long_running.start_returned);
}

int main (string[] args) {
    Test.init (ref args);
    /* Failures are logged as warnings by the entrypoint; keep them non-fatal. */
    Log.set_always_fatal (LogLevelFlags.FLAG_RECURSION | LogLevelFlags.LEVEL_ERROR |
                          LogLevelFlags.LEVEL_CRITICAL);

    Test.add_func ("/Aio/Vala/Service/ordinary", test_ordinary);
    Test.add_func ("/Aio/Vala/Service/default-name", test_default_name);
    Test.add_func ("/Aio/Vala/Service/misuse", test_misuse);
    Test.add_func ("/Aio/Vala/Service/failing-start", test_failing_start);
    Test.add_func ("/Aio/Vala/Service/long-running", test_long_running);
    Test.add_func ("/Aio/Vala/Entrypoint/start-failure", test_entrypoint_start_failure);
    Test.add_func ("/Aio/Vala/Entrypoint/lifecycle-rule/sibling-failure", test_rule_sibling_failure);
    Test.add_func ("/Aio/Vala/Entrypoint/lifecycle-rule/quit-during-start", test_rule_quit_during_start);
    Test.add_func ("/Aio/Vala/Entrypoint/dependency-order", test_dependency_order);
    Test.add_func ("/Aio/Vala/Entrypoint/dependency-cycle", test_dependency_cycle);
    Test.add_func ("/Aio/Vala/Entrypoint/hooks", test_hooks);
    Test.add_func ("/Aio/Vala/Context/between-services", test_context);
    Test.add_func ("/Aio/Vala/Context/standalone", test_context_standalone);
    Test.add_func ("/Aio/Vala/Entrypoint/run-main", test_run_main);
    Test.add_func ("/Aio/Vala/Entrypoint/run-main-error", test_run_main_error);
    Test.add_func ("/Aio/Vala/Entrypoint/run-main-quit", test_run_main_quit);
    Test.add_func ("/Aio/Vala/Entrypoint/run-main-runtime-failure", test_run_main_runtime_failure);
    Test.add_func ("/Aio/Vala/Entrypoint/run-quit", test_run_quit);
    Test.add_func ("/Aio/Vala/Entrypoint/run-forever", test_run_forever);
    Test.add_func ("/Aio/Vala/run-services", test_run_services);

    return Test.run ();
}
