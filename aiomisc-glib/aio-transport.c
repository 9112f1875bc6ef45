/* aio-transport.c: the transport of one stream connection (protocol path)
 *
 * Two ways to drive a connection, with the same protocol semantics:
 *
 * - socket mode (a plain GSocketConnection): the socket is in the epoll set
 *   of the reactor of the main context (one GSource for all the transports
 *   of the context, see Reactor below), for reading while reading and for
 *   writing only while the write queue is not empty; reads go into a buffer shared by the transports of the thread
 *   (none has one of its own), writes go to
 *   the socket directly (send/sendmsg with MSG_NOSIGNAL) and only what the
 *   socket does not take is queued. No GTask, no GError and no allocation on
 *   the way of a read or a write that the socket takes at once.
 * - stream mode (a GTlsConnection, whose bytes cannot come from the socket):
 *   the pollable input and output streams, with their sources.
 *
 * The reactor also carries the deferred work (the call of connection_lost)
 * through its ready time, so that no callback of the protocol ever runs
 * inside another one.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "aiomisc-glib.h"
#include "aio-stream-read-private.h"
#include "aio-transport-private.h"

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

/* The transports of one main context share a reactor: one GSource polling
 * one epoll descriptor, in which every socket-mode transport registers its
 * socket (data.ptr is the transport). A connection thus costs no GSource,
 * and an iteration of the main context costs what is ready, not what is
 * open (GLib prepares, checks and polls every source and descriptor of a
 * context in every iteration). The reactor also runs the deferred work of
 * the transports (the call of connection_lost), through its ready time.
 * It lives as long as its context. */
typedef struct _ReactorBatch ReactorBatch;

struct _ReactorBatch
{
  struct epoll_event *events;
  int                 n;
  ReactorBatch       *outer;  /* the batch of an enclosing dispatch */
};

typedef struct
{
  GSource       source;
  GMainContext *context;      /* borrowed: it owns the source */
  int           epfd;
  GQueue        pending;      /* transports whose connection_lost is due */
  ReactorBatch *batches;      /* the events being dispatched, innermost first */
} Reactor;

#define REACTOR_BATCH 256

struct _AioTransport
{
  GObject                 parent_instance;

  AioStreamProtocol      *protocol;        /* until connection_lost */
  AioStreamProtocolClass *klass;           /* of protocol */
  GIOStream              *stream;
  GSocket                *socket;          /* nullable: a stream over no socket */
  GMainContext           *context;
  /* The serve operation, until connection_lost; its GTask is made only
   * then (an object per connection less while it is served). */
  GAsyncReadyCallback     callback;
  gpointer                user_data;
  GCancellable           *cancellable;
  struct _CancelWatch    *cancel_watch;    /* while served with a cancellable */
  GList                   cancel_link;     /* in cancel_watch->transports */

  /* socket mode */
  int                     fd;              /* -1 in stream mode */
  gboolean                registered;      /* in the reactor's epoll set */
  GIOCondition            fd_events;       /* polled, or to poll again once resumed */

  /* stream mode */
  GPollableInputStream   *input;
  GPollableOutputStream  *output;
  GSource                *input_source;    /* while reading */
  GSource                *output_source;   /* while the queue is not empty */

  Reactor                *reactor;
  GList                   pending_link;    /* in reactor->pending */

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

/* Cancellation
 *
 * A server serves all its connections with one cancellable. Rather than a
 * GCancellableSource per connection, the transports served with the same
 * cancellable on the same main context share one watch: its source, and
 * the list of the transports. The watch exists while it has a transport;
 * the watches of a cancellable are in its qdata (under cancel_watches, as
 * transports on other threads may share the cancellable). */
typedef struct _CancelWatch
{
  GCancellable *cancellable;   /* borrowed: the source holds a reference */
  GMainContext *context;
  GSource      *source;
  GQueue        transports;    /* of AioTransport, through cancel_link */
} CancelWatch;

G_LOCK_DEFINE_STATIC (cancel_watches);

static GQuark
cancel_watch_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("aio-transport-cancel-watches");
  return quark;
}

static void
cancel_watch_free (CancelWatch *watch)
{
  GSList *watches;

  G_LOCK (cancel_watches);
  watches = g_object_steal_qdata (G_OBJECT (watch->cancellable), cancel_watch_quark ());
  watches = g_slist_remove (watches, watch);
  if (watches != NULL)
    g_object_set_qdata (G_OBJECT (watch->cancellable), cancel_watch_quark (), watches);
  G_UNLOCK (cancel_watches);

  g_source_destroy (watch->source);
  g_source_unref (watch->source);
  g_free (watch);
}

static gboolean
cancel_watch_fire (GCancellable *cancellable,
                   gpointer      user_data)
{
  CancelWatch *watch = user_data;
  GList *link;

  while ((link = g_queue_pop_head_link (&watch->transports)) != NULL)
    {
      AioTransport *self = link->data;

      self->cancel_watch = NULL;
      transport_fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 "The connection was cancelled"));
    }
  cancel_watch_free (watch);
  return G_SOURCE_REMOVE;
}

static void
transport_watch_cancellable (AioTransport *self)
{
  CancelWatch *watch = NULL;
  GSList *watches;

  G_LOCK (cancel_watches);
  watches = g_object_get_qdata (G_OBJECT (self->cancellable), cancel_watch_quark ());
  for (GSList *l = watches; l != NULL; l = l->next)
    if (((CancelWatch *) l->data)->context == self->context)
      watch = l->data;
  if (watch == NULL)
    {
      watch = g_new0 (CancelWatch, 1);
      watch->cancellable = self->cancellable;
      watch->context = self->context;
      g_queue_init (&watch->transports);
      watch->source = g_cancellable_source_new (self->cancellable);
      g_source_set_static_name (watch->source, "[aiomisc-glib] transport cancellation");
      g_source_set_callback (watch->source, G_SOURCE_FUNC (cancel_watch_fire), watch, NULL);
      g_source_attach (watch->source, self->context);
      /* Not set_qdata: that would free the list it replaces. */
      g_object_steal_qdata (G_OBJECT (self->cancellable), cancel_watch_quark ());
      g_object_set_qdata (G_OBJECT (self->cancellable), cancel_watch_quark (),
                          g_slist_prepend (watches, watch));
    }
  G_UNLOCK (cancel_watches);

  self->cancel_link.data = self;
  g_queue_push_tail_link (&watch->transports, &self->cancel_link);
  self->cancel_watch = watch;
}

static void
transport_unwatch_cancellable (AioTransport *self)
{
  CancelWatch *watch = g_steal_pointer (&self->cancel_watch);

  if (watch == NULL)
    return;
  g_queue_unlink (&watch->transports, &self->cancel_link);
  if (g_queue_is_empty (&watch->transports))
    cancel_watch_free (watch);
}

static inline gboolean
transport_wants_read (AioTransport *self)
{
  return self->state == STATE_OPEN && self->reading && !self->eof;
}

/* The reactor */

static GHashTable *reactors;  /* GMainContext -> Reactor, borrowed */
G_LOCK_DEFINE_STATIC (reactors);

static void transport_ready (AioTransport *self, guint32 events);
static void transport_lose (AioTransport *self);
static void transport_suspend (AioTransport *self);

static gboolean
reactor_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  Reactor *reactor = (Reactor *) source;
  struct epoll_event events[REACTOR_BATCH];
  ReactorBatch batch = { events, 0, reactor->batches };
  GList *link;

  do
    batch.n = epoll_wait (reactor->epfd, events, REACTOR_BATCH, 0);
  while (batch.n < 0 && errno == EINTR);

  reactor->batches = &batch;
  for (int i = 0; i < batch.n; i++)
    {
      /* NULL when the transport left the epoll set since. */
      if (events[i].data.ptr != NULL)
        transport_ready (events[i].data.ptr, events[i].events);
    }
  reactor->batches = batch.outer;

  g_source_set_ready_time (source, -1);
  while ((link = g_queue_pop_head_link (&reactor->pending)) != NULL)
    {
      AioTransport *self = link->data;

      link->data = NULL;
      /* In a nested loop inside one of its own callbacks: once that
       * returns (transport_resume). */
      if (self->dispatching)
        transport_suspend (self);
      else
        transport_lose (self);
    }

  return G_SOURCE_CONTINUE;
}

static void
reactor_finalize (GSource *source)
{
  Reactor *reactor = (Reactor *) source;

  G_LOCK (reactors);
  if (g_hash_table_lookup (reactors, reactor->context) == reactor)
    g_hash_table_remove (reactors, reactor->context);
  G_UNLOCK (reactors);
  close (reactor->epfd);
}

static GSourceFuncs reactor_funcs = {
  .dispatch = reactor_dispatch,
  .finalize = reactor_finalize,
};

/* The reactor of @context, made on first use; NULL with @error if the
 * epoll descriptor cannot be made. Borrowed: the transport holds a
 * reference on @context, which owns the reactor. */
static Reactor *
reactor_get (GMainContext  *context,
             GError       **error)
{
  Reactor *reactor;

  G_LOCK (reactors);
  if (G_UNLIKELY (reactors == NULL))
    reactors = g_hash_table_new (NULL, NULL);
  reactor = g_hash_table_lookup (reactors, context);
  if (reactor == NULL)
    {
      int epfd = epoll_create1 (EPOLL_CLOEXEC);

      if (epfd < 0)
        {
          int errsv = errno;

          G_UNLOCK (reactors);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Cannot create an epoll descriptor: %s", g_strerror (errsv));
          return NULL;
        }
      reactor = (Reactor *) g_source_new (&reactor_funcs, sizeof (Reactor));
      reactor->context = context;
      reactor->epfd = epfd;
      g_queue_init (&reactor->pending);
      g_source_set_static_name (&reactor->source, "[aiomisc-glib] transports");
      g_source_add_unix_fd (&reactor->source, epfd, G_IO_IN);
      /* A protocol callback that iterates the context (a nested loop)
       * still serves the other connections; the transport in a callback
       * guards itself (transport_dispatch_begin). GLib would otherwise also
       * block the source around every dispatch, waking the context up. */
      g_source_set_can_recurse (&reactor->source, TRUE);
      g_source_attach (&reactor->source, context);
      g_source_unref (&reactor->source);
      g_hash_table_insert (reactors, context, reactor);
    }
  G_UNLOCK (reactors);

  return reactor;
}

/* Polls @self's socket for @events (G_IO_IN, G_IO_OUT), or not at all for
 * 0: the descriptor then leaves the epoll set, as epoll reports hang-ups
 * and errors even for no event. */
static void
reactor_poll (AioTransport *self,
              GIOCondition  events)
{
  struct epoll_event event = {
    .events = ((events & G_IO_IN) ? EPOLLIN : 0) | ((events & G_IO_OUT) ? EPOLLOUT : 0),
    .data.ptr = self,
  };

  if (events == 0)
    {
      if (!self->registered)
        return;
      epoll_ctl (self->reactor->epfd, EPOLL_CTL_DEL, self->fd, &event);
      self->registered = FALSE;
      /* Events of the socket fetched already are not for it any more. */
      for (ReactorBatch *batch = self->reactor->batches; batch != NULL; batch = batch->outer)
        for (int i = 0; i < batch->n; i++)
          if (batch->events[i].data.ptr == self)
            batch->events[i].data.ptr = NULL;
      return;
    }

  if (epoll_ctl (self->reactor->epfd, self->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
                 self->fd, &event) != 0)
    {
      int errsv = errno;

      /* Only a descriptor that is no socket any more gets here. */
      g_warning ("Cannot poll a connection's socket: %s", g_strerror (errsv));
      return;
    }
  self->registered = TRUE;
}

/* Calls connection_lost from the reactor's next dispatch. */
static void
reactor_defer_lost (AioTransport *self)
{
  if (self->pending_link.data != NULL)
    return;
  self->pending_link.data = self;
  g_queue_push_tail_link (&self->reactor->pending, &self->pending_link);
  g_source_set_ready_time (&self->reactor->source, 0);
}

static void
reactor_cancel_lost (AioTransport *self)
{
  if (self->pending_link.data == NULL)
    return;
  g_queue_unlink (&self->reactor->pending, &self->pending_link);
  self->pending_link.data = NULL;
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
  if (self->fd >= 0)
    {
      reactor_poll (self, 0);
      self->fd_events = 0;
    }
  transport_remove_stream_sources (self);
  transport_unwatch_cancellable (self);
}

static void
transport_schedule_lost (AioTransport *self)
{
  self->lost_pending = TRUE;
  /* While suspended, the dispatch that resumes the transport calls
   * connection_lost. */
  if (!self->suspended)
    reactor_defer_lost (self);
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
  transport_close_stream (self, FALSE, self->cancellable);
}

static void
transport_lose (AioTransport *self)
{
  g_autoptr(AioTransport) hold = g_object_ref (self);
  g_autoptr(AioStreamProtocol) protocol = g_steal_pointer (&self->protocol);
  g_autoptr(GTask) task = NULL;

  self->state = STATE_LOST;
  self->lost_pending = FALSE;
  reactor_cancel_lost (self);

  /* Before the callback: it may serve the protocol on a new connection. */
  g_object_set_qdata (G_OBJECT (protocol), aio_transport_serving_quark (), NULL);
  self->klass->connection_lost (protocol, self->lost_error);

  /* The serve operation completes on the transport's context, the
   * thread-default one of its caller. */
  g_main_context_push_thread_default (self->context);
  task = g_task_new (protocol, self->cancellable, self->callback, self->user_data);
  g_main_context_pop_thread_default (self->context);
  g_task_set_source_tag (task, _aio_transport_serve_async);
  g_clear_object (&self->cancellable);
  if (self->lost_error != NULL)
    g_task_return_error (task, g_error_copy (self->lost_error));
  else
    g_task_return_boolean (task, TRUE);

  /* The reference the connection held on itself while served. */
  g_object_unref (self);
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

static void
transport_read (AioTransport *self)
{
  guint8 *buffer = _aio_read_buffer_acquire ();
  GError *error = NULL;
  gssize n;

  if (self->fd >= 0)
    {
      do
        n = recv (self->fd, buffer, AIO_STREAM_READ_MAX, MSG_DONTWAIT);
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
      n = g_pollable_input_stream_read_nonblocking (self->input, buffer, AIO_STREAM_READ_MAX,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        g_clear_error (&error);
    }

  self->active |= n > 0;
  if (n > 0)
    self->klass->data_received (self->protocol, buffer, n);
  _aio_read_buffer_release (buffer);

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

/* A protocol callback iterates the main context (a nested loop) while the
 * transport is ready: its socket polled with an event pending, or its
 * connection_lost due; in stream mode also a pollable stream's source. A
 * nested dispatch does nothing for it (no callback inside another one), so
 * the nested loop would find it ready over and over, at 100% CPU: the
 * transport's readiness is taken away until the outer dispatch ends. The
 * socket leaves the reactor's epoll set rather than being polled for no
 * event, which would still report hang-ups and errors; fd_events keeps
 * what to poll, and transport_update_events() only records changes. The
 * stream sources are destroyed, and made again once resumed. Only on this
 * path: the common dispatch does no extra work. */
static void
transport_suspend (AioTransport *self)
{
  if (self->suspended)
    return;

  self->suspended = TRUE;
  if (self->fd >= 0)
    reactor_poll (self, 0);
  transport_remove_stream_sources (self);
  reactor_cancel_lost (self);
}

static void
transport_resume (AioTransport *self)
{
  self->suspended = FALSE;
  if (self->fd < 0)
    transport_update_events (self);
  else
    reactor_poll (self, self->fd_events);
  if (self->lost_pending)
    reactor_defer_lost (self);
}

/* Every dispatch of the transport (by the reactor, and the pollable
 * streams' sources in stream mode), and the call of connection_made,
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

/* The reactor found @self's socket ready for @events (EPOLL*). */
static void
transport_ready (AioTransport *self,
                 guint32       events)
{
  if (!transport_dispatch_begin (self))
    return;

  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !g_queue_is_empty (&self->queue))
    {
      if (transport_flush (self))
        transport_after_write (self);
    }

  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) && transport_wants_read (self))
    transport_read (self);

  transport_dispatch_end (self);
  if (self->lost_pending && !self->suspended)
    transport_lose (self);
}

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

      reactor_poll (self, events);
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
  if (self->reactor != NULL)
    reactor_cancel_lost (self);
  transport_clear_queue (self);
  g_clear_error (&self->lost_error);
  g_clear_object (&self->protocol);
  g_clear_object (&self->cancellable);
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

  self->reactor = reactor_get (self->context, error);
  if (self->reactor == NULL)
    return NULL;

  return g_steal_pointer (&self);
}

void
_aio_transport_serve_async (AioStreamProtocol   *protocol,
                            GIOStream           *stream,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AioTransport *self = NULL;
  GError *error = NULL;

  /* The arguments are checked by aio_stream_protocol_serve_async(), the
   * public entry; the server passes its own protocol and accepted stream. */
  if (g_object_get_qdata (G_OBJECT (protocol), aio_transport_serving_quark ()) != NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_PENDING,
                         "The %s serves another connection already",
                         G_OBJECT_TYPE_NAME (protocol));
  else if (g_io_stream_is_closed (stream))
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "Cannot serve a closed %s", G_OBJECT_TYPE_NAME (stream));
  else if (!g_cancellable_set_error_if_cancelled (cancellable, &error))
    self = transport_new (protocol, stream, &error);

  if (error != NULL)
    {
      g_autoptr(GTask) task = g_task_new (protocol, cancellable, callback, user_data);

      g_task_set_source_tag (task, _aio_transport_serve_async);
      g_task_return_error (task, error);
      return;
    }

  /* The transport holds a reference on itself until connection_lost. */
  self->callback = callback;
  self->user_data = user_data;
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_object_set_qdata (G_OBJECT (protocol), aio_transport_serving_quark (), self);

  if (cancellable != NULL)
    transport_watch_cancellable (self);

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
