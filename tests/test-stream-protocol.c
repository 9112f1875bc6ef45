/* test-stream-protocol.c: AioStreamProtocol and AioTransport on loopback connections
 *
 * The connections are made here (a listening GSocket on 127.0.0.1, port 0)
 * and served with _aio_transport_serve_async(), as the TCP server does in
 * protocol mode. The client side uses GIO's async streams on the same main
 * context.
 *
 * SPDX-License-Identifier: MIT
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "aio-test-certs.h"
#include "aio-test-services.h"
#include "aio-transport-private.h"
#include "aio-tls-private.h"

/* What data_received (or connection_made) does before it iterates the
 * context (a nested loop) in the nested-iteration-no-spin tests. */
typedef enum
{
  NESTED_NONE,
  NESTED_MORE_DATA,   /* the peer sends more */
  NESTED_PEER_EOF,    /* the peer shuts its sending side down */
  NESTED_PEER_RESET,  /* the peer resets the connection */
  NESTED_ABORT,       /* the protocol aborts: connection_lost is pending */
  NESTED_CLOSE,       /* the protocol closes: connection_lost is pending */
  NESTED_DRAIN,       /* the protocol writes until paused, the peer reads */
  NESTED_ACTIONS = 0xff,
  /* Served in stream mode (a GSimpleIOStream over the socket's streams),
   * not in socket mode (the GSocketConnection). */
  NESTED_STREAM_MODE = 0x100,
} NestedAction;

/* A protocol that records its callbacks */

#define TEST_TYPE_PROTOCOL (test_protocol_get_type ())
G_DECLARE_FINAL_TYPE (TestProtocol, test_protocol, TEST, PROTOCOL, AioStreamProtocol)

struct _TestProtocol
{
  AioStreamProtocol  parent_instance;

  /* behaviour */
  gboolean           echo;            /* writes back what it receives */
  gboolean           keep_open;       /* what eof_received returns */
  gboolean           pause_on_data;   /* pauses reading at each data_received */
  GSocket           *nested_peer;     /* data_received sends from it and iterates */
  gboolean           in_data;         /* or in connection_made, iterating */
  NestedAction       nested_action;   /* with nested_peer, nested_fd */
  NestedAction       made_action;     /* the same in connection_made */
  int                nested_fd;       /* the served socket */
  guint              nested_dispatched;  /* iterations that dispatched */
  GByteArray        *nested_drained;  /* what nested_peer read in the nested loop */
  gsize              produce_total;   /* bytes to write from connection_made */
  gboolean           close_after_produce;

  /* record */
  AioTransport      *transport;
  GByteArray        *received;
  GString           *events;          /* "made data eof lost pause resume" */
  guint              made;
  guint              data_calls;
  guint              eof;
  guint              lost;
  guint              paused;
  guint              resumed;
  gboolean           writing_paused;
  gboolean           got_data;
  gboolean           got_eof;
  gboolean           got_lost;
  gboolean           got_resume;
  gsize              produced;
  gboolean           produce_ended;
  gsize              max_size_at_pause;   /* smallest buffer size seen at a pause */
  gsize              max_size_at_resume;  /* largest buffer size seen at a resume */
  gsize              size_at_close;
  GError            *lost_error;
  gboolean           lost_with_transport_protocol;  /* get_protocol() in connection_lost */
};

G_DEFINE_FINAL_TYPE (TestProtocol, test_protocol, AIO_TYPE_STREAM_PROTOCOL)

static guint8
pattern_byte (gsize i)
{
  return (guint8) ((i % 251) ^ (i >> 12));
}

static void
test_protocol_produce (TestProtocol *self)
{
  guint8 chunk[32 * 1024];

  /* Writes go on after a close() while the queue is sent. */
  while (!self->writing_paused && self->produced < self->produce_total && self->transport != NULL)
    {
      gsize n = MIN (sizeof chunk, self->produce_total - self->produced);

      for (gsize i = 0; i < n; i++)
        chunk[i] = pattern_byte (self->produced + i);
      self->produced += n;
      aio_transport_write (self->transport, chunk, n);
    }

  if (self->produced == self->produce_total && self->transport != NULL && !self->produce_ended)
    {
      self->produce_ended = TRUE;
      self->size_at_close = aio_transport_get_write_buffer_size (self->transport);
      if (self->close_after_produce)
        aio_transport_close (self->transport);
    }
}

/* Reads what nested_peer (@peer) can read now, without blocking. */
static void
test_protocol_drain (TestProtocol *self,
                     GSocket      *peer)
{
  guint8 buffer[16 * 1024];
  gssize n;

  while ((n = recv (g_socket_get_fd (peer), buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
    g_byte_array_append (self->nested_drained, buffer, n);
}

/* From a callback, after @action: waits until the transport's source is
 * ready, then iterates the context 1000 times without blocking (a nested
 * loop), counting the iterations that dispatched in nested_dispatched. */
static void
test_protocol_iterate_nested (TestProtocol *self,
                              NestedAction  action,
                              GSocket      *peer,
                              GIOStream    *stream)
{
  /* The served socket is ready now (input, EOF or a reset), or
   * connection_lost is pending: the transport's source is ready, and
   * must not be dispatched over and over while this loop runs (a
   * nested loop would spin at 100% CPU). The queue must not be sent
   * meanwhile either: resume_writing would come inside the callback. */
  if (action == NESTED_DRAIN)
    {
      struct pollfd pfd = { .fd = self->nested_fd, .events = POLLOUT };

      for (guint i = 0; i < 500 && poll (&pfd, 1, 0) == 0; i++)
        {
          test_protocol_drain (self, peer);
          g_assert_cmpint (poll (&pfd, 1, 10), >=, 0);
        }
      g_assert_cmpint (poll (&pfd, 1, 0), ==, 1);
    }
  else if (action != NESTED_ABORT && action != NESTED_CLOSE)
    {
      struct pollfd pfd = { .fd = self->nested_fd, .events = POLLIN };

      g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
    }
  else
    {
      /* In stream mode the stream is closed asynchronously (in a GIO
       * thread): connection_lost is pending once it is. */
      for (guint i = 0; i < 5000 && !g_io_stream_is_closed (stream); i++)
        {
          g_main_context_iteration (NULL, FALSE);
          g_usleep (1000);
        }
      g_assert_true (g_io_stream_is_closed (stream));
    }
  self->nested_dispatched = 0;
  for (guint i = 0; i < 1000; i++)
    {
      if (g_main_context_iteration (NULL, FALSE))
        self->nested_dispatched++;
      if (action == NESTED_DRAIN)
        test_protocol_drain (self, peer);
    }
}

static void
test_protocol_connection_made (AioStreamProtocol *protocol,
                               AioTransport      *transport)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);

  g_string_append (self->events, "made ");
  self->made++;
  self->transport = g_object_ref (transport);
  g_assert_true (aio_transport_get_protocol (transport) == protocol);
  if (self->produce_total > 0)
    test_protocol_produce (self);
  if (self->made_action != NESTED_NONE)
    {
      NestedAction action = self->made_action;
      GSocket *peer = g_steal_pointer (&self->nested_peer);
      g_autoptr(GIOStream) stream = g_object_ref (aio_transport_get_stream (transport));

      /* The peer's data is pending already (NESTED_MORE_DATA), and with
       * NESTED_DRAIN the protocol wrote until paused above. */
      self->made_action = NESTED_NONE;
      self->in_data = TRUE;
      if (action == NESTED_ABORT)
        aio_transport_abort (transport);
      else if (action == NESTED_CLOSE)
        aio_transport_close (transport);
      else if (action == NESTED_DRAIN)
        g_assert_true (self->writing_paused);
      test_protocol_iterate_nested (self, action, peer, stream);
      self->in_data = FALSE;
    }
}

static void
test_protocol_data_received (AioStreamProtocol *protocol,
                             const guint8      *data,
                             gsize              len)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);

  g_assert_cmpuint (len, >, 0);
  g_assert_false (self->in_data);
  g_assert_cmpuint (self->eof, ==, 0);
  g_assert_cmpuint (self->lost, ==, 0);
  if (self->data_calls++ == 0)
    g_string_append (self->events, "data ");
  g_byte_array_append (self->received, data, len);
  self->got_data = TRUE;
  if (self->echo)
    aio_transport_write (self->transport, data, len);
  if (self->pause_on_data)
    aio_transport_pause_reading (self->transport);
  if (self->nested_action != NESTED_NONE)
    {
      NestedAction action = self->nested_action;
      GSocket *peer = g_steal_pointer (&self->nested_peer);
      g_autoptr(GIOStream) stream = g_object_ref (aio_transport_get_stream (self->transport));
      struct linger linger = { .l_onoff = 1, .l_linger = 0 };
      g_autoptr(GError) error = NULL;

      self->nested_action = NESTED_NONE;
      self->in_data = TRUE;
      switch (action)
        {
        case NESTED_MORE_DATA:
          g_assert_cmpint (g_socket_send (peer, "more", 4, NULL, NULL), ==, 4);
          break;
        case NESTED_PEER_EOF:
          g_socket_shutdown (peer, FALSE, TRUE, &error);
          g_assert_no_error (error);
          break;
        case NESTED_PEER_RESET:
          /* A zero linger time makes the close send a RST. */
          g_assert_cmpint (setsockopt (g_socket_get_fd (peer), SOL_SOCKET, SO_LINGER,
                                       &linger, sizeof linger), ==, 0);
          g_socket_close (peer, &error);
          g_assert_no_error (error);
          break;
        case NESTED_ABORT:
          aio_transport_abort (self->transport);
          break;
        case NESTED_CLOSE:
          aio_transport_close (self->transport);
          break;
        case NESTED_DRAIN:
          self->produce_total = 256 * 1024;
          test_protocol_produce (self);
          g_assert_true (self->writing_paused);
          break;
        case NESTED_NONE:
        default:
          g_assert_not_reached ();
        }

      test_protocol_iterate_nested (self, action, peer, stream);
      self->in_data = FALSE;
    }
  else if (self->nested_peer != NULL)
    {
      GSocket *peer = g_steal_pointer (&self->nested_peer);

      /* More data arrives while the protocol iterates the context (a
       * nested loop): it must not come in a nested data_received. */
      self->in_data = TRUE;
      g_assert_cmpint (g_socket_send (peer, "more", 4, NULL, NULL), ==, 4);
      for (guint i = 0; i < 50; i++)
        g_main_context_iteration (NULL, FALSE);
      self->in_data = FALSE;
    }
}

static gboolean
test_protocol_eof_received (AioStreamProtocol *protocol)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);

  g_assert_false (self->in_data);
  g_string_append (self->events, "eof ");
  self->eof++;
  self->got_eof = TRUE;
  g_assert_false (aio_transport_is_reading (self->transport));
  return self->keep_open;
}

static void
test_protocol_connection_lost (AioStreamProtocol *protocol,
                               const GError      *error)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);

  g_assert_false (self->in_data);
  g_string_append (self->events, "lost");
  self->lost++;
  self->got_lost = TRUE;
  g_assert_true (aio_transport_is_closing (self->transport));
  self->lost_with_transport_protocol = aio_transport_get_protocol (self->transport) == protocol;
  if (error != NULL)
    self->lost_error = g_error_copy (error);
  g_clear_object (&self->transport);
}

static void
test_protocol_pause_writing (AioStreamProtocol *protocol)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);
  gsize high, size = aio_transport_get_write_buffer_size (self->transport);

  g_assert_false (self->writing_paused);
  aio_transport_get_write_buffer_limits (self->transport, &high, NULL);
  g_assert_cmpuint (size, >, high);
  if (self->paused == 0 || size < self->max_size_at_pause)
    self->max_size_at_pause = size;
  self->paused++;
  self->writing_paused = TRUE;
}

static void
test_protocol_resume_writing (AioStreamProtocol *protocol)
{
  TestProtocol *self = TEST_PROTOCOL (protocol);
  gsize low, size = aio_transport_get_write_buffer_size (self->transport);

  g_assert_true (self->writing_paused);
  g_assert_false (self->in_data);
  aio_transport_get_write_buffer_limits (self->transport, NULL, &low);
  g_assert_cmpuint (size, <=, low);
  self->max_size_at_resume = MAX (self->max_size_at_resume, size);
  self->resumed++;
  self->got_resume = TRUE;
  self->writing_paused = FALSE;
  test_protocol_produce (self);
}

static void
test_protocol_finalize (GObject *object)
{
  TestProtocol *self = TEST_PROTOCOL (object);

  g_clear_object (&self->transport);
  g_byte_array_unref (self->received);
  g_byte_array_unref (self->nested_drained);
  g_string_free (self->events, TRUE);
  g_clear_error (&self->lost_error);

  G_OBJECT_CLASS (test_protocol_parent_class)->finalize (object);
}

static void
test_protocol_class_init (TestProtocolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  object_class->finalize = test_protocol_finalize;
  protocol_class->connection_made = test_protocol_connection_made;
  protocol_class->data_received = test_protocol_data_received;
  protocol_class->eof_received = test_protocol_eof_received;
  protocol_class->connection_lost = test_protocol_connection_lost;
  protocol_class->pause_writing = test_protocol_pause_writing;
  protocol_class->resume_writing = test_protocol_resume_writing;
}

static void
test_protocol_init (TestProtocol *self)
{
  self->received = g_byte_array_new ();
  self->nested_drained = g_byte_array_new ();
  self->events = g_string_new (NULL);
}

static TestProtocol *
test_protocol_new (void)
{
  return g_object_new (TEST_TYPE_PROTOCOL, NULL);
}

/* Loopback connections */

typedef struct
{
  GSocketConnection *server;   /* the accepted side, to serve */
  GSocketConnection *client;
} Pair;

static void
pair_clear (Pair *pair)
{
  g_clear_object (&pair->server);
  g_clear_object (&pair->client);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pair, pair_clear)

static void
set_buffer (GSocket *socket,
            int      option,
            int      size)
{
  g_autoptr(GError) error = NULL;

  g_socket_set_option (socket, SOL_SOCKET, option, size, &error);
  g_assert_no_error (error);
}

/* Small buffers: the kernel takes little, so writes queue and readers
 * that do not read stop the writer soon. */
static void
pair_open (Pair     *pair,
           gboolean  small_buffers)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);

  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (small_buffers)
    set_buffer (client, SO_RCVBUF, 8 * 1024);
  /* A loopback connect completes at once; the accept finds it pending. */
  g_socket_connect (client, bound, NULL, &error);
  g_assert_no_error (error);
  server = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);
  if (small_buffers)
    set_buffer (server, SO_SNDBUF, 8 * 1024);
  g_socket_close (listener, NULL);

  pair->server = g_socket_connection_factory_create_connection (server);
  pair->client = g_socket_connection_factory_create_connection (client);
}

/* Serving */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Served;

static void
served_clear (Served *served)
{
  g_clear_error (&served->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Served, served_clear)

static void
served_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Served *served = user_data;

  g_assert_true (AIO_IS_STREAM_PROTOCOL (object));
  served->ok = _aio_transport_serve_finish (result, &served->error);
  g_assert_true (served->ok == (served->error == NULL));
  served->done = TRUE;
}

static void
serve (TestProtocol *protocol,
       GIOStream    *stream,
       GCancellable *cancellable,
       Served       *served)
{
  _aio_transport_serve_async (AIO_STREAM_PROTOCOL (protocol), stream, cancellable,
                              served_cb, served);
}

/* Client side: async GIO streams on the same context */

typedef struct
{
  gboolean  done;
  gssize    n;
  GError   *error;
} Op;

static void
write_all_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Op *op = user_data;
  gsize written = 0;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, &written, &op->error);
  op->n = written;
  op->done = TRUE;
}

static void
client_write (GIOStream    *client,
              const void   *data,
              gsize         len)
{
  Op op = { 0 };

  g_output_stream_write_all_async (g_io_stream_get_output_stream (client), data, len,
                                   G_PRIORITY_DEFAULT, NULL, write_all_cb, &op);
  aio_test_wait (&op.done);
  g_assert_no_error (op.error);
  g_assert_cmpint (op.n, ==, len);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Op *op = user_data;

  op->n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &op->error);
  op->done = TRUE;
}

/* Reads until @len bytes (or EOF if @len is 0) in reads of @chunk bytes;
 * returns FALSE (with the data so far) at EOF or after an error. */
static gboolean
client_read (GIOStream   *client,
             GByteArray  *into,
             gsize        len,
             gsize        chunk,
             GError     **error)
{
  g_autofree guint8 *buffer = g_malloc (chunk);
  gsize wanted = into->len + len;

  while (len == 0 || into->len < wanted)
    {
      Op op = { 0 };

      g_input_stream_read_async (g_io_stream_get_input_stream (client), buffer,
                                 len == 0 ? chunk : MIN (chunk, wanted - into->len),
                                 G_PRIORITY_DEFAULT, NULL, read_cb, &op);
      aio_test_wait (&op.done);
      if (op.n <= 0)
        {
          if (op.error != NULL)
            g_propagate_error (error, op.error);
          return FALSE;
        }
      g_byte_array_append (into, buffer, op.n);
    }

  return TRUE;
}

static void
client_close (GIOStream *client)
{
  g_autoptr(GError) error = NULL;

  g_io_stream_close (client, NULL, &error);
  g_assert_no_error (error);
}

/* Iterates the context without blocking: gives a transport the chance to
 * do what it must not do (deliver data while paused, call twice). */
static void
spin (guint iterations)
{
  for (guint i = 0; i < iterations; i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
assert_pattern (GByteArray *data,
                gsize       len)
{
  g_assert_cmpuint (data->len, ==, len);
  for (gsize i = 0; i < len; i++)
    if (data->data[i] != pattern_byte (i))
      g_error ("byte %" G_GSIZE_FORMAT " is %u, not %u", i, data->data[i], pattern_byte (i));
}

/* Tests */

static void
test_echo (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) echoed = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) client_local = NULL;
  AioTransport *transport;
  GSocketAddress *remote, *local;

  pair_open (&pair, FALSE);
  protocol->echo = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  g_assert_cmpuint (protocol->made, ==, 1);
  transport = protocol->transport;
  g_assert_nonnull (transport);
  g_object_add_weak_pointer (G_OBJECT (transport), (gpointer *) &transport);
  g_assert_true (aio_transport_get_stream (transport) == G_IO_STREAM (pair.server));
  g_assert_true (aio_transport_is_reading (transport));
  g_assert_false (aio_transport_is_closing (transport));

  /* The addresses are those of the connection. */
  client_local = g_socket_connection_get_local_address (pair.client, &error);
  g_assert_no_error (error);
  remote = aio_transport_get_remote_address (transport);
  local = aio_transport_get_local_address (transport);
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (remote));
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)), ==,
                    g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (client_local)));
  g_assert_true (aio_transport_get_remote_address (transport) == remote);

  client_write (G_IO_STREAM (pair.client), "hello", 5);
  client_read (G_IO_STREAM (pair.client), echoed, 5, 1024, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (echoed->data, echoed->len, "hello", 5);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, "hello", 5);

  /* The client closes: EOF, the default close, a clean connection_lost. */
  client_close (G_IO_STREAM (pair.client));
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
  g_assert_null (protocol->lost_error);
  g_assert_false (protocol->lost_with_transport_protocol);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (pair.server)));

  /* Nobody holds the transport any more: no cycle with the protocol. */
  g_assert_null (transport);
  g_assert_cmpuint (G_OBJECT (protocol)->ref_count, ==, 1);

  /* Served once, the protocol may serve another connection. */
  {
    g_auto(Pair) again = { 0 };
    g_auto(Served) served_again = { 0 };

    pair_open (&again, FALSE);
    serve (protocol, G_IO_STREAM (again.server), NULL, &served_again);
    g_assert_cmpuint (protocol->made, ==, 2);
    client_close (G_IO_STREAM (again.client));
    aio_test_wait (&served_again.done);
    g_assert_true (served_again.ok);
  }
}

typedef struct
{
  GIOStream  *client;
  GByteArray *data;
  gsize       expected;
  gboolean    done;
  guint8      buffer[4096];
} Reader;

static void
reader_next (Reader *reader);

static void
reader_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);
  g_byte_array_append (reader->data, reader->buffer, n);
  reader_next (reader);
}

static void
reader_next (Reader *reader)
{
  if (reader->data->len >= reader->expected)
    {
      reader->done = TRUE;
      return;
    }
  g_input_stream_read_async (g_io_stream_get_input_stream (reader->client), reader->buffer,
                             sizeof reader->buffer, G_PRIORITY_DEFAULT, NULL, reader_cb, reader);
}

static void
test_many_messages (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) sent = g_byte_array_new ();
  Reader reader = { 0 };

  pair_open (&pair, FALSE);
  protocol->echo = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *message = g_strdup_printf ("message %u;", i);
      g_byte_array_append (sent, (const guint8 *) message, strlen (message));
    }

  /* Reads while writing, one message per write. */
  reader.client = G_IO_STREAM (pair.client);
  reader.data = g_byte_array_new ();
  reader.expected = sent->len;
  reader_next (&reader);
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *message = g_strdup_printf ("message %u;", i);
      client_write (G_IO_STREAM (pair.client), message, strlen (message));
    }
  aio_test_wait (&reader.done);
  g_assert_cmpmem (reader.data->data, reader.data->len, sent->data, sent->len);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, sent->data, sent->len);
  g_byte_array_unref (reader.data);

  client_close (G_IO_STREAM (pair.client));
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpuint (protocol->lost, ==, 1);
}

/* The protocol writes several MiB to a slow reader: pause_writing above the
 * high water mark, resume_writing at the low one, and close() sends all. */
static void
test_back_pressure (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const gsize total = 4 * 1024 * 1024;

  pair_open (&pair, TRUE);
  protocol->produce_total = total;
  protocol->close_after_produce = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);

  /* Nothing read yet: the protocol wrote until paused. */
  g_assert_cmpuint (protocol->paused, ==, 1);
  g_assert_true (protocol->writing_paused);
  g_assert_cmpuint (protocol->produced, <, total);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (protocol->transport), >,
                    AIO_TRANSPORT_DEFAULT_HIGH_WATER);

  /* Slowly: small reads. */
  g_assert_false (client_read (G_IO_STREAM (pair.client), data, 0, 4096, &error));
  g_assert_no_error (error);
  assert_pattern (data, total);

  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpuint (protocol->paused, >, 1);
  g_assert_cmpuint (protocol->resumed, ==, protocol->paused);
  g_assert_cmpuint (protocol->max_size_at_pause, >, AIO_TRANSPORT_DEFAULT_HIGH_WATER);
  g_assert_cmpuint (protocol->max_size_at_resume, <=, AIO_TRANSPORT_DEFAULT_LOW_WATER);
  /* close() came with data queued: it was sent before the connection closed. */
  g_assert_cmpuint (protocol->size_at_close, >, 0);
  g_assert_null (protocol->lost_error);
  g_assert_cmpstr (protocol->events->str, ==, "made lost");
}

static void
test_water_marks (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const gsize total = 2 * 1024 * 1024;
  AioTransport *transport;
  gsize high, low;

  pair_open (&pair, TRUE);
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  transport = protocol->transport;

  aio_transport_get_write_buffer_limits (transport, &high, &low);
  g_assert_cmpuint (high, ==, 64 * 1024);
  g_assert_cmpuint (low, ==, 16 * 1024);

  /* A low mark above the high one is refused, naming the values. */
  g_assert_false (aio_transport_set_write_buffer_limits (transport, 1000, 2000, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "1000"));
  g_assert_nonnull (strstr (error->message, "2000"));
  g_clear_error (&error);
  aio_transport_get_write_buffer_limits (transport, &high, &low);
  g_assert_cmpuint (high, ==, 64 * 1024);

  g_assert_true (aio_transport_set_write_buffer_limits (transport, 256 * 1024, 128 * 1024, &error));
  g_assert_no_error (error);

  protocol->produce_total = total;
  protocol->close_after_produce = TRUE;
  test_protocol_produce (protocol);
  g_assert_cmpuint (protocol->paused, ==, 1);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (transport), >, 256 * 1024);

  /* Raising the high mark above the queue resumes the protocol at once if
   * the queue is below the new low mark... */
  g_assert_true (aio_transport_set_write_buffer_limits (transport, 64 * 1024 * 1024,
                                                        32 * 1024 * 1024, &error));
  g_assert_cmpuint (protocol->resumed, ==, 1);
  /* ...which then wrote everything without pausing again. */
  g_assert_cmpuint (protocol->produced, ==, total);
  g_assert_cmpuint (protocol->paused, ==, 1);

  g_assert_false (client_read (G_IO_STREAM (pair.client), data, 0, 64 * 1024, &error));
  g_assert_no_error (error);
  assert_pattern (data, total);
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
}

static void
test_pause_reading (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GSocket) server_socket = NULL;
  AioTransport *transport;

  pair_open (&pair, FALSE);
  server_socket = g_object_ref (g_socket_connection_get_socket (pair.server));
  protocol->pause_on_data = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  transport = protocol->transport;

  client_write (G_IO_STREAM (pair.client), "first", 5);
  aio_test_wait (&protocol->got_data);
  g_assert_false (aio_transport_is_reading (transport));
  aio_transport_pause_reading (transport);  /* paused already: nothing */

  /* The second message is there, but not delivered while paused; nor the
   * EOF that follows it. */
  protocol->got_data = FALSE;
  client_write (G_IO_STREAM (pair.client), "second", 6);
  g_socket_shutdown (g_socket_connection_get_socket (pair.client), FALSE, TRUE, NULL);
  while (!(g_socket_condition_check (server_socket, G_IO_IN) & G_IO_IN))
    spin (1);
  spin (50);
  g_assert_false (protocol->got_data);
  g_assert_cmpuint (protocol->eof, ==, 0);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, "first", 5);

  protocol->pause_on_data = FALSE;
  aio_transport_resume_reading (transport);
  g_assert_true (aio_transport_is_reading (transport));
  aio_transport_resume_reading (transport);  /* reading already: nothing */
  aio_test_wait (&protocol->got_eof);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, "firstsecond", 11);

  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
}

static void
test_nested_iteration (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GSocket) server_socket = NULL;

  pair_open (&pair, FALSE);
  server_socket = g_object_ref (g_socket_connection_get_socket (pair.server));
  protocol->nested_peer = g_socket_connection_get_socket (pair.client);
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);

  client_write (G_IO_STREAM (pair.client), "first", 5);
  aio_test_wait (&protocol->got_data);
  /* Delivered after the first call returned. */
  while (protocol->received->len < 9)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, "firstmore", 9);
  g_assert_cmpuint (protocol->data_calls, ==, 2);

  client_close (G_IO_STREAM (pair.client));
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
}

/* A protocol that iterates the context from data_received while the
 * transport's source is ready (more input, the peer's EOF or reset, a
 * pending connection_lost): the nested loop must not spin on the source,
 * nor call the protocol back (a nested data_received, eof_received or
 * connection_lost), and what is pending is delivered after data_received
 * returned. In socket mode, and in stream mode (the pollable streams'
 * sources, as for TLS): a GSimpleIOStream over the socket's streams. */
static void
test_nested_iteration_no_spin (gconstpointer data)
{
  NestedAction action = GPOINTER_TO_INT (data) & NESTED_ACTIONS;
  gboolean stream_mode = (GPOINTER_TO_INT (data) & NESTED_STREAM_MODE) != 0;
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  /* Small buffers: the protocol's writes queue, and pause it. */
  pair_open (&pair, action == NESTED_DRAIN);
  if (stream_mode)
    stream = g_simple_io_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (pair.server)),
                                     g_io_stream_get_output_stream (G_IO_STREAM (pair.server)));
  else
    stream = g_object_ref (G_IO_STREAM (pair.server));
  protocol->nested_action = action;
  protocol->nested_peer = g_socket_connection_get_socket (pair.client);
  protocol->nested_fd = g_socket_get_fd (g_socket_connection_get_socket (pair.server));
  serve (protocol, stream, NULL, &served);

  client_write (G_IO_STREAM (pair.client), "first", 5);
  aio_test_wait (&protocol->got_data);
  g_test_message ("%u of 1000 nested iterations dispatched", protocol->nested_dispatched);
  g_assert_cmpuint (protocol->nested_dispatched, <=, 5);

  switch (action)
    {
    case NESTED_MORE_DATA:
      while (protocol->received->len < 9)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpmem (protocol->received->data, protocol->received->len, "firstmore", 9);
      g_assert_cmpuint (protocol->data_calls, ==, 2);
      client_close (G_IO_STREAM (pair.client));
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
      break;
    case NESTED_PEER_EOF:
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
      break;
    case NESTED_PEER_RESET:
      aio_test_wait (&served.done);
      g_assert_false (served.ok);
      g_assert_nonnull (protocol->lost_error);
      g_assert_cmpstr (protocol->events->str, ==, "made data lost");
      break;
    case NESTED_DRAIN:
      /* The queue is sent once data_received returned. */
      client_read (G_IO_STREAM (pair.client), protocol->nested_drained,
                   protocol->produce_total - protocol->nested_drained->len, 16 * 1024, &error);
      g_assert_no_error (error);
      assert_pattern (protocol->nested_drained, protocol->produce_total);
      g_assert_cmpuint (protocol->resumed, >=, 1);
      g_assert_false (protocol->writing_paused);
      client_close (G_IO_STREAM (pair.client));
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
      break;
    case NESTED_ABORT:
    case NESTED_CLOSE:
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_null (protocol->lost_error);
      g_assert_cmpstr (protocol->events->str, ==, "made data lost");
      break;
    case NESTED_NONE:
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_cmpmem (protocol->received->data, 5, "first", 5);
  g_assert_true (g_io_stream_is_closed (stream));
}

static const struct
{
  const char   *name;
  NestedAction  action;
} nested_cases[] = {
  { "more-data", NESTED_MORE_DATA },
  { "peer-eof", NESTED_PEER_EOF },
  { "peer-reset", NESTED_PEER_RESET },
  { "abort", NESTED_ABORT },
  { "close", NESTED_CLOSE },
  { "drain", NESTED_DRAIN },
};

/* The same from connection_made, which the transport calls outside its
 * sources: the peer's data is pending before the connection is served,
 * and connection_made iterates (more-data), aborts or closes first, or
 * writes until paused first while the peer reads (drain). No callback
 * comes inside connection_made, the nested loop does not spin, and what
 * is pending is delivered once, after connection_made returned. */
static void
test_nested_iteration_made (gconstpointer data)
{
  NestedAction action = GPOINTER_TO_INT (data) & NESTED_ACTIONS;
  gboolean stream_mode = (GPOINTER_TO_INT (data) & NESTED_STREAM_MODE) != 0;
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  struct pollfd pfd = { .events = POLLIN };

  /* Small buffers: the protocol's writes queue, and pause it. */
  pair_open (&pair, action == NESTED_DRAIN);
  if (stream_mode)
    stream = g_simple_io_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (pair.server)),
                                     g_io_stream_get_output_stream (G_IO_STREAM (pair.server)));
  else
    stream = g_object_ref (G_IO_STREAM (pair.server));
  protocol->made_action = action;
  protocol->nested_peer = g_socket_connection_get_socket (pair.client);
  protocol->nested_fd = g_socket_get_fd (g_socket_connection_get_socket (pair.server));
  if (action == NESTED_DRAIN)
    protocol->produce_total = 256 * 1024;

  client_write (G_IO_STREAM (pair.client), "first", 5);
  pfd.fd = protocol->nested_fd;
  g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);

  serve (protocol, stream, NULL, &served);
  g_assert_cmpuint (protocol->made, ==, 1);
  g_test_message ("%u of 1000 nested iterations dispatched", protocol->nested_dispatched);
  g_assert_cmpuint (protocol->nested_dispatched, <=, 5);

  switch (action)
    {
    case NESTED_MORE_DATA:
      aio_test_wait (&protocol->got_data);
      g_assert_cmpmem (protocol->received->data, protocol->received->len, "first", 5);
      g_assert_cmpuint (protocol->data_calls, ==, 1);
      client_close (G_IO_STREAM (pair.client));
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
      break;
    case NESTED_DRAIN:
      /* The queue is sent, and the pending data read, once connection_made
       * returned. */
      client_read (G_IO_STREAM (pair.client), protocol->nested_drained,
                   protocol->produce_total - protocol->nested_drained->len, 16 * 1024, &error);
      g_assert_no_error (error);
      assert_pattern (protocol->nested_drained, protocol->produce_total);
      g_assert_cmpuint (protocol->resumed, >=, 1);
      g_assert_false (protocol->writing_paused);
      aio_test_wait (&protocol->got_data);
      g_assert_cmpmem (protocol->received->data, protocol->received->len, "first", 5);
      g_assert_cmpuint (protocol->data_calls, ==, 1);
      client_close (G_IO_STREAM (pair.client));
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
      break;
    case NESTED_ABORT:
    case NESTED_CLOSE:
      aio_test_wait (&served.done);
      g_assert_true (served.ok);
      g_assert_null (protocol->lost_error);
      g_assert_cmpuint (protocol->data_calls, ==, 0);
      g_assert_cmpstr (protocol->events->str, ==, "made lost");
      break;
    case NESTED_PEER_EOF:
    case NESTED_PEER_RESET:
    case NESTED_NONE:
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpuint (protocol->made, ==, 1);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_true (g_io_stream_is_closed (stream));
}

static const struct
{
  const char   *name;
  NestedAction  action;
} nested_made_cases[] = {
  { "pending-data", NESTED_MORE_DATA },
  { "abort", NESTED_ABORT },
  { "close", NESTED_CLOSE },
  { "drain", NESTED_DRAIN },
};

static void
test_peer_eof (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  pair_open (&pair, FALSE);
  protocol->echo = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);

  /* The client sends and shuts its sending side: the server echoes, sees
   * the EOF, closes (the default), and the client reads all, then EOF. */
  client_write (G_IO_STREAM (pair.client), "ping", 4);
  g_socket_shutdown (g_socket_connection_get_socket (pair.client), FALSE, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (client_read (G_IO_STREAM (pair.client), data, 0, 1024, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (data->data, data->len, "ping", 4);

  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpuint (protocol->eof, ==, 1);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_null (protocol->lost_error);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
}

static void
test_half_close (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  AioTransport *transport;

  pair_open (&pair, FALSE);
  protocol->keep_open = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  transport = g_object_ref (protocol->transport);

  client_write (G_IO_STREAM (pair.client), "request", 7);
  g_socket_shutdown (g_socket_connection_get_socket (pair.client), FALSE, TRUE, &error);
  g_assert_no_error (error);
  aio_test_wait (&protocol->got_eof);

  /* Kept open: the server still writes, long after the EOF. */
  spin (20);
  g_assert_cmpuint (protocol->lost, ==, 0);
  g_assert_false (aio_transport_is_closing (transport));
  g_assert_false (aio_transport_is_reading (transport));
  aio_transport_write (transport, (const guint8 *) "reply to ", 9);
  aio_transport_write (transport, protocol->received->data, protocol->received->len);
  aio_transport_close (transport);
  g_assert_true (aio_transport_is_closing (transport));

  g_assert_false (client_read (G_IO_STREAM (pair.client), data, 0, 1024, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (data->data, data->len, "reply to request", 16);
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");

  /* After connection_lost the transport is inert. */
  aio_transport_write (transport, (const guint8 *) "late", 4);
  aio_transport_close (transport);
  aio_transport_abort (transport);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (transport), ==, 0);
  g_assert_null (aio_transport_get_protocol (transport));
  g_object_unref (transport);
  g_assert_cmpuint (protocol->lost, ==, 1);
}

static void
test_abort (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  AioTransport *transport;
  const gsize total = 4 * 1024 * 1024;

  pair_open (&pair, TRUE);
  protocol->produce_total = total;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  transport = g_object_ref (protocol->transport);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (transport), >, 0);

  aio_transport_abort (transport);
  g_assert_true (aio_transport_is_closing (transport));
  g_assert_cmpuint (aio_transport_get_write_buffer_size (transport), ==, 0);
  /* connection_lost comes from the main loop, not from inside abort(). */
  g_assert_cmpuint (protocol->lost, ==, 0);
  aio_transport_abort (transport);
  aio_transport_close (transport);
  aio_transport_write (transport, (const guint8 *) "dropped", 7);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (transport), ==, 0);

  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_null (protocol->lost_error);
  g_assert_false (protocol->got_resume);
  spin (20);
  g_assert_cmpuint (protocol->lost, ==, 1);

  /* The client gets what the kernel had, not the dropped queue. */
  client_read (G_IO_STREAM (pair.client), data, 0, 64 * 1024, &error);
  g_clear_error (&error);
  g_assert_cmpuint (data->len, <, total);
  g_object_unref (transport);
}

/* The protocol aborts from inside connection_made and data_received. */
typedef struct
{
  AioStreamProtocol parent_instance;
  guint             lost;
  gboolean          got_lost;
} Aborter;

typedef AioStreamProtocolClass AborterClass;

static GType aborter_get_type (void);
G_DEFINE_TYPE (Aborter, aborter, AIO_TYPE_STREAM_PROTOCOL)

static void
aborter_connection_made (AioStreamProtocol *protocol,
                         AioTransport      *transport)
{
  aio_transport_write (transport, (const guint8 *) "bye", 3);
  aio_transport_abort (transport);
  aio_transport_abort (transport);
}

static void
aborter_connection_lost (AioStreamProtocol *protocol,
                         const GError      *error)
{
  Aborter *self = (Aborter *) protocol;

  g_assert_null (error);
  self->lost++;
  self->got_lost = TRUE;
}

static void
aborter_class_init (AborterClass *klass)
{
  klass->connection_made = aborter_connection_made;
  klass->connection_lost = aborter_connection_lost;
}

static void
aborter_init (Aborter *self)
{
}

static void
test_abort_in_connection_made (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(AioStreamProtocol) protocol = g_object_new (aborter_get_type (), NULL);

  pair_open (&pair, FALSE);
  _aio_transport_serve_async (protocol, G_IO_STREAM (pair.server), NULL, served_cb, &served);
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  spin (10);
  g_assert_cmpuint (((Aborter *) protocol)->lost, ==, 1);
}

/* A protocol that serves a new connection from its connection_lost (a
 * reconnecting client does that). */
typedef struct
{
  AioStreamProtocol  parent_instance;
  GIOStream         *next;
  gpointer           served;
  guint              made;
  guint              lost;
} Reconnector;

typedef AioStreamProtocolClass ReconnectorClass;

static GType reconnector_get_type (void);
G_DEFINE_TYPE (Reconnector, reconnector, AIO_TYPE_STREAM_PROTOCOL)

static void
reconnector_connection_made (AioStreamProtocol *protocol,
                             AioTransport      *transport)
{
  ((Reconnector *) protocol)->made++;
  aio_transport_close (transport);
}

static void
reconnector_connection_lost (AioStreamProtocol *protocol,
                             const GError      *error)
{
  Reconnector *self = (Reconnector *) protocol;
  GIOStream *next = g_steal_pointer (&self->next);

  self->lost++;
  if (next != NULL)
    {
      _aio_transport_serve_async (protocol, next, NULL, served_cb, self->served);
      g_object_unref (next);
    }
}

static void
reconnector_class_init (ReconnectorClass *klass)
{
  klass->connection_made = reconnector_connection_made;
  klass->connection_lost = reconnector_connection_lost;
}

static void
reconnector_init (Reconnector *self)
{
}

static void
test_serve_again_from_connection_lost (void)
{
  g_auto(Pair) first = { 0 };
  g_auto(Pair) second = { 0 };
  g_auto(Served) served_first = { 0 };
  g_auto(Served) served_second = { 0 };
  g_autoptr(AioStreamProtocol) protocol = g_object_new (reconnector_get_type (), NULL);
  Reconnector *reconnector = (Reconnector *) protocol;

  pair_open (&first, FALSE);
  pair_open (&second, FALSE);
  reconnector->next = g_object_ref (G_IO_STREAM (second.server));
  reconnector->served = &served_second;
  _aio_transport_serve_async (protocol, G_IO_STREAM (first.server), NULL, served_cb, &served_first);
  aio_test_wait (&served_first.done);
  g_assert_true (served_first.ok);
  aio_test_wait (&served_second.done);
  g_assert_no_error (served_second.error);
  g_assert_cmpuint (reconnector->made, ==, 2);
  g_assert_cmpuint (reconnector->lost, ==, 2);
}

static void
test_peer_reset (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };
  GSocket *client;

  pair_open (&pair, FALSE);
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);

  /* A zero linger time makes the close send a RST. */
  client = g_socket_connection_get_socket (pair.client);
  g_assert_cmpint (setsockopt (g_socket_get_fd (client), SOL_SOCKET, SO_LINGER, &linger, sizeof linger), ==, 0);
  client_close (G_IO_STREAM (pair.client));

  aio_test_wait (&served.done);
  g_assert_false (served.ok);
  g_assert_nonnull (served.error);
  g_assert_true (served.error->domain == G_IO_ERROR);
  g_assert_nonnull (protocol->lost_error);
  g_assert_true (protocol->lost_error->domain == G_IO_ERROR);
  g_assert_cmpint (protocol->lost_error->code, ==, served.error->code);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_cmpuint (protocol->eof, ==, 0);
  g_assert_cmpstr (protocol->events->str, ==, "made lost");
}

static void
test_write_to_reset_peer (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  GSocket *client;
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };
  g_autoptr(GSocket) server_socket = NULL;
  guint8 big[64 * 1024] = { 0 };

  pair_open (&pair, FALSE);
  server_socket = g_object_ref (g_socket_connection_get_socket (pair.server));
  protocol->keep_open = TRUE;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  aio_transport_pause_reading (protocol->transport);

  client = g_socket_connection_get_socket (pair.client);
  g_assert_cmpint (setsockopt (g_socket_get_fd (client), SOL_SOCKET, SO_LINGER, &linger, sizeof linger), ==, 0);
  client_close (G_IO_STREAM (pair.client));
  while (!(g_socket_condition_check (server_socket, G_IO_ERR | G_IO_HUP) & (G_IO_ERR | G_IO_HUP)))
    spin (1);

  /* Not reading: the reset is found by the write. */
  for (guint i = 0; i < 4 && protocol->transport != NULL && !aio_transport_is_closing (protocol->transport); i++)
    aio_transport_write (protocol->transport, big, sizeof big);
  aio_test_wait (&served.done);
  g_assert_false (served.ok);
  g_assert_true (served.error->domain == G_IO_ERROR);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_nonnull (protocol->lost_error);
}

static void
test_cancel (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  pair_open (&pair, TRUE);
  protocol->produce_total = 1024 * 1024;
  serve (protocol, G_IO_STREAM (pair.server), cancellable, &served);
  g_assert_cmpuint (protocol->made, ==, 1);

  g_cancellable_cancel (cancellable);
  aio_test_wait (&served.done);
  g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (protocol->lost_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_true (g_io_stream_is_closed (G_IO_STREAM (pair.server)));

  /* The client sees the end (EOF, or a reset: the server had unread data
   * or not, it does not matter). */
  client_read (G_IO_STREAM (pair.client), data, 0, 64 * 1024, &error);
  g_clear_error (&error);
  g_assert_cmpuint (data->len, <, protocol->produce_total);
}

static void
test_cancelled_before (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  pair_open (&pair, FALSE);
  g_cancellable_cancel (cancellable);
  serve (protocol, G_IO_STREAM (pair.server), cancellable, &served);
  aio_test_wait (&served.done);
  g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (protocol->made, ==, 0);
  g_assert_cmpuint (protocol->lost, ==, 0);
}

/* close() while the protocol is paused with replies queued: the queue is
 * sent before the connection closes, and the writes the protocol still makes
 * (on resume_writing) go out as well. */
static void
test_close_sends_queue (void)
{
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const gsize total = 1024 * 1024;

  pair_open (&pair, TRUE);
  protocol->produce_total = total;
  serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
  g_assert_cmpuint (aio_transport_get_write_buffer_size (protocol->transport), >, 0);

  aio_transport_close (protocol->transport);
  g_assert_true (aio_transport_is_closing (protocol->transport));
  g_assert_false (aio_transport_is_reading (protocol->transport));
  g_assert_false (client_read (G_IO_STREAM (pair.client), data, 0, 16 * 1024, &error));
  g_assert_no_error (error);
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpuint (protocol->produced, ==, total);
  assert_pattern (data, total);
}

static void
test_bad_streams (void)
{
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GInputStream) memory = g_memory_input_stream_new ();
  g_autoptr(GInputStream) buffered = g_buffered_input_stream_new (memory);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (buffered, output);

  /* Not pollable. */
  {
    g_auto(Served) served = { 0 };

    serve (protocol, stream, NULL, &served);
    aio_test_wait (&served.done);
    g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (served.error->message, "GSimpleIOStream"));
    g_assert_cmpuint (protocol->made, ==, 0);
  }

  /* Closed. */
  {
    g_auto(Pair) pair = { 0 };
    g_auto(Served) served = { 0 };

    pair_open (&pair, FALSE);
    client_close (G_IO_STREAM (pair.server));
    serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
    aio_test_wait (&served.done);
    g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  }

  /* Serving two connections at once. */
  {
    g_auto(Pair) pair = { 0 };
    g_auto(Pair) other = { 0 };
    g_auto(Served) served = { 0 };
    g_auto(Served) second = { 0 };

    pair_open (&pair, FALSE);
    pair_open (&other, FALSE);
    serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
    serve (protocol, G_IO_STREAM (other.server), NULL, &second);
    aio_test_wait (&second.done);
    g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
    g_assert_false (served.done);
    client_close (G_IO_STREAM (pair.client));
    aio_test_wait (&served.done);
    g_assert_true (served.ok);
    g_assert_cmpuint (protocol->made, ==, 1);
  }
}

/* Any pollable stream is served by the stream path: memory streams here. */
static void
test_pollable_stream (void)
{
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GInputStream) input = g_memory_input_stream_new_from_data ("abc", 3, NULL);
  g_autoptr(GOutputStream) output = g_memory_output_stream_new_resizable ();
  g_autoptr(GIOStream) stream = g_simple_io_stream_new (input, output);

  protocol->echo = TRUE;
  serve (protocol, stream, NULL, &served);
  aio_test_wait (&served.done);
  g_assert_true (served.ok);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
  g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (output)),
                   g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (output)), "abc", 3);
  g_assert_true (g_io_stream_is_closed (stream));
}

/* TLS: the stream path */

typedef struct
{
  gboolean  done;
  GError   *error;
} Handshake;

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Handshake *handshake = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &handshake->error);
  handshake->done = TRUE;
}

typedef struct
{
  GIOStream *server;
  GIOStream *client;
} TlsPair;

/* TLS over a loopback pair; with @handshake, the handshakes are done before
 * serving, otherwise they are implicit: the server's is left to the
 * transport's first non-blocking read, the client's to its first write. */
static gboolean
tls_pair_open (Pair            *pair,
               TlsPair         *tls,
               AioTestCerts    *certs,
               gboolean         handshake)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", 443);
  Handshake client_done = { 0 }, server_done = { 0 };

  certificate = _aio_tls_load_certificate (certs->server_cert, certs->server_key, &error);
  g_assert_no_error (error);
  database = _aio_tls_load_ca (certs->ca_cert, &error);
  g_assert_no_error (error);

  pair_open (pair, FALSE);
  tls->server = g_tls_server_connection_new (G_IO_STREAM (pair->server), certificate, &error);
  g_assert_no_error (error);
  tls->client = g_tls_client_connection_new (G_IO_STREAM (pair->client), identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls->client), database);

  if (handshake)
    {
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls->client), G_PRIORITY_DEFAULT, NULL,
                                        handshake_cb, &client_done);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (tls->server), G_PRIORITY_DEFAULT, NULL,
                                        handshake_cb, &server_done);
      aio_test_wait (&server_done.done);
      g_assert_no_error (server_done.error);
      aio_test_wait (&client_done.done);
      g_assert_no_error (client_done.error);
    }
  return TRUE;
}

static void
tls_pair_clear (TlsPair *tls)
{
  g_clear_object (&tls->server);
  g_clear_object (&tls->client);
}

static void
run_tls_echo (gboolean handshake)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_auto(Pair) pair = { 0 };
  TlsPair tls = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GByteArray) sent = g_byte_array_new ();
  GSocketAddress *remote;
  Reader reader = { 0 };
  const gsize total = 512 * 1024;

  if (certs == NULL)
    return;

  tls_pair_open (&pair, &tls, certs, handshake);
  protocol->echo = TRUE;
  serve (protocol, tls.server, NULL, &served);
  g_assert_cmpuint (protocol->made, ==, 1);
  g_assert_true (aio_transport_get_stream (protocol->transport) == tls.server);
  remote = aio_transport_get_remote_address (protocol->transport);
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (remote));

  /* Enough to queue: the client writes all before it reads. */
  for (gsize i = 0; i < total; i++)
    {
      guint8 byte = pattern_byte (i);
      g_byte_array_append (sent, &byte, 1);
    }
  reader.client = tls.client;
  reader.data = g_byte_array_new ();
  reader.expected = total;
  reader_next (&reader);
  client_write (tls.client, sent->data, sent->len);
  aio_test_wait (&reader.done);
  assert_pattern (reader.data, total);
  g_byte_array_unref (reader.data);

  /* The client's close_notify is the EOF; the server closes with its own. */
  client_close (tls.client);
  aio_test_wait (&served.done);
  g_assert_no_error (served.error);
  g_assert_cmpstr (protocol->events->str, ==, "made data eof lost");
  g_assert_true (g_io_stream_is_closed (tls.server));

  tls_pair_clear (&tls);
}

static void
test_tls_echo (void)
{
  run_tls_echo (TRUE);
}

static void
test_tls_implicit_handshake (void)
{
  run_tls_echo (FALSE);
}

static void
test_tls_abort (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_auto(Pair) pair = { 0 };
  TlsPair tls = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  if (certs == NULL)
    return;

  /* The client does not read: the queue stays; cancelling aborts it. */
  tls_pair_open (&pair, &tls, certs, TRUE);
  protocol->produce_total = 8 * 1024 * 1024;
  serve (protocol, tls.server, cancellable, &served);
  g_assert_cmpuint (protocol->paused, ==, 1);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&served.done);
  g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_true (g_io_stream_is_closed (tls.server));
  tls_pair_clear (&tls);
}

/* Over TLS (stream mode, its stream closed asynchronously with a
 * close_notify): data_received aborts or closes, then iterates the context
 * until the stream is closed and connection_lost pending; it comes once
 * data_received returned, and the nested loop does not spin. */
static void
test_tls_nested_iteration (gconstpointer data)
{
  NestedAction action = GPOINTER_TO_INT (data);
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_auto(Pair) pair = { 0 };
  TlsPair tls = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();

  if (certs == NULL)
    return;

  tls_pair_open (&pair, &tls, certs, TRUE);
  protocol->nested_action = action;
  serve (protocol, tls.server, NULL, &served);
  client_write (tls.client, "first", 5);
  aio_test_wait (&protocol->got_data);
  g_test_message ("%u of 1000 nested iterations dispatched", protocol->nested_dispatched);
  g_assert_cmpuint (protocol->nested_dispatched, <=, 5);

  aio_test_wait (&served.done);
  g_assert_no_error (served.error);
  g_assert_cmpstr (protocol->events->str, ==, "made data lost");
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_cmpmem (protocol->received->data, protocol->received->len, "first", 5);
  g_assert_true (g_io_stream_is_closed (tls.server));
  tls_pair_clear (&tls);
}

/* A server TLS connection whose client never speaks TLS. */
static GIOStream *
tls_server_over (Pair         *pair,
                 AioTestCerts *certs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  GIOStream *server;

  certificate = _aio_tls_load_certificate (certs->server_cert, certs->server_key, &error);
  g_assert_no_error (error);
  pair_open (pair, FALSE);
  server = g_tls_server_connection_new (G_IO_STREAM (pair->server), certificate, &error);
  g_assert_no_error (error);
  return server;
}

/* Cancelled while the implicit handshake waits (in a GIO thread) for a
 * client that says nothing: the abort does not wait for the handshake. */
static void
test_tls_cancel_in_handshake (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GIOStream) server = NULL;

  if (certs == NULL)
    return;

  server = tls_server_over (&pair, certs);
  serve (protocol, server, cancellable, &served);
  /* The start of a record: the transport's read starts the handshake, which
   * then waits for the rest. */
  client_write (G_IO_STREAM (pair.client), "\x16\x03\x01", 3);
  spin (50);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&served.done);
  g_assert_error (served.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (protocol->events->str, ==, "made lost");
  g_assert_true (g_io_stream_is_closed (server));
}

/* A client that is not TLS: the handshake fails, connection_lost says so. */
static void
test_tls_handshake_error (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_auto(Pair) pair = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GIOStream) server = NULL;

  if (certs == NULL)
    return;

  server = tls_server_over (&pair, certs);
  serve (protocol, server, NULL, &served);
  client_write (G_IO_STREAM (pair.client), "GET / HTTP/1.0\r\n\r\n", 18);
  aio_test_wait (&served.done);
  g_assert_false (served.ok);
  g_assert_nonnull (served.error);
  g_assert_nonnull (protocol->lost_error);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_assert_cmpuint (protocol->data_calls, ==, 0);
  g_assert_cmpstr (protocol->events->str, ==, "made lost");
}

/* No descriptor survives a connection, whichever way it ends. */
static guint
count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint count = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    count++;
  return count;
}

static void
test_no_fd_leak (void)
{
  guint before;

  /* Warm up whatever GIO opens once (the GCancellable wakeup fds come and go). */
  {
    g_auto(Pair) pair = { 0 };
    g_auto(Served) served = { 0 };
    g_autoptr(TestProtocol) protocol = test_protocol_new ();

    pair_open (&pair, FALSE);
    serve (protocol, G_IO_STREAM (pair.server), NULL, &served);
    client_close (G_IO_STREAM (pair.client));
    aio_test_wait (&served.done);
  }
  before = count_fds ();

  for (guint i = 0; i < 40; i++)
    {
      g_auto(Pair) pair = { 0 };
      g_auto(Served) served = { 0 };
      g_autoptr(TestProtocol) protocol = test_protocol_new ();
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();

      pair_open (&pair, i % 2 == 0);
      protocol->echo = TRUE;
      protocol->produce_total = i % 4 == 1 ? 512 * 1024 : 0;
      serve (protocol, G_IO_STREAM (pair.server), cancellable, &served);
      client_write (G_IO_STREAM (pair.client), "x", 1);
      switch (i % 4)
        {
        case 0: /* the peer closes */
          client_close (G_IO_STREAM (pair.client));
          break;
        case 1: /* abort with a queue */
          aio_transport_abort (protocol->transport);
          break;
        case 2: /* cancelled */
          g_cancellable_cancel (cancellable);
          break;
        case 3: /* closed by the protocol */
          aio_transport_close (protocol->transport);
          break;
        }
      aio_test_wait (&served.done);
      g_assert_cmpuint (protocol->lost, ==, 1);
    }

  g_assert_cmpuint (count_fds (), ==, before);
}

/* One TLS connection, ended by the client's close (i % 3 == 0), the
 * protocol's close (1) or a cancellation (2). */
static void
tls_connection_round (AioTestCerts *certs,
                      guint         i)
{
  g_auto(Pair) pair = { 0 };
  TlsPair tls = { 0 };
  g_auto(Served) served = { 0 };
  g_autoptr(TestProtocol) protocol = test_protocol_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GByteArray) echoed = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  tls_pair_open (&pair, &tls, certs, FALSE);
  protocol->echo = TRUE;
  serve (protocol, tls.server, cancellable, &served);
  client_write (tls.client, "ping", 4);
  client_read (tls.client, echoed, 4, 1024, &error);
  g_assert_no_error (error);
  switch (i % 3)
    {
    case 0:
      client_close (tls.client);
      break;
    case 1:
      aio_transport_close (protocol->transport);
      break;
    case 2:
      g_cancellable_cancel (cancellable);
      break;
    }
  aio_test_wait (&served.done);
  g_assert_cmpuint (protocol->lost, ==, 1);
  g_io_stream_close (tls.client, NULL, NULL);
  tls_pair_clear (&tls);
}

static void
test_tls_no_fd_leak (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  guint before;

  if (certs == NULL)
    return;

  tls_connection_round (certs, 0);  /* what the TLS backend opens once */
  before = count_fds ();
  for (guint i = 0; i < 9; i++)
    tls_connection_round (certs, i);
  g_assert_cmpuint (count_fds (), ==, before);
}


int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/StreamProtocol/echo", test_echo);
  g_test_add_func ("/Aio/StreamProtocol/many-messages", test_many_messages);
  g_test_add_func ("/Aio/StreamProtocol/back-pressure", test_back_pressure);
  g_test_add_func ("/Aio/StreamProtocol/water-marks", test_water_marks);
  g_test_add_func ("/Aio/StreamProtocol/pause-reading", test_pause_reading);
  g_test_add_func ("/Aio/StreamProtocol/nested-iteration", test_nested_iteration);
  for (gsize i = 0; i < G_N_ELEMENTS (nested_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/Aio/StreamProtocol/nested-iteration-no-spin/",
                                           nested_cases[i].name, NULL);
      g_autofree char *stream_path = g_strconcat ("/Aio/StreamProtocol/nested-iteration-no-spin/stream/",
                                                  nested_cases[i].name, NULL);

      g_test_add_data_func (path, GINT_TO_POINTER (nested_cases[i].action),
                            test_nested_iteration_no_spin);
      g_test_add_data_func (stream_path, GINT_TO_POINTER (nested_cases[i].action | NESTED_STREAM_MODE),
                            test_nested_iteration_no_spin);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (nested_made_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/Aio/StreamProtocol/nested-iteration-no-spin/made/",
                                           nested_made_cases[i].name, NULL);
      g_autofree char *stream_path = g_strconcat ("/Aio/StreamProtocol/nested-iteration-no-spin/made/stream/",
                                                  nested_made_cases[i].name, NULL);

      g_test_add_data_func (path, GINT_TO_POINTER (nested_made_cases[i].action),
                            test_nested_iteration_made);
      g_test_add_data_func (stream_path, GINT_TO_POINTER (nested_made_cases[i].action | NESTED_STREAM_MODE),
                            test_nested_iteration_made);
    }
  g_test_add_func ("/Aio/StreamProtocol/peer-eof", test_peer_eof);
  g_test_add_func ("/Aio/StreamProtocol/half-close", test_half_close);
  g_test_add_func ("/Aio/StreamProtocol/abort", test_abort);
  g_test_add_func ("/Aio/StreamProtocol/abort-in-connection-made", test_abort_in_connection_made);
  g_test_add_func ("/Aio/StreamProtocol/serve-again-from-connection-lost",
                   test_serve_again_from_connection_lost);
  g_test_add_func ("/Aio/StreamProtocol/peer-reset", test_peer_reset);
  g_test_add_func ("/Aio/StreamProtocol/write-to-reset-peer", test_write_to_reset_peer);
  g_test_add_func ("/Aio/StreamProtocol/cancel", test_cancel);
  g_test_add_func ("/Aio/StreamProtocol/cancelled-before", test_cancelled_before);
  g_test_add_func ("/Aio/StreamProtocol/close-sends-queue", test_close_sends_queue);
  g_test_add_func ("/Aio/StreamProtocol/bad-streams", test_bad_streams);
  g_test_add_func ("/Aio/StreamProtocol/pollable-stream", test_pollable_stream);
  g_test_add_func ("/Aio/StreamProtocol/tls-echo", test_tls_echo);
  g_test_add_func ("/Aio/StreamProtocol/tls-implicit-handshake", test_tls_implicit_handshake);
  g_test_add_func ("/Aio/StreamProtocol/tls-abort", test_tls_abort);
  g_test_add_data_func ("/Aio/StreamProtocol/tls-nested-iteration/abort",
                        GINT_TO_POINTER (NESTED_ABORT), test_tls_nested_iteration);
  g_test_add_data_func ("/Aio/StreamProtocol/tls-nested-iteration/close",
                        GINT_TO_POINTER (NESTED_CLOSE), test_tls_nested_iteration);
  g_test_add_func ("/Aio/StreamProtocol/tls-cancel-in-handshake", test_tls_cancel_in_handshake);
  g_test_add_func ("/Aio/StreamProtocol/tls-handshake-error", test_tls_handshake_error);
  g_test_add_func ("/Aio/StreamProtocol/no-fd-leak", test_no_fd_leak);
  g_test_add_func ("/Aio/StreamProtocol/tls-no-fd-leak", test_tls_no_fd_leak);

  ret = g_test_run ();

  /* The TLS handshakes ran in GTask's thread pool: see aio-test-services.c. */
  aio_test_stop_pool_threads ();
  return ret;
}
