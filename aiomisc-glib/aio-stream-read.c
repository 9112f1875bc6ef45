/* aio-stream-read.c: reading a stream without a buffer of its own
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "aiomisc-glib.h"
#include "aio-stream-read-private.h"

/* After _aio_stream_read_end(): how many bytes the reads of the stream may
 * still return, plus one (qdata; absent while the reading side is open). */
static G_DEFINE_QUARK (aio-stream-read-left, read_left)

/* One read buffer per thread (see aio-stream-read-private.h), shared by the
 * reads of this file and the transports of the protocol path. */
typedef struct
{
  gboolean busy;
  guint8   data[AIO_STREAM_READ_MAX];
} ReadBuffer;

static GPrivate read_buffer_key = G_PRIVATE_INIT (g_free);

guint8 *
_aio_read_buffer_acquire (void)
{
  ReadBuffer *shared = g_private_get (&read_buffer_key);

  if (G_UNLIKELY (shared == NULL))
    {
      shared = g_malloc (sizeof (ReadBuffer));
      shared->busy = FALSE;
      g_private_set (&read_buffer_key, shared);
    }
  if (G_UNLIKELY (shared->busy))
    return g_malloc (AIO_STREAM_READ_MAX);
  shared->busy = TRUE;
  return shared->data;
}

void
_aio_read_buffer_release (guint8 *buffer)
{
  ReadBuffer *shared = g_private_get (&read_buffer_key);

  if (G_LIKELY (buffer == shared->data))
    shared->busy = FALSE;
  else
    g_free (buffer);
}

/* The socket of a plain #GSocketConnection, whose input stream is GIO's
 * own socket stream: such a connection is read and waited on through its
 * socket, skipping the layers of its pollable stream. NULL for any other
 * stream (a TLS connection, a GTcpWrapperConnection, a subclass with
 * streams of its own) and for a socket with a timeout. */
static GSocket *
plain_socket (GIOStream    *stream,
              GInputStream *input)
{
  static gpointer socket_input_type; /* GSocketInputStream's GType */
  GType type = GPOINTER_TO_SIZE (g_atomic_pointer_get (&socket_input_type));
  GSocket *socket;

  if (!G_IS_SOCKET_CONNECTION (stream) || G_IS_TCP_WRAPPER_CONNECTION (stream))
    return NULL;
  if (G_UNLIKELY (type == 0))
    {
      /* A private type of GIO: known by name once it has an instance. */
      type = g_type_from_name ("GSocketInputStream");
      g_atomic_pointer_set (&socket_input_type, GSIZE_TO_POINTER (type));
    }
  if (type == 0 || G_TYPE_FROM_INSTANCE (input) != type)
    return NULL;
  socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  /* A socket with a timeout (AioTcpClient:idle-timeout) is read through
   * its stream, whose source and read fail with G_IO_ERROR_TIMED_OUT. */
  return g_socket_get_timeout (socket) == 0 ? socket : NULL;
}

/* Reads now, without blocking. FALSE when nothing is there yet; otherwise
 * the task is completed (with the bytes, the end of the stream, an error
 * or the cancellation) and TRUE. */
static gboolean
read_now (GTask *task)
{
  GIOStream *stream = g_task_get_source_object (task);
  GInputStream *input = g_io_stream_get_input_stream (stream);
  gsize count = GPOINTER_TO_SIZE (g_task_get_task_data (task));
  GSocket *socket = plain_socket (stream, input);
  GError *error = NULL;
  GBytes *bytes = NULL;
  guint8 *buffer;
  gssize n;

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_input_stream_clear_pending (input);
      g_task_return_error_if_cancelled (task);
      return TRUE;
    }

  buffer = _aio_read_buffer_acquire ();
  if (socket != NULL)
    {
      gsize left = GPOINTER_TO_SIZE (g_object_get_qdata (G_OBJECT (stream), read_left_quark ()));

      if (left != 0)
        count = MIN (count, left - 1);
      /* A plain connection: its socket directly, as its input stream
       * would, but with no GError made when nothing is there. */
      if (g_socket_is_closed (socket))
        {
          n = -1;
          g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED, "Socket is already closed");
        }
      else
        {
          do
            n = recv (g_socket_get_fd (socket), buffer, count, MSG_DONTWAIT);
          while (n < 0 && errno == EINTR);
          if (n < 0)
            {
              int errsv = errno;

              if (errsv == EAGAIN || errsv == EWOULDBLOCK)
                {
                  _aio_read_buffer_release (buffer);
                  return FALSE;
                }
              g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           "Error receiving data: %s", g_strerror (errsv));
            }
          else if (left != 0)
            g_object_set_qdata (G_OBJECT (stream), read_left_quark (),
                                GSIZE_TO_POINTER (left - (gsize) n));
        }
    }
  else
    {
      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buffer, count,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          _aio_read_buffer_release (buffer);
          g_error_free (error);
          return FALSE;
        }
    }
  if (n >= 0)
    bytes = g_bytes_new (buffer, (gsize) n);
  _aio_read_buffer_release (buffer);

  /* The callback may read again. */
  g_input_stream_clear_pending (input);
  if (bytes != NULL)
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
  return TRUE;
}

/* The wait of a plain connection: one source polling the socket, woken by
 * the cancellable through its ready time (g_source_set_ready_time() may be
 * called from any thread), rather than a socket source with a cancellable
 * source as its child: one GSource per waiting read instead of two. */
typedef struct
{
  GSource       source;
  GTask        *task;         /* strong, until the read completed */
  GCancellable *cancellable;  /* strong, while cancel_id is connected */
  gulong        cancel_id;
} ReadSource;

static void
read_source_cancelled_cb (GCancellable *cancellable,
                          gpointer      user_data)
{
  /* No reference is needed: the source is destroyed only from its own
   * dispatch or finalize, which disconnect this handler first (and
   * g_cancellable_disconnect() waits for a run in another thread). */
  g_source_set_ready_time (user_data, 0);
}

static void
read_source_disconnect (ReadSource *self)
{
  /* Waits for a handler running in another thread: none runs after it. */
  if (self->cancel_id != 0)
    g_cancellable_disconnect (self->cancellable, self->cancel_id);
  self->cancel_id = 0;
  g_clear_object (&self->cancellable);
}

static gboolean
read_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  ReadSource *self = (ReadSource *) source;
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (task == NULL)
    return G_SOURCE_REMOVE;
  if (!read_now (task))
    {
      /* Woken with nothing to read: wait on; a cancellation since the
       * check in read_now() wakes the source again (the flag is set before
       * the handler runs). */
      self->task = g_steal_pointer (&task);
      g_source_set_ready_time (source, -1);
      if (g_cancellable_is_cancelled (self->cancellable))
        g_source_set_ready_time (source, 0);
      return G_SOURCE_CONTINUE;
    }
  read_source_disconnect (self);
  return G_SOURCE_REMOVE;
}

static void
read_source_finalize (GSource *source)
{
  ReadSource *self = (ReadSource *) source;

  read_source_disconnect (self);
  g_clear_object (&self->task);
}

static GSourceFuncs read_source_funcs = {
  .dispatch = read_source_dispatch,
  .finalize = read_source_finalize,
};

static GSource *
read_source_new (GTask   *task,
                 GSocket *socket)
{
  GSource *source = g_source_new (&read_source_funcs, sizeof (ReadSource));
  ReadSource *self = (ReadSource *) source;
  GCancellable *cancellable = g_task_get_cancellable (task);

  self->task = g_object_ref (task);
  g_source_add_unix_fd (source, g_socket_get_fd (socket), G_IO_IN);
  if (cancellable != NULL)
    {
      self->cancellable = g_object_ref (cancellable);
      /* Already cancelled: the callback runs now, and the id is 0. */
      self->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (read_source_cancelled_cb),
                                               source, NULL);
      if (self->cancel_id == 0)
        g_clear_object (&self->cancellable);
    }
  return source;
}

static gboolean
pollable_ready_cb (GObject  *pollable,
                   gpointer  user_data)
{
  return read_now (user_data) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
read_bytes_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (bytes != NULL)
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, error);
}

/**
 * aio_stream_read_bytes_async:
 * @stream: the stream to read from, such as the connection that
 *   `handle_client_async` of [class@Aio.TcpServer] gets
 * @count: the most bytes to read; at most %AIO_STREAM_READ_MAX are read
 *   at a time
 * @io_priority: the I/O priority of the read
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the read
 *   completed
 * @user_data: data for @callback
 *
 * Reads what arrives on the input stream of @stream, up to @count bytes,
 * as g_input_stream_read_bytes_async() does, but without a buffer for the
 * read: while it waits, the read holds no memory for the data; once
 * @stream is readable, it reads into a buffer shared by the thread and
 * returns a #GBytes of exactly what arrived. An idle connection so costs
 * no read buffer, which is what makes thousands of open connections cheap
 * on the streams path of [class@Aio.TcpServer] (a 16 KiB buffer per
 * connection is most of what such a connection otherwise costs). The copy
 * is only of the bytes that arrived.
 *
 * @stream is read through its pollable input stream (a #GSocketConnection
 * is read through its socket directly, and a #GTlsConnection works too);
 * the input stream of a stream that cannot poll is read with
 * g_input_stream_read_bytes_async(), and then a buffer of @count bytes is
 * held while the read waits.
 *
 * As for any read of the input stream, only one may be pending at a time:
 * a second one fails with %G_IO_ERROR_PENDING, and a read of a closed
 * stream with %G_IO_ERROR_CLOSED. Cancelling @cancellable makes the read
 * fail with %G_IO_ERROR_CANCELLED, dropping what was not returned yet. A
 * socket with a timeout (g_socket_set_timeout(), as `AioTcpClient` sets for
 * its idle timeout) makes a read that waits longer fail with
 * %G_IO_ERROR_TIMED_OUT, as GIO's reads do.
 *
 * Call [func@Aio.stream_read_bytes_finish] from @callback, which runs on
 * the thread-default main context of the caller.
 *
 * Since: 0.2
 */
void
aio_stream_read_bytes_async (GIOStream           *stream,
                             gsize                count,
                             int                  io_priority,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GInputStream *input;
  GError *error = NULL;
  GSocket *socket;
  GTask *task;
  GSource *source;

  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  input = g_io_stream_get_input_stream (stream);
  task = g_task_new (stream, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_stream_read_bytes_async);
  g_task_set_priority (task, io_priority);

  if (!G_IS_POLLABLE_INPUT_STREAM (input) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    {
      g_input_stream_read_bytes_async (input, MIN (count, AIO_STREAM_READ_MAX), io_priority,
                                       cancellable, read_bytes_cb, task);
      return;
    }

  if (!g_input_stream_set_pending (input, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  g_task_set_task_data (task, GSIZE_TO_POINTER (MIN (count, AIO_STREAM_READ_MAX)), NULL);

  if (count == 0)
    {
      g_input_stream_clear_pending (input);
      g_task_return_pointer (task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }

  /* What is there already is read at once (a TLS connection may also
   * hold what it decrypted already); otherwise the read waits for the
   * stream to be readable. A plain connection waits on its socket with one
   * source (see ReadSource), skipping the pollable stream's own source, the
   * socket source inside it and the cancellable's. */
  if (read_now (task))
    {
      g_object_unref (task);
      return;
    }
  socket = plain_socket (stream, input);
  if (socket != NULL)
    {
      source = read_source_new (task, socket);
      g_object_unref (task);
    }
  else
    {
      source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), cancellable);
      g_source_set_callback (source, G_SOURCE_FUNC (pollable_ready_cb), task, g_object_unref);
    }
  g_source_set_static_name (source, "[aiomisc-glib] stream read");
  g_source_set_priority (source, io_priority);
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

/**
 * aio_stream_read_bytes_finish:
 * @stream: the stream passed to [func@Aio.stream_read_bytes_async]
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@Aio.stream_read_bytes_async].
 *
 * Returns: (transfer full): the bytes read, at least one, or an empty
 *   #GBytes at the end of the stream (or for a `count` of 0); %NULL with
 *   @error set on failure
 *
 * Since: 0.2
 */
GBytes *
aio_stream_read_bytes_finish (GIOStream     *stream,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, stream), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, aio_stream_read_bytes_async), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
_aio_stream_read_end (GIOStream *stream)
{
  GSocket *socket = plain_socket (stream, g_io_stream_get_input_stream (stream));
  int queued = 0;

  if (socket == NULL ||
      g_object_get_qdata (G_OBJECT (stream), read_left_quark ()) != NULL ||
      ioctl (g_socket_get_fd (socket), FIONREAD, &queued) != 0 || queued < 0)
    return;
  g_object_set_qdata (G_OBJECT (stream), read_left_quark (), GSIZE_TO_POINTER ((gsize) queued + 1));
}
