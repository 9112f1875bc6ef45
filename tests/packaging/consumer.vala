/* consumer.vala: the Vala consumer of the installed library, compiled with
 * valac --pkg aiomisc-glib-1 against the installed VAPI (.ci/packaging), or
 * by the meson parent of parent/ against the subproject's VAPI.
 *
 * SPDX-License-Identifier: MIT
 */
int main () {
    var entrypoint = new Aio.Entrypoint ();

    try {
        new Aio.Cron ("*/5 * * * *");
    } catch (Error e) {
        stderr.printf ("Aio.Cron: %s\n", e.message);
        return 1;
    }

    Idle.add (() => {
        entrypoint.quit ();
        return Source.REMOVE;
    });
    try {
        entrypoint.run ();
    } catch (Error e) {
        stderr.printf ("Aio.Entrypoint.run: %s\n", e.message);
        return 1;
    }

    print ("aiomisc-glib %u.%u.%u from Vala: ok\n",
           Aio.get_major_version (), Aio.get_minor_version (), Aio.get_micro_version ());
    return 0;
}
