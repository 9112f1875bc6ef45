/* aio-transport.c: the transport of one stream connection (protocol path)
 *
 * Two ways to drive a connection, with the same protocol semantics:
 *
 * - socket mode (a plain GSocketConnection): one custom GSource per
 *   connection polls the socket's file descriptor (g_source_add_unix_fd),
 *   for G_IO_IN while reading and G_IO_OUT only while the write queue is not
 *   empty; reads go into a buffer shared by the transports of the thread
 *   (none has one of its own), writes go to
 *   the socket directly (send/sendmsg with MSG_NOSIGNAL) and only what the
 *   socket does not take is queued. No GTask, no GError and no allocation on
 *   the way of a read or a write that the socket takes at once.
 * - stream mode (a GTlsConnection, whose bytes cannot come from the socket):
 *   the pollable input and output streams, with their sources.
 *
 * The custom GSource also carries the deferred work (the call of
 * connection_lost) through its ready time, so that no callback of the
 * protocol ever runs inside another one.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "aiomisc-glib.h"
#include "aio-transport-private.h"

#define READ_BUFFER_SIZE (64 * 1024)
#define MAX_WRITE_VECTORS 64

/**
 * AioTransport:
 *
 * The transport of one stream connection, handed to
 * [vfunc@Aio.StreamProtocol.connection_made]: asyncio's `Transport`.
 *
 * Writing never blocks: [method@Aio.Transport.write] sends what the socket
 * takes at once and queues the rest, which goes out as the peer reads. When
 * the queue grows above the high water mark (64 KiB by default) the
 * protocol's `pause_writing` is called, when it is down to the low water
 * mark (16 KiB) again its `resume_writing`
 * ([method@Aio.Transport.set_write_buffer_limits]).
 * [method@Aio.Transport.pause_reading] stops the `data_received` calls
 * until [method@Aio.Transport.resume_reading]: the peer is then slowed down
 * by TCP.
 *
 * [method@Aio.Transport.close] stops reading, sends what is queued and then
 * closes the connection; [method@Aio.Transport.abort] closes it at once and
 * drops the queue. Either way, the protocol's `connection_lost` follows
 * (from the main loop, never from inside the call), exactly once, with
 * %NULL; after a failure of the connection (a reset by the peer, say) it
 * gets the error. The transport then drops its reference to the protocol,
 * so a protocol that keeps a reference to its transport makes no cycle
 * that outlives the connection.
 *
 * A transport is made by the server for every connection (or by
 * [method@Aio.StreamProtocol.serve_async]); it lives on the main context
 * the connection is served on and is not thread-safe. Its callbacks never
 * nest: a protocol that iterates the main context from a callback gets no
 * other callback of the same connection meanwhile.
 *
 * Since: 0.1
 */

typedef enum {
  STATE_OPEN,     /* reading (unless paused or at EOF) and writing */
  STATE_CLOSING,  /* close() called: not reading, sending the queue */
  STATE_CLOSED,   /* the stream is closed (or closing): connection_lost is due */
  STATE_LOST,     /* connection_lost was called */
} TransportState;

typedef struct
{
  GSource       source;
  AioTransport *transport;  /* not a reference: the transport owns the source */
} TransportSource;

struct _AioTransport
{
  GObject                 parent_instance;

  AioStreamProtocol      *protocol;        /* until connection_lost */
  AioStreamProtocolClass *klass;           /* of protocol */
  GIOStream              *stream;
  GSocket                *socket;          /* nullable: a stream over no socket */
  GMainContext           *context;
  GTask                  *task;            /* the serve operation, until connection_lost */

  /* socket mode */
  int                     fd;              /* -1 in stream mode */
  gpointer                fd_tag;          /* NULL while polling nothing */
  GIOCondition            fd_events;       /* polled, or to poll again once resumed */

  /* stream mode */
  GPollableInputStream   *input;
  GPollableOutputStream  *output;
  GSource                *input_source;    /* while reading */
  GSource                *output_source;   /* while the queue is not empty */

  GSource                *source;          /* TransportSource */
  GSource                *cancel_source;

  GQueue                  queue;           /* GBytes to send */
  gsize                   head_offset;     /* bytes of the head sent already */
  gsize                   write_buffer_size;
  gsize                   high_water;
  gsize                   low_water;

  TransportState          state;
  guint                   reading : 1;     /* not paused by the protocol */
  guint                   eof : 1;         /* the peer's EOF arrived */
  guint                   writing_paused : 1;
  guint                   lost_pending : 1;
  guint                   dispatching : 1; /* in a dispatch of any of its sources */
  guint                   suspended : 1;   /* readiness off for a nested loop */
  guint                   active : 1;      /* a byte moved since the server's idle sweep */
  GError                 *lost_error;

  GSocketAddress         *remote_address;
  GSocketAddress         *local_address;
};

G_DEFINE_FINAL_TYPE (AioTransport, aio_transport, G_TYPE_OBJECT)

/* qdata of a protocol while a transport serves it (not a reference) */
static GQuark
aio_transport_serving_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("aio-transport-serving");
  return quark;
}

static void transport_fail (AioTransport *self, GError *error);
static void transport_update_events (AioTransport *self);

static inline gboolean
transport_wants_read (AioTransport *self)
{
  return self->state == STATE_OPEN && self->reading && !self->eof;
}

/* Write buffer and water marks */

static void
transport_maybe_pause_protocol (AioTransport *self)
{
  if (self->writing_paused || self->write_buffer_size <= self->high_water || self->protocol == NULL)
    return;

  self->writing_paused = TRUE;
  self->klass->pause_writing (self->protocol);
}

static void
transport_maybe_resume_protocol (AioTransport *self)
{
  if (!self->writing_paused || self->write_buffer_size > self->low_water || self->protocol == NULL)
    return;

  self->writing_paused = FALSE;
  self->klass->resume_writing (self->protocol);
}

static void
transport_clear_queue (AioTransport *self)
{
  g_queue_clear_full (&self->queue, (GDestroyNotify) g_bytes_unref);
  self->head_offset = 0;
  self->write_buffer_size = 0;
}

/* Drops @n sent bytes from the head of the queue. */
static void
transport_consume (AioTransport *self,
                   gsize         n)
{
  self->write_buffer_size -= n;

  while (n > 0)
    {
      GBytes *head = g_queue_peek_head (&self->queue);
      gsize left = g_bytes_get_size (head) - self->head_offset;

      if (n < left)
        {
          self->head_offset += n;
          return;
        }

      n -= left;
      g_bytes_unref (g_queue_pop_head (&self->queue));
      self->head_offset = 0;
    }
}

static void
transport_push (AioTransport *self,
                GBytes       *bytes,  /* transfer full */
                gsize         offset)
{
  if (g_queue_is_empty (&self->queue))
    self->head_offset = offset;
  g_queue_push_tail (&self->queue, bytes);
  self->write_buffer_size += g_bytes_get_size (bytes) - offset;
}

static GError *
error_from_errno (int         errsv,
                  const char *what)
{
  return g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv),
                      "Error %s: %s", what, g_strerror (errsv));
}

/* Sends what it can of @data without blocking. Returns the number of bytes
 * sent (0 when the socket takes nothing now), or -1 with @error. */
static gssize
transport_send (AioTransport  *self,
                const guint8  *data,
                gsize          len,
                GError       **error)
{
  if (self->fd >= 0)
    {
      for (;;)
        {
          gssize n = send (self->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
          int errsv;

          if (n >= 0)
            {
              self->active |= n > 0;
              return n;
            }
          errsv = errno;
          if (errsv == EINTR)
            continue;
          if (errsv == EAGAIN || errsv == EWOULDBLOCK)
            return 0;
          g_propagate_error (error, error_from_errno (errsv, "sending data"));
          return -1;
        }
    }
  else
    {
      GError *local_error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (self->output, data, len,
                                                             NULL, &local_error);

      if (n >= 0)
        {
          self->active |= n > 0;
          return n;
        }
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (local_error);
          return 0;
        }
      g_propagate_error (error, local_error);
      return -1;
    }
}

/* Sends what it can of the queue. FALSE after a fatal error (handled). */
static gboolean
transport_flush (AioTransport *self)
{
  GError *error = NULL;

  while (!g_queue_is_empty (&self->queue))
    {
      gsize wanted;
      gssize n;

      if (self->fd >= 0 && self->queue.length > 1)
        {
          struct iovec vectors[MAX_WRITE_VECTORS];
          struct msghdr message = { 0 };
          gsize offset = self->head_offset;
          int count = 0;

          wanted = 0;
          for (GList *l = self->queue.head; l != NULL && count < MAX_WRITE_VECTORS; l = l->next)
            {
              gsize size;
              const guint8 *data = g_bytes_get_data (l->data, &size);

              vectors[count].iov_base = (guint8 *) data + offset;
              vectors[count].iov_len = size - offset;
              wanted += size - offset;
              offset = 0;
              count++;
            }
          message.msg_iov = vectors;
          message.msg_iovlen = count;

          do
            n = sendmsg (self->fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
          while (n < 0 && errno == EINTR);

          if (n < 0)
            {
              int errsv = errno;

              if (errsv == EAGAIN || errsv == EWOULDBLOCK)
                n = 0;
              else
                error = error_from_errno (errsv, "sending data");
            }
          self->active |= n > 0;
        }
      else
        {
          GBytes *head = g_queue_peek_head (&self->queue);
          gsize size;
          const guint8 *data = g_bytes_get_data (head, &size);

          wanted = size - self->head_offset;
          n = transport_send (self, data + self->head_offset, wanted, &error);
        }

      if (n < 0)
        {
          transport_fail (self, error);
          return FALSE;
        }

      transport_consume (self, n);
      if ((gsize) n < wanted)
        break;  /* the socket is full */
    }

  return TRUE;
}

/* Closing and losing the connection */

static void
transport_remove_stream_sources (AioTransport *self)
{
  if (self->input_source != NULL)
    {
      g_source_destroy (self->input_source);
      g_clear_pointer (&self->input_source, g_source_unref);
    }
  if (self->output_source != NULL)
    {
      g_source_destroy (self->output_source);
      g_clear_pointer (&self->output_source, g_source_unref);
    }
}

static void
transport_remove_sources (AioTransport *self)
{
  if (self->fd_tag != NULL)
    {
      g_source_remove_unix_fd (self->source, self->fd_tag);
      self->fd_tag = NULL;
      self->fd_events = 0;
    }
  transport_remove_stream_sources (self);
  if (self->cancel_source != NULL)
    {
      g_source_destroy (self->cancel_source);
      g_clear_pointer (&self->cancel_source, g_source_unref);
    }
}

static void
transport_schedule_lost (AioTransport *self)
{
  self->lost_pending = TRUE;
  /* While suspended, the dispatch that resumes the source calls
   * connection_lost. */
  if (!self->suspended)
    g_source_set_ready_time (self->source, 0);
}

static void
transport_close_done (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(AioTransport) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (object), result, &error))
    {
      /* The peer may be gone already: not a reason to fail the connection,
       * but the cancellation of the serve operation is. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && self->lost_error == NULL)
        self->lost_error = g_steal_pointer (&error);
      else
        g_debug ("Closing a %s: %s", G_OBJECT_TYPE_NAME (object), error->message);
      /* Whatever the TLS layer did, the socket is closed. */
      if (self->socket != NULL)
        g_socket_close (self->socket, NULL);
    }

  transport_schedule_lost (self);
}

/* Closes the stream and schedules connection_lost. A socket connection is
 * closed at once; a TLS one asynchronously (its close_notify, in a GIO
 * thread), with @cancellable. With @now, a TLS connection's socket is shut
 * down first: the close sends nothing more, and a thread blocked on the
 * socket (an implicit handshake) wakes up instead of holding the close. */
static void
transport_close_stream (AioTransport *self,
                        gboolean      now,
                        GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (self->fd >= 0)
    {
      if (!g_io_stream_close (self->stream, NULL, &error))
        g_debug ("Closing a %s: %s", G_OBJECT_TYPE_NAME (self->stream), error->message);
      transport_schedule_lost (self);
      return;
    }

  if (now && self->socket != NULL)
    g_socket_shutdown (self->socket, TRUE, TRUE, NULL);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, cancellable,
                           transport_close_done, g_object_ref (self));
}

/* The connection ends now (abort, failure, cancellation): drops the queue,
 * closes the stream and schedules connection_lost (@error, transfer full). */
static void
transport_fail (AioTransport *self,
                GError       *error)
{
  if (self->state >= STATE_CLOSED)
    {
      g_clear_error (&error);
      return;
    }

  self->state = STATE_CLOSED;
  self->lost_error = error;
  transport_clear_queue (self);
  transport_remove_sources (self);
  transport_close_stream (self, TRUE, NULL);
}

/* The queue is empty after close(): closes the stream (a TLS one with its
 * close_notify) and schedules connection_lost (NULL). */
static void
transport_finish_close (AioTransport *self)
{
  self->state = STATE_CLOSED;
  transport_remove_sources (self);
  transport_close_stream (self, FALSE, g_task_get_cancellable (self->task));
}

static void
transport_lose (AioTransport *self)
{
  g_autoptr(AioTransport) hold = g_object_ref (self);
  g_autoptr(AioStreamProtocol) protocol = g_steal_pointer (&self->protocol);
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  self->state = STATE_LOST;
  self->lost_pending = FALSE;
  g_source_destroy (self->source);

  /* Before the callback: it may serve the protocol on a new connection. */
  g_object_set_qdata (G_OBJECT (protocol), aio_transport_serving_quark (), NULL);
  self->klass->connection_lost (protocol, self->lost_error);

  if (self->lost_error != NULL)
    g_task_return_error (task, g_error_copy (self->lost_error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Reading */

static void
transport_eof (AioTransport *self)
{
  gboolean keep_open;

  self->eof = TRUE;
  transport_update_events (self);

  keep_open = self->klass->eof_received (self->protocol);
  if (!keep_open)
    aio_transport_close (self);
}

/* One read buffer per thread, shared by all the transports it dispatches:
 * data_received gets a slice of it, valid during the call only, and a
 * connection costs no read buffer of its own. A transport that reads while
 * the buffer is in use (from a nested loop in another transport's
 * data_received) reads into a temporary one. */
typedef struct
{
  gboolean busy;
  guint8   data[READ_BUFFER_SIZE];
} ReadBuffer;

static GPrivate read_buffer_key = G_PRIVATE_INIT (g_free);

static guint8 *
read_buffer_acquire (void)
{
  ReadBuffer *shared = g_private_get (&read_buffer_key);

  if (G_UNLIKELY (shared == NULL))
    {
      shared = g_malloc (sizeof (ReadBuffer));
      shared->busy = FALSE;
      g_private_set (&read_buffer_key, shared);
    }
  if (G_UNLIKELY (shared->busy))
    return g_malloc (READ_BUFFER_SIZE);
  shared->busy = TRUE;
  return shared->data;
}

static void
read_buffer_release (guint8 *buffer)
{
  ReadBuffer *shared = g_private_get (&read_buffer_key);

  if (G_LIKELY (buffer == shared->data))
    shared->busy = FALSE;
  else
    g_free (buffer);
}

static void
transport_read (AioTransport *self)
{
  guint8 *buffer = read_buffer_acquire ();
  GError *error = NULL;
  gssize n;

  if (self->fd >= 0)
    {
      do
        n = recv (self->fd, buffer, READ_BUFFER_SIZE, MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);

      if (n < 0)
        {
          int errsv = errno;

          if (errsv != EAGAIN && errsv != EWOULDBLOCK)
            error = error_from_errno (errsv, "receiving data");
        }
    }
  else
    {
      n = g_pollable_input_stream_read_nonblocking (self->input, buffer, READ_BUFFER_SIZE,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_clear_error (&error);
    }

  self->active = TRUE;
  if (n > 0)
    self->klass->data_received (self->protocol, buffer, n);
  read_buffer_release (buffer);

  if (n == 0)
    transport_eof (self);
  else if (error != NULL)
    transport_fail (self, error);
}

/* After the queue changed: water marks, G_IO_OUT, the end of a close(). */
static void
transport_after_write (AioTransport *self)
{
  if (self->state >= STATE_CLOSED)
    return;

  /* First, as asyncio does: the protocol may write more when resumed, even
   * while closing. */
  transport_maybe_resume_protocol (self);
  if (self->state >= STATE_CLOSED)
    return;

  if (g_queue_is_empty (&self->queue) && self->state == STATE_CLOSING)
    transport_finish_close (self);
  else
    transport_update_events (self);
}

/* The sources */

/* A protocol callback iterates the main context (a nested loop) while one
 * of the transport's sources is ready: its descriptor polled with an event
 * pending, or its ready time reached for connection_lost; in stream mode
 * also a pollable stream's source. A nested dispatch does nothing (no
 * callback inside another one), and GLib blocks only the source being
 * dispatched (not even that one if it can recurse, as the TransportSource
 * can), so the nested loop would dispatch the others over and over, at
 * 100% CPU: the transport's readiness is taken away until the outer
 * dispatch ends. The descriptor leaves the source rather than being polled
 * for no event, which would still report G_IO_HUP and G_IO_ERR; fd_events
 * keeps what to poll, and transport_update_events() only records changes.
 * The stream sources are destroyed, and made again once resumed. Only on
 * this path: the common dispatch does no extra work. */
static void
transport_suspend (AioTransport *self)
{
  if (self->suspended)
    return;

  self->suspended = TRUE;
  if (self->fd_tag != NULL)
    {
      g_source_remove_unix_fd (self->source, self->fd_tag);
      self->fd_tag = NULL;
    }
  transport_remove_stream_sources (self);
  g_source_set_ready_time (self->source, -1);
}

static void
transport_resume (AioTransport *self)
{
  self->suspended = FALSE;
  if (self->fd < 0)
    transport_update_events (self);
  else if (self->fd_events != 0)
    self->fd_tag = g_source_add_unix_fd (self->source, self->fd, self->fd_events);
  if (self->lost_pending)
    g_source_set_ready_time (self->source, 0);
}

/* Every dispatch of the transport's sources (the TransportSource, and the
 * pollable streams' in stream mode), and the call of connection_made,
 * begins with this: FALSE in a nested loop, where the dispatch must do
 * nothing. */
static inline gboolean
transport_dispatch_begin (AioTransport *self)
{
  if (G_UNLIKELY (self->dispatching))
    {
      transport_suspend (self);
      return FALSE;
    }
  self->dispatching = TRUE;
  return TRUE;
}

/* ... and ends with this, after transport_dispatch_begin() returned TRUE. */
static inline void
transport_dispatch_end (AioTransport *self)
{
  self->dispatching = FALSE;
  if (G_UNLIKELY (self->suspended))
    transport_resume (self);
}

static gboolean
transport_source_dispatch (GSource     *source,
                           GSourceFunc  callback,
                           gpointer     user_data)
{
  AioTransport *self = ((TransportSource *) source)->transport;

  if (!transport_dispatch_begin (self))
    return G_SOURCE_CONTINUE;

  if (self->fd_tag != NULL)
    {
      GIOCondition revents = g_source_query_unix_fd (source, self->fd_tag);

      if ((revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)) && !g_queue_is_empty (&self->queue))
        {
          if (transport_flush (self))
            transport_after_write (self);
        }

      if ((revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)) && transport_wants_read (self))
        transport_read (self);
    }

  transport_dispatch_end (self);
  if (self->lost_pending)
    {
      g_source_set_ready_time (source, -1);
      transport_lose (self);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs transport_source_funcs = {
  .dispatch = transport_source_dispatch,
};

static gboolean
transport_input_ready (GObject  *stream,
                       gpointer  user_data)
{
  AioTransport *self = user_data;

  if (!transport_dispatch_begin (self))
    return G_SOURCE_CONTINUE;

  if (transport_wants_read (self))
    transport_read (self);

  transport_dispatch_end (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
transport_output_ready (GObject  *stream,
                        gpointer  user_data)
{
  AioTransport *self = user_data;

  if (!transport_dispatch_begin (self))
    return G_SOURCE_CONTINUE;

  if (self->state < STATE_CLOSED && transport_flush (self))
    transport_after_write (self);

  transport_dispatch_end (self);
  return G_SOURCE_CONTINUE;
}

static GSource *
transport_attach (AioTransport *self,
                  GSource      *source,  /* transfer full */
                  GSourceFunc   func,
                  const char   *name)
{
  g_source_set_static_name (source, name);
  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

/* Polls for what the transport needs now: input while reading, output
 * while the queue is not empty. */
static void
transport_update_events (AioTransport *self)
{
  gboolean want_read = transport_wants_read (self);
  gboolean want_write = self->state < STATE_CLOSED && !g_queue_is_empty (&self->queue);

  if (self->fd >= 0)
    {
      GIOCondition events = (want_read ? G_IO_IN : 0) | (want_write ? G_IO_OUT : 0);

      if (events == self->fd_events)
        return;

      /* Polled again once resumed. */
      if (G_UNLIKELY (self->suspended))
        {
          self->fd_events = events;
          return;
        }

      /* Polling no event at all would still report G_IO_HUP and G_IO_ERR,
       * over and over: the descriptor leaves the source instead. */
      if (events == 0)
        {
          g_source_remove_unix_fd (self->source, self->fd_tag);
          self->fd_tag = NULL;
        }
      else if (self->fd_tag == NULL)
        self->fd_tag = g_source_add_unix_fd (self->source, self->fd, events);
      else
        g_source_modify_unix_fd (self->source, self->fd_tag, events);
      self->fd_events = events;
      return;
    }

  /* Made again once resumed. */
  if (G_UNLIKELY (self->suspended))
    return;

  if (want_read && self->input_source == NULL)
    self->input_source = transport_attach (self,
                                           g_pollable_input_stream_create_source (self->input, NULL),
                                           G_SOURCE_FUNC (transport_input_ready),
                                           "[aiomisc-glib] transport input");
  else if (!want_read && self->input_source != NULL)
    {
      g_source_destroy (self->input_source);
      g_clear_pointer (&self->input_source, g_source_unref);
    }

  if (want_write && self->output_source == NULL)
    self->output_source = transport_attach (self,
                                            g_pollable_output_stream_create_source (self->output, NULL),
                                            G_SOURCE_FUNC (transport_output_ready),
                                            "[aiomisc-glib] transport output");
  else if (!want_write && self->output_source != NULL)
    {
      g_source_destroy (self->output_source);
      g_clear_pointer (&self->output_source, g_source_unref);
    }
}

/* GObject */

static void
aio_transport_finalize (GObject *object)
{
  AioTransport *self = AIO_TRANSPORT (object);

  transport_remove_sources (self);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }
  transport_clear_queue (self);
  g_clear_error (&self->lost_error);
  g_clear_object (&self->protocol);
  g_clear_object (&self->task);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_object (&self->remote_address);
  g_clear_object (&self->local_address);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (aio_transport_parent_class)->finalize (object);
}

static void
aio_transport_class_init (AioTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aio_transport_finalize;
}

static void
aio_transport_init (AioTransport *self)
{
  self->fd = -1;
  self->high_water = AIO_TRANSPORT_DEFAULT_HIGH_WATER;
  self->low_water = AIO_TRANSPORT_DEFAULT_LOW_WATER;
  self->reading = TRUE;
  self->active = TRUE;
  g_queue_init (&self->queue);
}

static AioTransport *
transport_new (AioStreamProtocol  *protocol,
               GIOStream          *stream,
               GError            **error)
{
  g_autoptr(AioTransport) self = NULL;
  GInputStream *input = NULL;
  GOutputStream *output = NULL;
  TransportSource *source;

  self = g_object_new (AIO_TYPE_TRANSPORT, NULL);
  self->stream = g_object_ref (stream);

  /* In socket mode the streams are not even made: a GSocketConnection
   * creates its input and output streams (two objects) on first use. */
  if (!G_IS_SOCKET_CONNECTION (stream) || G_IS_TCP_WRAPPER_CONNECTION (stream))
    {
      input = g_io_stream_get_input_stream (stream);
      output = g_io_stream_get_output_stream (stream);
    }

  if (input == NULL)
    {
      self->socket = g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)));
      self->fd = g_socket_get_fd (self->socket);
    }
  else if (G_IS_POLLABLE_INPUT_STREAM (input) &&
           g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)) &&
           G_IS_POLLABLE_OUTPUT_STREAM (output) &&
           g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (output)))
    {
      self->input = G_POLLABLE_INPUT_STREAM (input);
      self->output = G_POLLABLE_OUTPUT_STREAM (output);

      if (G_IS_TLS_CONNECTION (stream))
        {
          g_autoptr(GIOStream) base = NULL;

          g_object_get (stream, "base-io-stream", &base, NULL);
          if (G_IS_SOCKET_CONNECTION (base))
            self->socket = g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (base)));
        }
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot serve a %s with a protocol: its streams cannot be polled",
                   G_OBJECT_TYPE_NAME (stream));
      return NULL;
    }

  self->protocol = g_object_ref (protocol);
  self->klass = AIO_STREAM_PROTOCOL_GET_CLASS (protocol);
  self->context = g_main_context_ref_thread_default ();

  source = (TransportSource *) g_source_new (&transport_source_funcs, sizeof (TransportSource));
  source->transport = self;
  self->source = (GSource *) source;
  g_source_set_static_name (self->source, "[aiomisc-glib] transport");
  /* Otherwise GLib blocks the source around every dispatch: it takes the
   * descriptor out of the poll set and puts it back, waking the context up
   * (an eventfd write and read) — per read, the hot path. The dispatch
   * guards itself against recursion instead. */
  g_source_set_can_recurse (self->source, TRUE);
  g_source_attach (self->source, self->context);

  return g_steal_pointer (&self);
}

static gboolean
transport_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  AioTransport *self = user_data;

  transport_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                             "The connection was cancelled"));
  return G_SOURCE_REMOVE;
}

void
_aio_transport_serve_async (AioStreamProtocol   *protocol,
                            GIOStream           *stream,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(AioTransport) self = NULL;
  GError *error = NULL;

  /* The arguments are checked by aio_stream_protocol_serve_async(), the
   * public entry; the server passes its own protocol and accepted stream. */
  task = g_task_new (protocol, cancellable, callback, user_data);
  g_task_set_source_tag (task, _aio_transport_serve_async);

  if (g_object_get_qdata (G_OBJECT (protocol), aio_transport_serving_quark ()) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The %s serves another connection already",
                               G_OBJECT_TYPE_NAME (protocol));
      return;
    }
  if (g_io_stream_is_closed (stream))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "Cannot serve a closed %s", G_OBJECT_TYPE_NAME (stream));
      return;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  self = transport_new (protocol, stream, &error);
  if (self == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self->task = g_object_ref (task);
  g_task_set_task_data (task, g_object_ref (self), g_object_unref);
  g_object_set_qdata (G_OBJECT (protocol), aio_transport_serving_quark (), self);

  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      transport_attach (self, self->cancel_source, G_SOURCE_FUNC (transport_cancelled),
                        "[aiomisc-glib] transport cancellation");
    }

  /* As in a dispatch of the transport's sources: connection_made that
   * iterates the context (a nested loop) gets no callback inside it, and
   * the loop does not spin on a ready source. A new transport is in no
   * dispatch yet, so this one always begins. */
  transport_dispatch_begin (self);
  self->klass->connection_made (protocol, self);
  transport_dispatch_end (self);
  transport_update_events (self);
}

gboolean
_aio_transport_serve_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _aio_transport_serve_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* For the idle timeout of the server (one sweep per server, no timer per
 * connection). */

AioTransport *
_aio_transport_get_serving (AioStreamProtocol *protocol)
{
  return g_object_get_qdata (G_OBJECT (protocol), aio_transport_serving_quark ());
}

gboolean
_aio_transport_take_activity (AioTransport *self)
{
  gboolean active = self->active;

  self->active = FALSE;
  return active;
}

void
_aio_transport_abort_with_error (AioTransport *self,
                                 GError       *error)
{
  transport_fail (self, error);
}

/* Public API */

static void
transport_write (AioTransport *self,
                 const guint8 *data,
                 gsize         len,
                 GBytes       *bytes)
{
  if (self->state >= STATE_CLOSED || len == 0)
    return;

  if (g_queue_is_empty (&self->queue))
    {
      GError *error = NULL;
      gssize n = transport_send (self, data, len, &error);

      if (n < 0)
        {
          transport_fail (self, error);
          return;
        }
      if ((gsize) n == len)
        return;

      if (bytes != NULL)
        transport_push (self, g_bytes_ref (bytes), n);
      else
        transport_push (self, g_bytes_new (data + n, len - n), 0);
      transport_update_events (self);
    }
  else if (bytes != NULL)
    transport_push (self, g_bytes_ref (bytes), 0);
  else
    transport_push (self, g_bytes_new (data, len), 0);

  transport_maybe_pause_protocol (self);
}

/**
 * aio_transport_write:
 * @self: a transport
 * @data: (array length=len) (element-type guint8): the bytes to send
 * @len: the number of bytes in @data
 *
 * Sends @data without blocking: what the connection does not take at once
 * is copied to the write queue and sent as the peer reads. The protocol's
 * `pause_writing` is called when the queue goes above the high water mark.
 * A write that fails ends the connection: `connection_lost` follows with
 * the error.
 *
 * Writing is allowed until the connection is closed: after
 * [method@Aio.Transport.close] while the queue is still being sent, never
 * after [method@Aio.Transport.abort] or once `connection_lost` is due;
 * such data is discarded.
 *
 * Since: 0.1
 */
void
aio_transport_write (AioTransport *self,
                     const guint8 *data,
                     gsize         len)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));
  g_return_if_fail (data != NULL || len == 0);

  transport_write (self, data, len, NULL);
}

/**
 * aio_transport_write_bytes:
 * @self: a transport
 * @bytes: the bytes to send
 *
 * Sends @bytes as [method@Aio.Transport.write] does, keeping a reference
 * to @bytes instead of copying what is queued.
 *
 * Since: 0.1
 */
void
aio_transport_write_bytes (AioTransport *self,
                           GBytes       *bytes)
{
  gsize len;
  const guint8 *data;

  g_return_if_fail (AIO_IS_TRANSPORT (self));
  g_return_if_fail (bytes != NULL);

  data = g_bytes_get_data (bytes, &len);
  transport_write (self, data, len, bytes);
}

/**
 * aio_transport_close:
 * @self: a transport
 *
 * Closes the connection gracefully: no more data is received, the write
 * queue is sent, then the connection is closed (with a TLS close_notify
 * for a TLS connection) and the protocol's `connection_lost` is called
 * with %NULL (or the error if sending the queue fails). Does nothing if the
 * transport is closing already.
 *
 * Since: 0.1
 */
void
aio_transport_close (AioTransport *self)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));

  if (self->state != STATE_OPEN)
    return;

  self->state = STATE_CLOSING;
  if (g_queue_is_empty (&self->queue))
    transport_finish_close (self);
  else
    transport_update_events (self);
}

/**
 * aio_transport_abort:
 * @self: a transport
 *
 * Closes the connection at once: the write queue is dropped and the
 * protocol's `connection_lost` is called with %NULL (from the main loop,
 * after this returns). Does nothing if the connection is closed already;
 * aborts a [method@Aio.Transport.close] that is still sending.
 *
 * Since: 0.1
 */
void
aio_transport_abort (AioTransport *self)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));

  transport_fail (self, NULL);
}

/**
 * aio_transport_is_closing:
 * @self: a transport
 *
 * Whether the transport is closing or closed: after
 * [method@Aio.Transport.close], [method@Aio.Transport.abort], the peer's
 * EOF that the protocol did not keep open, or a failure.
 *
 * Returns: %TRUE if the transport is closing or closed
 *
 * Since: 0.1
 */
gboolean
aio_transport_is_closing (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), TRUE);

  return self->state != STATE_OPEN;
}

/**
 * aio_transport_pause_reading:
 * @self: a transport
 *
 * Stops receiving: no `data_received` (nor `eof_received`) until
 * [method@Aio.Transport.resume_reading]. What the peer sends meanwhile
 * waits in the kernel's buffers, and then TCP slows the peer down. Does
 * nothing if reading is paused already or the transport is closing.
 *
 * Since: 0.1
 */
void
aio_transport_pause_reading (AioTransport *self)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));

  if (self->state != STATE_OPEN || !self->reading)
    return;

  self->reading = FALSE;
  transport_update_events (self);
}

/**
 * aio_transport_resume_reading:
 * @self: a transport
 *
 * Receives again after [method@Aio.Transport.pause_reading]. Does nothing
 * if reading is not paused or the transport is closing.
 *
 * Since: 0.1
 */
void
aio_transport_resume_reading (AioTransport *self)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));

  if (self->state != STATE_OPEN || self->reading)
    return;

  self->reading = TRUE;
  transport_update_events (self);
}

/**
 * aio_transport_is_reading:
 * @self: a transport
 *
 * Whether the transport receives: not paused by
 * [method@Aio.Transport.pause_reading], not at the peer's EOF and not
 * closing.
 *
 * Returns: %TRUE if the transport receives data
 *
 * Since: 0.1
 */
gboolean
aio_transport_is_reading (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), FALSE);

  return transport_wants_read (self);
}

/**
 * aio_transport_set_write_buffer_limits:
 * @self: a transport
 * @high: the high water mark, in bytes
 * @low: the low water mark, in bytes: @high or less
 * @error: return location for a %G_IO_ERROR_INVALID_ARGUMENT error
 *
 * Sets when the protocol is told to stop and to resume writing: its
 * `pause_writing` is called when the write queue grows above @high bytes,
 * its `resume_writing` when the queue is down to @low bytes again. The
 * defaults are those of asyncio, %AIO_TRANSPORT_DEFAULT_HIGH_WATER (64
 * KiB) and %AIO_TRANSPORT_DEFAULT_LOW_WATER (16 KiB). With @high 0 the
 * protocol is paused whenever anything is queued. The new marks apply at
 * once: the protocol may be paused or resumed from this call.
 *
 * Returns: %TRUE, or %FALSE with @error if @low is above @high
 *
 * Since: 0.1
 */
gboolean
aio_transport_set_write_buffer_limits (AioTransport  *self,
                                       gsize          high,
                                       gsize          low,
                                       GError       **error)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (low > high)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The low water mark (%" G_GSIZE_FORMAT " bytes) is above the high "
                   "water mark (%" G_GSIZE_FORMAT " bytes)", low, high);
      return FALSE;
    }

  self->high_water = high;
  self->low_water = low;
  transport_maybe_pause_protocol (self);
  transport_maybe_resume_protocol (self);
  return TRUE;
}

/**
 * aio_transport_get_write_buffer_limits:
 * @self: a transport
 * @high: (out) (optional): the high water mark, in bytes
 * @low: (out) (optional): the low water mark, in bytes
 *
 * Gets the water marks of the write queue
 * ([method@Aio.Transport.set_write_buffer_limits]).
 *
 * Since: 0.1
 */
void
aio_transport_get_write_buffer_limits (AioTransport *self,
                                       gsize        *high,
                                       gsize        *low)
{
  g_return_if_fail (AIO_IS_TRANSPORT (self));

  if (high != NULL)
    *high = self->high_water;
  if (low != NULL)
    *low = self->low_water;
}

/**
 * aio_transport_get_write_buffer_size:
 * @self: a transport
 *
 * Gets the number of bytes in the write queue: written by the protocol,
 * not yet taken by the connection.
 *
 * Returns: the size of the write queue, in bytes
 *
 * Since: 0.1
 */
gsize
aio_transport_get_write_buffer_size (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), 0);

  return self->write_buffer_size;
}

static GSocketAddress *
transport_address (AioTransport    *self,
                   GSocketAddress **cache,
                   gboolean         remote)
{
  if (*cache == NULL && self->socket != NULL && self->state < STATE_CLOSED)
    {
      g_autoptr(GError) error = NULL;

      *cache = remote ? g_socket_get_remote_address (self->socket, &error)
                      : g_socket_get_local_address (self->socket, &error);
      if (*cache == NULL)
        g_debug ("No %s address: %s", remote ? "remote" : "local", error->message);
    }

  return *cache;
}

/**
 * aio_transport_get_remote_address:
 * @self: a transport
 *
 * Gets the address of the peer. It is read from the socket the first time
 * it is asked for, so it is not available if that happens once the
 * connection is closed: ask in `connection_made` to log it later.
 *
 * Returns: (transfer none) (nullable): the peer's address, or %NULL if the
 *   connection is closed or not over a socket
 *
 * Since: 0.1
 */
GSocketAddress *
aio_transport_get_remote_address (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), NULL);

  return transport_address (self, &self->remote_address, TRUE);
}

/**
 * aio_transport_get_local_address:
 * @self: a transport
 *
 * Gets the local address of the connection, as
 * [method@Aio.Transport.get_remote_address] gets the peer's.
 *
 * Returns: (transfer none) (nullable): the local address, or %NULL if the
 *   connection is closed or not over a socket
 *
 * Since: 0.1
 */
GSocketAddress *
aio_transport_get_local_address (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), NULL);

  return transport_address (self, &self->local_address, FALSE);
}

/**
 * aio_transport_get_stream:
 * @self: a transport
 *
 * Gets the stream of the connection: a [class@Gio.SocketConnection], or a
 * [class@Gio.TlsConnection] (for its peer certificate, say). Do not read
 * from it or write to it: the transport does.
 *
 * Returns: (transfer none): the stream
 *
 * Since: 0.1
 */
GIOStream *
aio_transport_get_stream (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), NULL);

  return self->stream;
}

/**
 * aio_transport_get_protocol:
 * @self: a transport
 *
 * Gets the protocol the transport calls back.
 *
 * Returns: (transfer none) (nullable): the protocol, or %NULL once its
 *   `connection_lost` was called
 *
 * Since: 0.1
 */
AioStreamProtocol *
aio_transport_get_protocol (AioTransport *self)
{
  g_return_val_if_fail (AIO_IS_TRANSPORT (self), NULL);

  return self->protocol;
}
