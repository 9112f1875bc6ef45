/* test-activation.c: systemd socket activation (LISTEN_PID, LISTEN_FDS,
 * LISTEN_FDNAMES) of the servers
 *
 * The parsing is tested in process. The real thing runs in a child: this
 * program, started the way systemd starts a service, with the listening
 * socket at descriptor 3. LISTEN_PID must be the pid of the child, known
 * only once it runs, so the child is started through `sh -c 'export
 * LISTEN_PID=$$; exec ...'` (what systemd-socket-activate does too): the
 * shell's pid is the pid of the program it execs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <unistd.h>

#include <glib-unix.h>

#include "aio-test-echo.h"
#include "aio-net-private.h"

static void
test_parse (void)
{
  g_autoptr(AioNetActivation) none = NULL;
  g_autoptr(AioNetActivation) other = NULL;
  g_autoptr(AioNetActivation) garbage = NULL;
  g_autoptr(AioNetActivation) named = NULL;
  g_autoptr(AioNetActivation) unnamed = NULL;
  g_autoptr(AioNetActivation) miscounted = NULL;

  none = _aio_net_activation_parse (NULL, NULL, NULL, 42);
  g_assert_cmpuint (none->n_fds, ==, 0);
  g_assert_nonnull (strstr (none->why_none, "not set"));
  g_assert_cmpint (_aio_net_activation_find (none, NULL), ==, -1);
  g_assert_cmpint (_aio_net_activation_find (none, "web"), ==, -1);

  /* Meant for another process (the parent of a forked child, say). */
  other = _aio_net_activation_parse ("41", "1", "web", 42);
  g_assert_cmpuint (other->n_fds, ==, 0);
  g_assert_nonnull (strstr (other->why_none, "LISTEN_PID=41"));

  garbage = _aio_net_activation_parse ("42", "many", NULL, 42);
  g_assert_cmpuint (garbage->n_fds, ==, 0);
  g_assert_nonnull (strstr (garbage->why_none, "LISTEN_FDS=many"));

  named = _aio_net_activation_parse ("42", "3", "web:admin:dns", 42);
  g_assert_cmpuint (named->n_fds, ==, 3);
  g_assert_cmpint (_aio_net_activation_find (named, "web"), ==, 0);
  g_assert_cmpint (_aio_net_activation_find (named, "dns"), ==, 2);
  g_assert_cmpint (_aio_net_activation_find (named, "ftp"), ==, -1);
  /* Without a name, only a single socket is taken. */
  g_assert_cmpint (_aio_net_activation_find (named, NULL), ==, -1);

  unnamed = _aio_net_activation_parse ("42", "1", NULL, 42);
  g_assert_cmpuint (unnamed->n_fds, ==, 1);
  g_assert_cmpstr (unnamed->names[0], ==, "unknown");
  g_assert_cmpint (_aio_net_activation_find (unnamed, NULL), ==, 0);

  /* Names that do not match the count are not trusted. */
  miscounted = _aio_net_activation_parse ("42", "2", "web", 42);
  g_assert_cmpuint (miscounted->n_fds, ==, 2);
  g_assert_cmpint (_aio_net_activation_find (miscounted, "web"), ==, -1);
}

/* This process was not activated: a named socket is an error naming it. */
static void
test_not_activated (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;

  aio_socket_server_set_activation_name (AIO_SOCKET_SERVER (server), "web");
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "“web”"));
}

/* A listening socket on 127.0.0.1, any port. */
static GSocket *
listening_socket (guint *port)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

typedef enum {
  LISTEN_PID_OF_CHILD,   /* set by the shell to its own pid */
  LISTEN_PID_WRONG,      /* the pid of this test */
} ListenPid;

/* Starts the echo child with the socket at descriptor 3, as systemd would. */
static GSubprocess *
spawn_child (GSocket     *socket,
             const char  *fdnames,
             ListenPid    listen_pid,
             const char  *mode,
             const char  *activation_name)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *exe = aio_test_self_exe ();
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (socket)), 3);
  g_subprocess_launcher_setenv (launcher, "LISTEN_FDS", "1", TRUE);
  if (fdnames != NULL)
    g_subprocess_launcher_setenv (launcher, "LISTEN_FDNAMES", fdnames, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "LISTEN_FDNAMES");

  if (listen_pid == LISTEN_PID_OF_CHILD)
    {
      g_subprocess_launcher_unsetenv (launcher, "LISTEN_PID");
      g_ptr_array_add (argv, "/bin/sh");
      g_ptr_array_add (argv, "-c");
      g_ptr_array_add (argv, "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"");
    }
  else
    g_subprocess_launcher_setenv (launcher, "LISTEN_PID", pid, TRUE);

  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (char *) mode);
  if (activation_name != NULL)
    {
      g_ptr_array_add (argv, "--activation-name");
      g_ptr_array_add (argv, (char *) activation_name);
    }
  g_ptr_array_add (argv, NULL);

  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  return child;
}

static GSubprocess *
spawn_activated (GSocket     *socket,
                 const char  *fdnames,
                 ListenPid    listen_pid,
                 const char  *activation_name)
{
  return spawn_child (socket, fdnames, listen_pid, "--echo-child", activation_name);
}

static void
assert_serves_echo (GSubprocess *child,
                    guint        port)
{
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (aio_test_echo_child_wait (child, &output), ==, port);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  aio_test_echo_roundtrip (G_IO_STREAM (connection), "activated", &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  g_subprocess_send_signal (child, SIGTERM);
  g_subprocess_wait_check (child, NULL, &error);
  g_assert_no_error (error);
}

static void
test_named (void)
{
  guint port;
  g_autoptr(GSocket) socket = listening_socket (&port);
  g_autoptr(GSubprocess) child = spawn_activated (socket, "echo", LISTEN_PID_OF_CHILD, "echo");

  /* Only the child accepts from now on. */
  g_socket_close (socket, NULL);
  assert_serves_echo (child, port);
}

static void
test_only_socket (void)
{
  guint port;
  g_autoptr(GSocket) socket = listening_socket (&port);
  g_autoptr(GSubprocess) child = spawn_activated (socket, NULL, LISTEN_PID_OF_CHILD, NULL);

  /* No name given: the only inherited socket is used, not 127.0.0.1:0. */
  g_socket_close (socket, NULL);
  assert_serves_echo (child, port);
}

static void
assert_child_fails (GSubprocess *child,
                    const char  *needle,
                    const char  *other_needle)
{
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (aio_test_echo_child_wait (child, &output), ==, 0);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 1);
  g_assert_nonnull (strstr (output, needle));
  g_assert_nonnull (strstr (output, other_needle));
}

static void
test_wrong_name (void)
{
  guint port;
  g_autoptr(GSocket) socket = listening_socket (&port);
  g_autoptr(GSubprocess) child = spawn_activated (socket, "echo", LISTEN_PID_OF_CHILD, "web");

  assert_child_fails (child, "“web”", "echo");
}

static void
test_wrong_pid (void)
{
  guint port;
  g_autoptr(GSocket) socket = listening_socket (&port);
  g_autoptr(GSubprocess) child = spawn_activated (socket, "echo", LISTEN_PID_WRONG, "echo");

  assert_child_fails (child, "“echo”", "is not this process");
}

/* The child of the restart test: starts, stops and starts again a server
 * on the inherited socket "echo" (kept open over the stop), then serves
 * until SIGTERM. */
static gboolean
quit_on_signal (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static int
restart_child_main (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  gboolean quit = FALSE;

  aio_socket_server_set_activation_name (AIO_SOCKET_SERVER (server), "echo");
  for (guint i = 0; i < 2; i++)
    {
      if (i > 0)
        aio_test_service_stop (AIO_SERVICE (server));
      if (!aio_test_service_start (AIO_SERVICE (server), &error))
        {
          g_printerr ("restart-child: %s\n", error->message);
          return 1;
        }
    }

  g_unix_signal_add (SIGTERM, quit_on_signal, &quit);
  g_print ("listening on 127.0.0.1:%u\n", aio_socket_server_get_port (AIO_SOCKET_SERVER (server)));
  fflush (stdout);
  while (!quit)
    g_main_context_iteration (NULL, TRUE);
  aio_test_service_stop (AIO_SERVICE (server));
  return 0;
}

static void
test_restart (void)
{
  guint port;
  g_autoptr(GSocket) socket = listening_socket (&port);
  g_autoptr(GSubprocess) child = spawn_child (socket, "echo", LISTEN_PID_OF_CHILD,
                                              "--restart-child", NULL);

  g_socket_close (socket, NULL);
  assert_serves_echo (child, port);
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && g_str_equal (argv[1], "--echo-child"))
    return aio_test_echo_child_main (argc, argv);
  if (argc > 1 && g_str_equal (argv[1], "--restart-child"))
    return restart_child_main ();

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Activation/parse", test_parse);
  g_test_add_func ("/Aio/Activation/not-activated", test_not_activated);
  g_test_add_func ("/Aio/Activation/named", test_named);
  g_test_add_func ("/Aio/Activation/only-socket", test_only_socket);
  g_test_add_func ("/Aio/Activation/restart", test_restart);
  g_test_add_func ("/Aio/Activation/wrong-name", test_wrong_name);
  g_test_add_func ("/Aio/Activation/wrong-pid", test_wrong_pid);

  return g_test_run ();
}
