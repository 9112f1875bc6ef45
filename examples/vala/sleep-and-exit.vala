/* sleep-and-exit.vala: an entrypoint without services runs an async main
 * that sleeps for a second, then the program exits.
 *
 * The Python original:
 *
 *     async def main():
 *         await asyncio.sleep(1)
 *
 *     with aiomisc.entrypoint() as loop:
 *         loop.run_until_complete(main())
 *
 * Run it with a duration in milliseconds to sleep longer or shorter:
 * `vala-sleep-and-exit 200`. Ctrl-C cuts the sleep short and the run fails
 * as interrupted.
 *
 * SPDX-License-Identifier: MIT
 */

uint sleep_ms = 1000;

/* The main: it completes its task when it is done. A signal cancels the
 * task's cancellable, which cuts the sleep short. */
async void sleep_main (Aio.Entrypoint entrypoint, Task task) {
    message ("Sleeping for %u ms", sleep_ms);
    if (!yield Example.sleep (sleep_ms, task.get_cancellable ())) {
        task.return_error_if_cancelled ();
        return;
    }
    message ("Slept; exiting");
    task.return_boolean (true);
}

int main (string[] args) {
    var entrypoint = new Aio.Entrypoint ();

    if (args.length > 1)
        sleep_ms = (uint) uint64.parse (args[1]);

    try {
        /* Starts the (no) services, runs the main to completion, stops. */
        entrypoint.run_main ((ep, task) => sleep_main.begin (ep, task));
    } catch (Error e) {
        printerr ("vala-sleep-and-exit: %s\n", e.message);
        return 1;
    }
    return 0;
}
