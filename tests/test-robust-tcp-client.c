/* test-robust-tcp-client.c: AioRobustTcpClient through the fault-injecting
 * proxy, and the proxy itself
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>

#include <gio/gio.h>

#include "aio-test-certs.h"
#include "aio-test-proxy.h"
#include "aio-tls-private.h"
#include "aio-test-services.h"

/* Iterates the default context until @cond holds, failing after 30 s. */
#define WAIT_UNTIL(cond)                                                  \
  G_STMT_START {                                                          \
    gint64 _deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;     \
    while (!(cond))                                                       \
      {                                                                   \
        if (g_get_monotonic_time () > _deadline)                          \
          g_error ("%s:%d: not reached within 30 s: %s", __FILE__, __LINE__, #cond); \
        g_main_context_iteration (NULL, TRUE);                            \
      }                                                                   \
  } G_STMT_END

/* Proxy tests: a raw client through the proxy to the echo server. */

typedef struct
{
  GSocketConnection *connection;
  char              *reply;
  GError            *error;
  gboolean           done;
} Io;

static void
io_clear (Io *io)
{
  g_clear_object (&io->connection);
  g_clear_pointer (&io->reply, g_free);
  g_clear_error (&io->error);
  io->done = FALSE;
}

static void
io_connected_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Io *io = user_data;

  io->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &io->error);
  io->done = TRUE;
}

static void
io_exchanged_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Io *io = user_data;

  io->reply = aio_test_echo_exchange_finish (result, &io->error);
  io->done = TRUE;
}

static void
io_ended_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Io *io = user_data;

  aio_test_read_to_end_finish (result, &io->error);
  io->done = TRUE;
}

static void
io_connect (Io      *io,
            guint16  port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  io->done = FALSE;
  g_socket_client_connect_to_host_async (client, "127.0.0.1", port, NULL, io_connected_cb, io);
  aio_test_wait (&io->done);
  io->done = FALSE;
}

static void
io_exchange (Io         *io,
             const char *message)
{
  io->done = FALSE;
  aio_test_echo_exchange_async (G_IO_STREAM (io->connection), message, NULL, io_exchanged_cb, io);
  aio_test_wait (&io->done);
  io->done = FALSE;
}

static void
io_read_to_end (Io *io)
{
  io->done = FALSE;
  aio_test_read_to_end_async (G_IO_STREAM (io->connection), NULL, io_ended_cb, io);
  aio_test_wait (&io->done);
  io->done = FALSE;
}

typedef struct
{
  AioTestEchoServer *server;
  AioTestProxy      *proxy;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->server = aio_test_echo_server_new (NULL, 0, &error);
  g_assert_no_error (error);
  f->proxy = aio_test_proxy_new ("127.0.0.1", aio_test_echo_server_get_port (f->server), &error);
  g_assert_no_error (error);
  aio_test_log_clear ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->proxy, aio_test_proxy_free);
  g_clear_pointer (&f->server, aio_test_echo_server_free);
}

static void
test_proxy_forwards (Fixture       *f,
                     gconstpointer  data)
{
  Io a = { 0 }, b = { 0 };

  g_assert_cmpuint (aio_test_proxy_get_port (f->proxy), !=, 0);
  io_connect (&a, aio_test_proxy_get_port (f->proxy));
  g_assert_no_error (a.error);
  io_connect (&b, aio_test_proxy_get_port (f->proxy));
  g_assert_no_error (b.error);
  io_exchange (&a, "one\n");
  g_assert_cmpstr (a.reply, ==, "one\n");
  io_exchange (&b, "two\n");
  g_assert_cmpstr (b.reply, ==, "two\n");
  g_assert_cmpuint (aio_test_proxy_get_n_connections (f->proxy), ==, 2);
  g_assert_cmpuint (aio_test_proxy_get_n_active (f->proxy), ==, 2);
  g_assert_cmpuint (aio_test_echo_server_get_n_connections (f->server), ==, 2);

  /* A client that closes is passed on: the proxy forgets the connection. */
  g_io_stream_close (G_IO_STREAM (a.connection), NULL, NULL);
  WAIT_UNTIL (aio_test_proxy_get_n_active (f->proxy) == 1);
  io_clear (&a);
  io_clear (&b);
}

static void
test_proxy_delay (Fixture       *f,
                  gconstpointer  data)
{
  Io io = { 0 };

  /* Delayed both ways, the data still arrives whole and in order. */
  aio_test_proxy_set_delay (f->proxy, 20, 30);
  io_connect (&io, aio_test_proxy_get_port (f->proxy));
  g_assert_no_error (io.error);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *message = g_strdup_printf ("delayed %d\n", i);

      io_exchange (&io, message);
      g_assert_no_error (io.error);
      g_assert_cmpstr (io.reply, ==, message);
      g_clear_pointer (&io.reply, g_free);
    }
  aio_test_proxy_set_delay (f->proxy, 0, 0);
  io_clear (&io);
}

static void
test_proxy_cut (Fixture       *f,
                gconstpointer  data)
{
  Io io = { 0 };

  io_connect (&io, aio_test_proxy_get_port (f->proxy));
  io_exchange (&io, "before\n");
  g_assert_cmpstr (io.reply, ==, "before\n");

  aio_test_proxy_cut_all (f->proxy);
  g_assert_cmpuint (aio_test_proxy_get_n_active (f->proxy), ==, 0);
  /* A clean close: the client reads the end of the stream. */
  io_read_to_end (&io);
  g_assert_no_error (io.error);
  io_clear (&io);

  /* New connections work. */
  io_connect (&io, aio_test_proxy_get_port (f->proxy));
  io_exchange (&io, "after\n");
  g_assert_cmpstr (io.reply, ==, "after\n");
  io_clear (&io);
  g_assert_cmpuint (aio_test_proxy_get_n_connections (f->proxy), ==, 2);
}

static void
test_proxy_reset (Fixture       *f,
                  gconstpointer  data)
{
  Io io = { 0 };

  io_connect (&io, aio_test_proxy_get_port (f->proxy));
  io_exchange (&io, "before\n");
  aio_test_proxy_reset_all (f->proxy);
  io_read_to_end (&io);
  g_assert_error (io.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  io_clear (&io);
}

static void
test_proxy_refusing (Fixture       *f,
                     gconstpointer  data)
{
  Io io = { 0 };
  guint16 port = aio_test_proxy_get_port (f->proxy);

  aio_test_proxy_set_refusing (f->proxy, TRUE);
  io_connect (&io, port);
  g_assert_error (io.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  io_clear (&io);
  g_assert_cmpuint (aio_test_proxy_get_n_connections (f->proxy), ==, 0);

  /* Listening again, on the same port. */
  aio_test_proxy_set_refusing (f->proxy, FALSE);
  g_assert_cmpuint (aio_test_proxy_get_port (f->proxy), ==, port);
  io_connect (&io, port);
  g_assert_no_error (io.error);
  io_exchange (&io, "back\n");
  g_assert_cmpstr (io.reply, ==, "back\n");
  io_clear (&io);
  g_assert_cmpuint (aio_test_proxy_get_n_connections (f->proxy), ==, 1);
}

static void
test_proxy_dead_target (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AioTestProxy) dead = aio_test_proxy_new ("127.0.0.1", 9, &error);
  g_autoptr(AioTestProxy) proxy = NULL;
  Io io = { 0 };

  g_assert_no_error (error);
  aio_test_proxy_set_refusing (dead, TRUE);
  proxy = aio_test_proxy_new ("127.0.0.1", aio_test_proxy_get_port (dead), &error);
  g_assert_no_error (error);

  /* Accepted, then reset when the target cannot be reached. */
  io_connect (&io, aio_test_proxy_get_port (proxy));
  g_assert_no_error (io.error);
  io_read_to_end (&io);
  g_assert_nonnull (io.error);
  io_clear (&io);
  g_assert_cmpuint (aio_test_proxy_get_n_connections (proxy), ==, 1);
  WAIT_UNTIL (aio_test_proxy_get_n_active (proxy) == 0);
}

/* The robust client: a handler that exchanges one line per connection,
 * then waits for the connection to end. */

#define TEST_TYPE_KEEPER (test_keeper_get_type ())
G_DECLARE_FINAL_TYPE (TestKeeper, test_keeper, TEST, KEEPER, AioRobustTcpClient)

struct _TestKeeper
{
  AioRobustTcpClient  parent_instance;

  guint               n_connections;   /* handler calls */
  guint               n_exchanges;     /* successful echoes */
  guint               n_ended;         /* handler completions */
  guint               n_connected_on;  /* notify::connected to TRUE */
  guint               n_connected_off; /* ... to FALSE */
  GError             *last_error;
};

G_DEFINE_FINAL_TYPE (TestKeeper, test_keeper, AIO_TYPE_ROBUST_TCP_CLIENT)

static void
keeper_ended_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestKeeper *self = g_task_get_source_object (task);
  GError *error = NULL;

  self->n_ended++;
  g_clear_error (&self->last_error);
  if (!aio_test_read_to_end_finish (result, &error))
    {
      self->last_error = g_error_copy (error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
keeper_exchanged_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestKeeper *self = g_task_get_source_object (task);
  g_autofree char *reply = NULL;
  GError *error = NULL;

  reply = aio_test_echo_exchange_finish (result, &error);
  if (reply == NULL)
    {
      self->n_ended++;
      g_task_return_error (task, error);
      return;
    }

  g_assert_cmpstr (reply, ==, "ping\n");
  self->n_exchanges++;
  aio_test_read_to_end_async (g_task_get_task_data (task), g_task_get_cancellable (task),
                              keeper_ended_cb, g_object_ref (task));
}

static void
test_keeper_handle_connection_async (AioTcpClient        *client,
                                     GIOStream           *connection,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  TestKeeper *self = TEST_KEEPER (client);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  /* The handler runs while connected. */
  g_assert_true (aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (self)));
  self->n_connections++;
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  aio_test_echo_exchange_async (connection, "ping\n", cancellable, keeper_exchanged_cb, task);
}

static void
keeper_notify_connected (GObject    *object,
                         GParamSpec *pspec,
                         gpointer    user_data)
{
  TestKeeper *self = TEST_KEEPER (object);

  if (aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (self)))
    self->n_connected_on++;
  else
    self->n_connected_off++;
}

static void
test_keeper_finalize (GObject *object)
{
  g_clear_error (&TEST_KEEPER (object)->last_error);
  G_OBJECT_CLASS (test_keeper_parent_class)->finalize (object);
}

static void
test_keeper_class_init (TestKeeperClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_keeper_finalize;
  AIO_TCP_CLIENT_CLASS (klass)->handle_connection_async = test_keeper_handle_connection_async;
}

static void
test_keeper_init (TestKeeper *self)
{
  g_signal_connect (self, "notify::connected", G_CALLBACK (keeper_notify_connected), NULL);
}

static TestKeeper *
keeper_new (guint16 port)
{
  return g_object_new (TEST_TYPE_KEEPER,
                       "name", "keeper",
                       "address", "127.0.0.1",
                       "port", (guint) port,
                       "reconnect-timeout", 0.005,
                       "reconnect-max", 0.02,
                       NULL);
}

static void
stop (gpointer service)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_no_error (error);
}

static void
test_robust_properties (void)
{
  g_autoptr(TestKeeper) keeper = g_object_new (TEST_TYPE_KEEPER, NULL);
  AioRobustTcpClient *client = AIO_ROBUST_TCP_CLIENT (keeper);
  double timeout = 0, max = 0;
  gboolean connected = TRUE;

  g_object_get (keeper, "reconnect-timeout", &timeout, "reconnect-max", &max,
                "connected", &connected, NULL);
  g_assert_cmpfloat (timeout, ==, 1.0);
  g_assert_cmpfloat (max, ==, 30.0);
  g_assert_false (connected);
  g_assert_true (AIO_IS_TCP_CLIENT (keeper));
  g_assert_cmpint (aio_tcp_client_get_connect_attempts (AIO_TCP_CLIENT (keeper)), ==, 5);

  aio_robust_tcp_client_set_reconnect_timeout (client, 0.5);
  aio_robust_tcp_client_set_reconnect_max (client, 4);
  g_assert_cmpfloat (aio_robust_tcp_client_get_reconnect_timeout (client), ==, 0.5);
  g_assert_cmpfloat (aio_robust_tcp_client_get_reconnect_max (client), ==, 4);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_robust_notify (void)
{
  g_autoptr(TestKeeper) keeper = g_object_new (TEST_TYPE_KEEPER, NULL);
  AioRobustTcpClient *client = AIO_ROBUST_TCP_CLIENT (keeper);
  guint n = 0;

  g_signal_connect (keeper, "notify", G_CALLBACK (count_notify), &n);
  aio_robust_tcp_client_set_reconnect_timeout (client, 0.5);
  aio_robust_tcp_client_set_reconnect_timeout (client, 0.5);
  aio_robust_tcp_client_set_reconnect_max (client, 4);
  aio_robust_tcp_client_set_reconnect_max (client, 4);
  g_assert_cmpuint (n, ==, 2);
}

static void
test_robust_invalid (void)
{
  g_autoptr(TestKeeper) keeper = keeper_new (7);
  struct {
    double      timeout;
    double      max;
    const char *needle;
  } cases[] = {
    { 0, 1, "invalid reconnect-timeout 0" },
    { -1, 1, "invalid reconnect-timeout -1" },
    { INFINITY, 1, "invalid reconnect-timeout inf" },
    { 2, 1, "invalid reconnect-max 1" },
    { 1, INFINITY, "invalid reconnect-max inf" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      aio_robust_tcp_client_set_reconnect_timeout (AIO_ROBUST_TCP_CLIENT (keeper), cases[i].timeout);
      aio_robust_tcp_client_set_reconnect_max (AIO_ROBUST_TCP_CLIENT (keeper), cases[i].max);
      g_assert_false (aio_test_start_service (AIO_SERVICE (keeper), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].needle));
    }

  /* The properties of the TCP client are checked too; its attempts are
   * not: the robust client never gives up. */
  {
    g_autoptr(GError) error = NULL;

    g_object_set (keeper, "reconnect-timeout", 1.0, "reconnect-max", 2.0, "port", 0u, NULL);
    aio_tcp_client_set_connect_attempts (AIO_TCP_CLIENT (keeper), 0);
    g_assert_false (aio_test_start_service (AIO_SERVICE (keeper), &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "invalid port 0"));
  }
  g_assert_cmpuint (keeper->n_connections, ==, 0);
}

static void
test_robust_survives_cuts (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(TestKeeper) keeper = keeper_new (aio_test_proxy_get_port (f->proxy));
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_start_service (AIO_SERVICE (keeper), &error));
  g_assert_no_error (error);
  /* Ready at the first connection. */
  g_assert_true (aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (keeper)));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (keeper)), ==, AIO_SERVICE_STATE_RUNNING);
  WAIT_UNTIL (keeper->n_exchanges == 1);

  for (guint cut = 1; cut <= 3; cut++)
    {
      aio_test_proxy_cut_all (f->proxy);
      /* Disconnected, reconnected, and data flows again. */
      WAIT_UNTIL (keeper->n_connected_off == cut);
      WAIT_UNTIL (keeper->n_exchanges == cut + 1);
      g_assert_true (aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (keeper)));
      g_assert_cmpuint (keeper->n_connected_on, ==, cut + 1);
      g_assert_cmpuint (keeper->n_connections, ==, cut + 1);
      /* A cut is a clean end of the connection, not a failure. */
      g_assert_no_error (keeper->last_error);
    }
  g_assert_cmpuint (aio_test_proxy_get_n_connections (f->proxy), ==, 4);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "the connection to 127.0.0.1"), ==, 3);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "keeper"), ==, 0);

  /* A reset fails the handler: logged as a warning, reconnected all the same. */
  aio_test_proxy_reset_all (f->proxy);
  WAIT_UNTIL (keeper->n_connected_off == 4);
  WAIT_UNTIL (keeper->n_exchanges == 5);
  g_assert_error (keeper->last_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "Client 'keeper': the connection to 127.0.0.1"), ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (keeper)), ==, AIO_SERVICE_STATE_RUNNING);

  /* Stop cancels the handler and disconnects. */
  stop (keeper);
  g_assert_false (aio_robust_tcp_client_get_connected (AIO_ROBUST_TCP_CLIENT (keeper)));
  g_assert_cmpuint (keeper->n_connected_off, ==, 5);
  g_assert_cmpuint (keeper->n_ended, ==, 5);
  WAIT_UNTIL (aio_test_proxy_get_n_active (f->proxy) == 0);
}

/* Connections fail while the server is away; the client waits and comes
 * back without being restarted. */
static void
test_robust_server_away (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(TestKeeper) keeper = keeper_new (aio_test_proxy_get_port (f->proxy));
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  aio_test_proxy_set_refusing (f->proxy, TRUE);
  aio_service_start_async (AIO_SERVICE (keeper), NULL, aio_test_async_result_cb, &started);
  WAIT_UNTIL (aio_test_log_count (G_LOG_LEVEL_INFO, "reconnecting to 127.0.0.1") >= 3);
  /* Not ready before the first connection. */
  g_assert_null (started);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (keeper)), ==, AIO_SERVICE_STATE_STARTING);
  g_assert_cmpuint (keeper->n_connected_on, ==, 0);

  aio_test_proxy_set_refusing (f->proxy, FALSE);
  g_assert_true (aio_service_start_finish (AIO_SERVICE (keeper), aio_test_wait_result (&started),
                                           &error));
  g_assert_no_error (error);
  WAIT_UNTIL (keeper->n_exchanges == 1);

  /* The server goes away with the connection: reconnected once it is back. */
  aio_test_proxy_set_refusing (f->proxy, TRUE);
  aio_test_proxy_cut_all (f->proxy);
  WAIT_UNTIL (keeper->n_connected_off == 1);
  aio_test_log_clear ();
  WAIT_UNTIL (aio_test_log_count (G_LOG_LEVEL_INFO, "cannot connect to 127.0.0.1") >= 2);
  aio_test_proxy_set_refusing (f->proxy, FALSE);
  WAIT_UNTIL (keeper->n_exchanges == 2);
  stop (keeper);
}

/* Reads the pause and its bound out of the next "reconnecting" log line. */
static gboolean
next_pause (guint  *seen,
            double *pause,
            double *bound,
            guint  *failure)
{
  g_autoptr(GPtrArray) lines = aio_test_log_find (G_LOG_LEVEL_INFO, "reconnecting to");
  const char *line;

  if (lines->len <= *seen)
    return FALSE;
  line = strstr (g_ptr_array_index (lines, *seen), " in ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, " in %lf s (backoff bound %lf s, failure %u)", pause, bound, failure), ==, 3);
  (*seen)++;
  return TRUE;
}

static void
test_robust_backoff (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(TestKeeper) keeper = keeper_new (aio_test_proxy_get_port (f->proxy));
  double expected[] = { 1, 2, 4, 8, 8, 8 };
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;
  double pause, bound;
  guint failure, seen = 0;

  g_object_set (keeper, "clock", clock, "reconnect-timeout", 1.0, "reconnect-max", 8.0, NULL);
  aio_test_proxy_set_refusing (f->proxy, TRUE);
  aio_service_start_async (AIO_SERVICE (keeper), NULL, aio_test_async_result_cb, &started);

  /* The bound doubles with each failure, up to the cap; the pause (full
   * jitter) lies between 0 and the bound. The manual clock jumps over it. */
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      WAIT_UNTIL (next_pause (&seen, &pause, &bound, &failure));
      g_assert_cmpuint (failure, ==, i + 1);
      g_assert_cmpfloat (bound, ==, expected[i]);
      g_assert_cmpfloat (pause, >=, 0);
      g_assert_cmpfloat (pause, <=, bound);
      if (i + 1 == G_N_ELEMENTS (expected))
        aio_test_proxy_set_refusing (f->proxy, FALSE);
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), (gint64) (bound * G_USEC_PER_SEC) + 1);
    }

  g_assert_true (aio_service_start_finish (AIO_SERVICE (keeper), aio_test_wait_result (&started),
                                           &error));
  g_assert_no_error (error);
  WAIT_UNTIL (keeper->n_exchanges == 1);

  /* A connection made starts the count again: after the end of this one,
   * the bound is back to reconnect-timeout. */
  aio_test_proxy_cut_all (f->proxy);
  WAIT_UNTIL (next_pause (&seen, &pause, &bound, &failure));
  g_assert_cmpuint (failure, ==, 1);
  g_assert_cmpfloat (bound, ==, 1);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), G_USEC_PER_SEC + 1);
  WAIT_UNTIL (keeper->n_exchanges == 2);
  stop (keeper);
}

static void
test_robust_stop_during_wait (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(TestKeeper) keeper = keeper_new (aio_test_proxy_get_port (f->proxy));
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  /* An hour-long pause: the stop must cut it short. */
  g_object_set (keeper, "reconnect-timeout", 3600.0, "reconnect-max", 3600.0, NULL);
  aio_test_proxy_set_refusing (f->proxy, TRUE);
  aio_service_start_async (AIO_SERVICE (keeper), NULL, aio_test_async_result_cb, &started);
  WAIT_UNTIL (aio_test_log_count (G_LOG_LEVEL_INFO, "reconnecting to 127.0.0.1") == 1);

  stop (keeper);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (keeper), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (keeper)), ==, AIO_SERVICE_STATE_STOPPED);

  /* After a connection too: a cut, then a stop during the pause. */
  aio_test_proxy_set_refusing (f->proxy, FALSE);
  g_assert_true (aio_test_start_service (AIO_SERVICE (keeper), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (keeper->n_exchanges == 1);
  aio_test_log_clear ();
  aio_test_proxy_cut_all (f->proxy);
  WAIT_UNTIL (aio_test_log_count (G_LOG_LEVEL_INFO, "reconnecting to 127.0.0.1") == 1);
  stop (keeper);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (keeper)), ==, AIO_SERVICE_STATE_STOPPED);
}

/* TLS is inherited: verified by default, and reconnected like plain TCP. */
static void
test_robust_tls (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(AioTestProxy) proxy = NULL;
  g_autoptr(TestKeeper) keeper = NULL;
  g_autoptr(TestKeeper) doubter = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) started = NULL;

  if (certs == NULL)
    return;
  aio_test_log_clear ();
  certificate = _aio_tls_load_certificate (certs->server_cert, certs->server_key, &error);
  g_assert_no_error (error);
  server = aio_test_echo_server_new (certificate, G_TLS_AUTHENTICATION_NONE, &error);
  g_assert_no_error (error);
  proxy = aio_test_proxy_new ("127.0.0.1", aio_test_echo_server_get_port (server), &error);
  g_assert_no_error (error);

  keeper = keeper_new (aio_test_proxy_get_port (proxy));
  g_object_set (keeper, "tls", TRUE, "tls-ca-file", certs->ca_cert, NULL);
  g_assert_true (aio_test_start_service (AIO_SERVICE (keeper), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (keeper->n_exchanges == 1);
  aio_test_proxy_cut_all (proxy);
  WAIT_UNTIL (keeper->n_exchanges == 2);
  g_assert_cmpuint (aio_test_echo_server_get_n_handshakes (server), ==, 2);
  stop (keeper);

  /* Trusting another CA: never connected, retried, each failure logged. */
  doubter = keeper_new (aio_test_echo_server_get_port (server));
  g_object_set (doubter, "tls", TRUE, "tls-ca-file", certs->other_ca_cert, NULL);
  aio_service_start_async (AIO_SERVICE (doubter), NULL, aio_test_async_result_cb, &started);
  WAIT_UNTIL (aio_test_log_count (G_LOG_LEVEL_INFO, "is not trusted (signed by an unknown certificate authority)") >= 2);
  g_assert_null (started);
  g_assert_cmpuint (doubter->n_connections, ==, 0);
  stop (doubter);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (doubter), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A server that accepts (into the kernel's backlog) and never answers:
 * the handler's read times out at idle-timeout and the client reconnects
 * instead of hanging on the silent connection. */
static void
test_robust_idle_timeout (void)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(TestKeeper) keeper = NULL;
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (server, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server, &error);
  g_assert_no_error (error);

  keeper = keeper_new (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_object_set (keeper, "idle-timeout", 0.2, NULL);
  aio_service_start_async (AIO_SERVICE (keeper), NULL, aio_test_async_result_cb, &started);
  g_assert_true (aio_service_start_finish (AIO_SERVICE (keeper), aio_test_wait_result (&started),
                                           &error));
  g_assert_no_error (error);

  WAIT_UNTIL (keeper->n_connections >= 2);
  g_assert_cmpuint (keeper->n_ended, >=, 1);
  g_assert_cmpuint (keeper->n_exchanges, ==, 0);
  g_assert_cmpuint (aio_test_log_count_all (G_LOG_LEVEL_INFO | G_LOG_LEVEL_WARNING,
                                            "timed out", NULL), >=, 1);
  stop (keeper);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* Warnings are expected (and checked): keep only criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  /* Infos, messages and warnings, asserted on; warnings are written only
   * with --verbose. */
  aio_test_log_capture_install (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING,
                                G_LOG_LEVEL_WARNING);

#define ADD(path, func) \
  g_test_add ("/Aio/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("TestProxy/forwards", test_proxy_forwards);
  ADD ("TestProxy/delay", test_proxy_delay);
  ADD ("TestProxy/cut", test_proxy_cut);
  ADD ("TestProxy/reset", test_proxy_reset);
  ADD ("TestProxy/refusing", test_proxy_refusing);
  g_test_add_func ("/Aio/TestProxy/dead-target", test_proxy_dead_target);

  g_test_add_func ("/Aio/RobustTcpClient/properties", test_robust_properties);
  g_test_add_func ("/Aio/RobustTcpClient/notify", test_robust_notify);
  g_test_add_func ("/Aio/RobustTcpClient/invalid", test_robust_invalid);
  ADD ("RobustTcpClient/survives-cuts", test_robust_survives_cuts);
  ADD ("RobustTcpClient/server-away", test_robust_server_away);
  ADD ("RobustTcpClient/backoff", test_robust_backoff);
  ADD ("RobustTcpClient/stop-during-wait", test_robust_stop_during_wait);
  g_test_add_func ("/Aio/RobustTcpClient/tls", test_robust_tls);
  g_test_add_func ("/Aio/RobustTcpClient/idle-timeout", test_robust_idle_timeout);

#undef ADD

  ret = g_test_run ();
  aio_test_stop_pool_threads ();
  return ret;
}
