/* example-sleep.vala: a cancellable sleep for the Vala examples, the
 * `await asyncio.sleep (…)` of the aiomisc tutorial.
 *
 * SPDX-License-Identifier: MIT
 */

namespace Example {
    /**
     * Sleeps @ms milliseconds on the thread-default main context, or less if
     * @cancellable is cancelled first.
     *
     * One source does both: the cancellable's source is a child of the
     * timeout, so whichever comes first dispatches the timeout once.
     *
     * @return false if @cancellable was cancelled
     */
    public async bool sleep (uint ms, Cancellable? cancellable = null) {
        if (cancellable != null && cancellable.is_cancelled ())
            return false;

        var timeout = new TimeoutSource (ms);
        if (cancellable != null) {
            var cancelled = new CancellableSource (cancellable);
            /* A child source is dispatched too: give it a callback. */
            cancelled.set_callback ((c) => Source.CONTINUE);
            timeout.add_child_source (cancelled);
        }
        timeout.set_callback (sleep.callback);
        timeout.attach (MainContext.ref_thread_default ());
        yield;
        timeout.destroy ();

        return cancellable == null || !cancellable.is_cancelled ();
    }
}
