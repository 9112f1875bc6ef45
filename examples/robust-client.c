/* robust-client.c: a client that keeps talking to a line-echo server,
 * whatever happens to the connection.
 *
 *     robust-client --host 127.0.0.1 --port 7000 [--interval MS]
 *     robust-client --unix /run/echo.sock
 *
 * It sends "line N" every second (or every --interval milliseconds) and
 * prints each reply. When the connection drops, or the server is not there
 * yet, AioRobustTcpClient reconnects with a capped exponential backoff; the
 * program runs until Ctrl-C (or SIGTERM) under an AioEntrypoint. Try it
 * against `echo-server --port 7000`, and stop and restart the server.
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

#define DEMO_TYPE_LINE_CLIENT (demo_line_client_get_type ())
G_DECLARE_FINAL_TYPE (DemoLineClient, demo_line_client, DEMO, LINE_CLIENT, AioRobustTcpClient)

struct _DemoLineClient
{
  AioRobustTcpClient  parent_instance;
  guint               interval_ms;
  guint               sent;
};

G_DEFINE_FINAL_TYPE (DemoLineClient, demo_line_client, AIO_TYPE_ROBUST_TCP_CLIENT)

/* One connection: a timer writes lines, a read loop prints the replies.
 * The handler completes once the reading ended and no write is pending,
 * so that the client can close the connection. */
typedef struct
{
  GIOStream        *connection;
  GDataInputStream *lines;
  GCancellable     *cancellable;   /* cancelled when the session ends */
  GCancellable     *stop;          /* the client's, forwarded to cancellable */
  gulong            stop_handler;  /* the forwarding, undone when the session ends */
  GSource          *timer;
  char             *pending;       /* the line being written, if any */
  GError           *error;         /* why the reading ended, NULL at EOF */
  gboolean          reading;
} Session;

static void
session_free (Session *session)
{
  if (session->timer != NULL)
    {
      g_source_destroy (session->timer);
      g_source_unref (session->timer);
    }
  /* The client's cancellable outlives the session (it is the same across
   * reconnects): remove the forwarding, or every session leaves one behind. */
  if (session->stop != NULL)
    g_cancellable_disconnect (session->stop, session->stop_handler);
  g_clear_object (&session->stop);
  g_clear_object (&session->lines);
  g_clear_object (&session->connection);
  g_clear_object (&session->cancellable);
  g_free (session->pending);
  g_clear_error (&session->error);
  g_free (session);
}

static void
session_maybe_complete (GTask *task)
{
  Session *session = g_task_get_task_data (task);

  if (session->reading || session->pending != NULL)
    return;

  if (session->error != NULL)
    g_task_return_error (task, g_steal_pointer (&session->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
line_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Session *session = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("cannot send: %s", error->message);
  g_clear_pointer (&session->pending, g_free);
  session_maybe_complete (task);
}

static gboolean
send_line_cb (gpointer user_data)
{
  GTask *task = user_data;
  DemoLineClient *self = g_task_get_source_object (task);
  Session *session = g_task_get_task_data (task);

  if (session->pending != NULL)
    return G_SOURCE_CONTINUE;   /* the server does not keep up: skip one */

  session->pending = g_strdup_printf ("line %u\n", ++self->sent);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (session->connection),
                                   session->pending, strlen (session->pending),
                                   G_PRIORITY_DEFAULT, session->cancellable,
                                   line_sent_cb, g_object_ref (task));
  return G_SOURCE_CONTINUE;
}

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Session *session = g_task_get_task_data (task);
  g_autofree char *line = NULL;
  GError *error = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (line != NULL)
    {
      g_print ("reply: %s\n", line);
      g_data_input_stream_read_line_async (session->lines, G_PRIORITY_DEFAULT,
                                           session->cancellable, line_read_cb,
                                           g_object_ref (task));
      return;
    }

  /* The end: EOF (error NULL), a broken connection, or the stop. */
  session->reading = FALSE;
  session->error = error;
  g_cancellable_cancel (session->cancellable);
  g_source_destroy (session->timer);
  session_maybe_complete (task);
}

static void
forward_cancel (GCancellable *cancellable,
                GCancellable *session_cancellable)
{
  g_cancellable_cancel (session_cancellable);
}

static void
demo_line_client_handle_connection_async (AioTcpClient        *client,
                                          GIOStream           *connection,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  DemoLineClient *self = DEMO_LINE_CLIENT (client);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Session *session = g_new0 (Session, 1);

  g_print ("connected\n");
  session->connection = g_object_ref (connection);
  session->lines = g_data_input_stream_new (g_io_stream_get_input_stream (connection));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (session->lines), FALSE);
  session->cancellable = g_cancellable_new ();
  session->reading = TRUE;
  g_task_set_task_data (task, session, (GDestroyNotify) session_free);

  /* The stop of the service ends the session too. */
  if (cancellable != NULL)
    {
      session->stop = g_object_ref (cancellable);
      session->stop_handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel),
                                                     g_object_ref (session->cancellable),
                                                     g_object_unref);
    }

  session->timer = g_timeout_source_new (self->interval_ms);
  g_source_set_callback (session->timer, send_line_cb, task, NULL);
  g_source_attach (session->timer, g_main_context_get_thread_default ());
  send_line_cb (task);

  g_data_input_stream_read_line_async (session->lines, G_PRIORITY_DEFAULT, session->cancellable,
                                       line_read_cb, g_object_ref (task));
}

static void
demo_line_client_class_init (DemoLineClientClass *klass)
{
  AIO_TCP_CLIENT_CLASS (klass)->handle_connection_async = demo_line_client_handle_connection_async;
}

static void
demo_line_client_init (DemoLineClient *self)
{
  self->interval_ms = 1000;
}

static void
print_connected (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  if (!aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (object)))
    g_print ("disconnected\n");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *host = g_strdup ("127.0.0.1");
  g_autofree char *unix_path = NULL;
  int port = 0;
  int interval = 1000;
  GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "The server (default 127.0.0.1)", "HOST" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "The port of the server", "PORT" },
    { "unix", 0, 0, G_OPTION_ARG_FILENAME, &unix_path, "A Unix socket instead", "PATH" },
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval, "Milliseconds between lines (default 1000)", "MS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- talk to a line-echo server, reconnecting");
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(DemoLineClient) client = NULL;
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("robust-client: %s\n", error->message);
      return 2;
    }
  if (interval < 1)
    {
      g_printerr ("robust-client: invalid --interval %d: must be 1 or more\n", interval);
      return 2;
    }

  /* Bad values (no --port, a port out of range) are reported by the start. */
  client = g_object_new (DEMO_TYPE_LINE_CLIENT,
                         "name", "robust-client",
                         "address", host,
                         "port", (guint) CLAMP (port, 0, G_MAXINT),
                         "unix-path", unix_path,
                         "reconnect-timeout", 0.5,
                         "reconnect-max", 10.0,
                         NULL);
  client->interval_ms = (guint) interval;
  g_signal_connect (client, "notify::connected", G_CALLBACK (print_connected), NULL);

  entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT, "log-level", AIO_LOG_LEVEL_INFO, NULL);
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (client));

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("robust-client: %s\n", error->message);
      return 1;
    }

  g_print ("Bye\n");
  return 0;
}
