/* test-stream-read.c: aio_stream_read_bytes_async
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aio-stream-read-private.h"

/* Starts a read and waits for it; returns the bytes or NULL and @error. */
static GBytes *
read_bytes (GIOStream     *stream,
            gsize          count,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aio_stream_read_bytes_async (stream, count, G_PRIORITY_DEFAULT, cancellable,
                               aio_test_async_result_cb, &result);
  aio_test_wait_result (&result);
  return aio_stream_read_bytes_finish (stream, result, error);
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected)
{
  gsize size = 0;
  const char *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &size);
  g_assert_cmpmem (data, size, expected, strlen (expected));
}

static void
write_peer (int         fd,
            const char *data)
{
  gsize len = strlen (data);

  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
}

/* A GSocketConnection (a GUnixConnection over a socketpair) and the
 * descriptor of its peer. */
static GIOStream *
socket_stream_new (int *peer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  *peer = fds[1];
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

/* A stream that is pollable without being a socket connection (read
 * through its pollable input stream and its source): the streams of one,
 * in a GSimpleIOStream. */
static GIOStream *
pollable_stream_new (int *peer)
{
  GIOStream *connection = socket_stream_new (peer);
  GIOStream *stream = g_simple_io_stream_new (g_io_stream_get_input_stream (connection),
                                              g_io_stream_get_output_stream (connection));

  /* A GIOStream closes its streams when it goes. */
  g_object_set_data_full (G_OBJECT (stream), "aio-test-connection", connection, g_object_unref);
  return stream;
}

typedef GIOStream *(*StreamNew) (int *peer);

/* What arrives later, what is there already, a smaller count, the end. */
static void
test_read (gconstpointer data)
{
  StreamNew stream_new = data;
  int peer;
  g_autoptr(GIOStream) stream = stream_new (&peer);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  /* Nothing there yet: the read waits for the peer. */
  aio_stream_read_bytes_async (stream, 100, G_PRIORITY_DEFAULT, NULL,
                               aio_test_async_result_cb, &result);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (result);
  g_assert_true (g_input_stream_has_pending (g_io_stream_get_input_stream (stream)));
  write_peer (peer, "hello");
  aio_test_wait_result (&result);
  g_assert_false (g_input_stream_has_pending (g_io_stream_get_input_stream (stream)));
  bytes = aio_stream_read_bytes_finish (stream, result, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "hello");
  g_bytes_unref (bytes);

  /* There already, and more than @count: what fits, then the rest. */
  write_peer (peer, "0123456789");
  bytes = read_bytes (stream, 4, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "0123");
  g_bytes_unref (bytes);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "456789");
  g_bytes_unref (bytes);

  /* A count of 0 reads nothing. */
  bytes = read_bytes (stream, 0, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "");
  g_bytes_unref (bytes);

  /* The end of the stream: empty bytes. */
  write_peer (peer, "last");
  close (peer);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "last");
  g_bytes_unref (bytes);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "");
  g_bytes_unref (bytes);
}

/* One read at a time; a closed stream. */
static void
test_pending_and_closed (gconstpointer data)
{
  StreamNew stream_new = data;
  int peer;
  g_autoptr(GIOStream) stream = stream_new (&peer);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  aio_stream_read_bytes_async (stream, 100, G_PRIORITY_DEFAULT, NULL,
                               aio_test_async_result_cb, &first);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_null (bytes);
  g_clear_error (&error);
  g_assert_null (first);

  write_peer (peer, "first");
  aio_test_wait_result (&first);
  bytes = aio_stream_read_bytes_finish (stream, first, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "first");
  g_bytes_unref (bytes);

  g_assert_true (g_io_stream_close (stream, NULL, &error));
  g_assert_no_error (error);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_null (bytes);
  close (peer);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* A cancelled read fails; the data that comes later is read next. */
static void
test_cancel (gconstpointer data)
{
  StreamNew stream_new = data;
  int peer;
  g_autoptr(GIOStream) stream = stream_new (&peer);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  /* While it waits. */
  g_idle_add (cancel_cb, cancellable);
  bytes = read_bytes (stream, 100, cancellable, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (bytes);
  g_clear_error (&error);
  g_assert_false (g_input_stream_has_pending (g_io_stream_get_input_stream (stream)));

  /* Before it starts, with data there: nothing is taken from the stream. */
  write_peer (peer, "kept");
  g_cancellable_cancel (cancelled);
  bytes = read_bytes (stream, 100, cancelled, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (bytes);
  g_clear_error (&error);

  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "kept");
  g_bytes_unref (bytes);
  close (peer);
}

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

/* A waiting read cancelled from another thread ends on its own. */
static void
test_cancel_from_thread (gconstpointer data)
{
  StreamNew stream_new = data;
  int peer;
  g_autoptr(GIOStream) stream = stream_new (&peer);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GThread *thread;
  GBytes *bytes;

  aio_stream_read_bytes_async (stream, 100, G_PRIORITY_DEFAULT, cancellable,
                               aio_test_async_result_cb, &result);
  g_main_context_iteration (NULL, FALSE);
  thread = g_thread_new ("aio-test-cancel", cancel_thread, cancellable);
  aio_test_wait_result (&result);
  g_thread_join (thread);
  bytes = aio_stream_read_bytes_finish (stream, result, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (bytes);
  g_clear_error (&error);

  /* The cancellable is done with: what comes next is read. */
  write_peer (peer, "after");
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "after");
  g_bytes_unref (bytes);
  close (peer);
}

/* A read returns what arrived, however large @count, in pieces of at most
 * AIO_STREAM_READ_MAX bytes; nothing is lost or reordered. */
static void
test_large (void)
{
  int peer;
  g_autoptr(GIOStream) stream = socket_stream_new (&peer);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  g_autofree guint8 *sent = g_malloc (3 * AIO_STREAM_READ_MAX);
  gsize total = 3 * AIO_STREAM_READ_MAX;
  gsize written = 0;
  guint reads = 0;

  for (gsize i = 0; i < total; i++)
    sent[i] = (guint8) (i * 7 + (i >> 9));
  g_assert_true (g_unix_set_fd_nonblocking (peer, TRUE, NULL));

  while (got->len < total)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (written < total)
        {
          gssize n = write (peer, sent + written, total - written);

          if (n > 0)
            written += (gsize) n;
        }
      bytes = read_bytes (stream, G_MAXSIZE, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
      g_assert_cmpuint (g_bytes_get_size (bytes), <=, AIO_STREAM_READ_MAX);
      g_byte_array_append (got, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      reads++;
    }
  g_assert_cmpmem (got->data, got->len, sent, total);
  g_assert_cmpuint (reads, >=, 3);
  close (peer);
}

/* A stream that cannot poll is read with g_input_stream_read_bytes_async(). */
static void
test_not_pollable (void)
{
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_data ("abc", 3, NULL);
  g_autoptr(GInputStream) input = g_buffered_input_stream_new (memory);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (input, output);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_assert_false (G_IS_POLLABLE_INPUT_STREAM (input) &&
                  g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)));
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "abc");
  g_bytes_unref (bytes);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "");
  g_bytes_unref (bytes);
}

/* A count above AIO_STREAM_READ_MAX reads at most that much at a time, on
 * a stream that cannot poll too (GIO's read would allocate @count). */
static void
test_not_pollable_max (void)
{
  gsize size = 2 * AIO_STREAM_READ_MAX + 100;
  g_autoptr(GInputStream) memory = g_memory_input_stream_new_from_data (g_malloc0 (size), size, g_free);
  g_autoptr(GInputStream) input = g_buffered_input_stream_new_sized (memory, size);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (input, output);
  g_autoptr(GError) error = NULL;
  gsize total = 0;

  while (TRUE)
    {
      g_autoptr(GBytes) bytes = read_bytes (stream, G_MAXSIZE / 2, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (bytes), <=, AIO_STREAM_READ_MAX);
      if (g_bytes_get_size (bytes) == 0)
        break;
      total += g_bytes_get_size (bytes);
    }
  g_assert_cmpuint (total, ==, size);
}

/* A socket with a timeout (AioTcpClient:idle-timeout sets one): a read
 * that waits longer fails with G_IO_ERROR_TIMED_OUT, as GIO's does. */
static void
test_socket_timeout (void)
{
  int peer;
  g_autoptr(GIOStream) stream = socket_stream_new (&peer);
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_socket_set_timeout (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)), 1);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (bytes);
  g_clear_error (&error);

  /* What arrives in time is read. */
  write_peer (peer, "in time");
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "in time");
  g_bytes_unref (bytes);
  close (peer);
}

/* Reads on another thread complete on that thread's context, with a buffer
 * of that thread. */
typedef struct
{
  GIOStream *stream;
  int        peer;
  GThread   *caller;
} ThreadRead;

static void
thread_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ThreadRead *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = aio_stream_read_bytes_finish (G_IO_STREAM (object), result, &error);

  g_assert_no_error (error);
  g_assert_true (g_thread_self () == t->caller);
  assert_bytes (bytes, "threaded");
  t->caller = NULL;
}

static gpointer
thread_read (gpointer data)
{
  ThreadRead *t = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  t->caller = g_thread_self ();
  aio_stream_read_bytes_async (t->stream, 100, G_PRIORITY_DEFAULT, NULL, thread_read_cb, t);
  write_peer (t->peer, "threaded");
  while (t->caller != NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_thread (void)
{
  ThreadRead t = { NULL, -1, NULL };
  g_autoptr(GIOStream) stream = socket_stream_new (&t.peer);

  t.stream = stream;
  g_thread_join (g_thread_new ("aio-test-read", thread_read, &t));
  close (t.peer);
}

/* A draining server ends the reading side: what the peer sent until then
 * is read (in pieces too), then the end, although the peer sends more (a
 * TCP peer's data still arrives after SHUT_RD on Linux). A waiting read
 * sees the end as soon as anything arrives. */
static void
test_read_end (void)
{
  int peer;
  g_autoptr(GIOStream) stream = socket_stream_new (&peer);
  g_autoptr(GIOStream) waiting = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;
  int waiting_peer;

  write_peer (peer, "before the end");
  _aio_stream_read_end (stream);
  _aio_stream_read_end (stream);  /* a second call changes nothing */
  write_peer (peer, "after");

  bytes = read_bytes (stream, 6, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "before");
  g_bytes_unref (bytes);
  bytes = read_bytes (stream, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, " the end");
  g_bytes_unref (bytes);
  for (guint i = 0; i < 2; i++)
    {
      bytes = read_bytes (stream, 100, NULL, &error);
      g_assert_no_error (error);
      assert_bytes (bytes, "");
      g_bytes_unref (bytes);
    }
  close (peer);

  /* Nothing was sent: a pending read ends when the peer sends more. */
  waiting = socket_stream_new (&waiting_peer);
  aio_stream_read_bytes_async (waiting, 100, G_PRIORITY_DEFAULT, NULL,
                               aio_test_async_result_cb, &result);
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (result);
  _aio_stream_read_end (waiting);
  write_peer (waiting_peer, "late");
  aio_test_wait_result (&result);
  bytes = aio_stream_read_bytes_finish (waiting, result, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "");
  g_bytes_unref (bytes);
  bytes = read_bytes (waiting, 100, NULL, &error);
  g_assert_no_error (error);
  assert_bytes (bytes, "");
  g_bytes_unref (bytes);
  close (waiting_peer);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/Aio/StreamRead/socket/read", socket_stream_new, test_read);
  g_test_add_data_func ("/Aio/StreamRead/socket/pending-and-closed", socket_stream_new,
                        test_pending_and_closed);
  g_test_add_data_func ("/Aio/StreamRead/socket/cancel", socket_stream_new, test_cancel);
  g_test_add_data_func ("/Aio/StreamRead/socket/cancel-from-thread", socket_stream_new,
                        test_cancel_from_thread);
  g_test_add_data_func ("/Aio/StreamRead/pollable/read", pollable_stream_new, test_read);
  g_test_add_data_func ("/Aio/StreamRead/pollable/pending-and-closed", pollable_stream_new,
                        test_pending_and_closed);
  g_test_add_data_func ("/Aio/StreamRead/pollable/cancel", pollable_stream_new, test_cancel);
  g_test_add_data_func ("/Aio/StreamRead/pollable/cancel-from-thread", pollable_stream_new,
                        test_cancel_from_thread);
  g_test_add_func ("/Aio/StreamRead/large", test_large);
  g_test_add_func ("/Aio/StreamRead/not-pollable", test_not_pollable);
  g_test_add_func ("/Aio/StreamRead/thread", test_thread);
  g_test_add_func ("/Aio/StreamRead/socket/read-end", test_read_end);
  g_test_add_func ("/Aio/StreamRead/not-pollable-max", test_not_pollable_max);
  g_test_add_func ("/Aio/StreamRead/socket/timeout", test_socket_timeout);

  return g_test_run ();
}
