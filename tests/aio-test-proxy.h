/* aio-test-proxy.h: a loopback TCP proxy that delays, cuts or resets connections
 *
 * The fault-injection helper of the network tests (aiomisc's pytest
 * `TCPProxy`), and a small echo server (plain or TLS) to put behind it.
 * Both run on the thread-default main context of the thread that created
 * them; the tests drive that context.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <aiomisc-glib.h>

G_BEGIN_DECLS

/* A proxy listening on 127.0.0.1, port 0, forwarding every accepted
 * connection to target_host:target_port. */
typedef struct _AioTestProxy AioTestProxy;

AioTestProxy *aio_test_proxy_new              (const char   *target_host,
                                               guint16       target_port,
                                               GError      **error);
/* The port the proxy listens on. */
guint16       aio_test_proxy_get_port         (AioTestProxy *self);
/* Holds each chunk of forwarded data this long before writing it:
 * upload is client -> target, download is target -> client. */
void          aio_test_proxy_set_delay        (AioTestProxy *self,
                                               guint         upload_ms,
                                               guint         download_ms);
/* Closes every current connection cleanly (FIN on both sides). */
void          aio_test_proxy_cut_all          (AioTestProxy *self);
/* Resets every current connection (SO_LINGER 0: RST on both sides). */
void          aio_test_proxy_reset_all        (AioTestProxy *self);
/* While refusing, the port is closed: connecting fails with "connection
 * refused". Back to FALSE, the proxy listens on the same port again. */
void          aio_test_proxy_set_refusing     (AioTestProxy *self,
                                               gboolean      refusing);
/* Connections accepted since the proxy was made. */
guint         aio_test_proxy_get_n_connections (AioTestProxy *self);
/* Connections currently open (accepted and not yet closed). */
guint         aio_test_proxy_get_n_active     (AioTestProxy *self);
/* Closes everything, waiting (on the thread-default main context) for the
 * operations in flight to end. */
void          aio_test_proxy_free             (AioTestProxy *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AioTestProxy, aio_test_proxy_free)

/* An echo server on 127.0.0.1, port 0: sends back what it receives. With a
 * certificate, it speaks TLS (GTlsServerConnection) with @auth_mode. */
typedef struct _AioTestEchoServer AioTestEchoServer;

AioTestEchoServer *aio_test_echo_server_new        (GTlsCertificate        *certificate,
                                                    GTlsAuthenticationMode  auth_mode,
                                                    GError                **error);
/* A plain echo server on a Unix stream socket at @path (removed on free). */
AioTestEchoServer *aio_test_echo_server_new_unix   (const char             *path,
                                                    GError                **error);
guint16            aio_test_echo_server_get_port   (AioTestEchoServer      *self);
/* Connections accepted. */
guint              aio_test_echo_server_get_n_connections (AioTestEchoServer *self);
/* TLS handshakes that succeeded, failed, and that saw a client certificate. */
guint              aio_test_echo_server_get_n_handshakes (AioTestEchoServer *self);
guint              aio_test_echo_server_get_n_handshake_errors (AioTestEchoServer *self);
guint              aio_test_echo_server_get_n_client_certs (AioTestEchoServer *self);
void               aio_test_echo_server_free       (AioTestEchoServer      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AioTestEchoServer, aio_test_echo_server_free)

/* Client side: writes @message and reads as many bytes back; the result is
 * what came back (a string), or an error (G_IO_ERROR_CONNECTION_CLOSED if
 * the connection ended first). */
void  aio_test_echo_exchange_async  (GIOStream           *stream,
                                     const char          *message,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
char *aio_test_echo_exchange_finish (GAsyncResult        *result,
                                     GError             **error);
/* Reads (and drops) until the end of the stream: TRUE at EOF, or the
 * error (reset, cancelled, …). */
void     aio_test_read_to_end_async  (GIOStream           *stream,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean aio_test_read_to_end_finish (GAsyncResult        *result,
                                      GError             **error);

G_END_DECLS
