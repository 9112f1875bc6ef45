/* aio-tcp-client-private.h: the pieces of AioTcpClient its subclass
 * AioRobustTcpClient reuses (one connection attempt, a cancellable wait,
 * running the handler)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-tcp-client.h"

G_BEGIN_DECLS

/* Validates the properties (connect-attempts and connect-retry-timeout
 * only with @check_attempts) and loads the TLS files into a snapshot used
 * by the connection attempts until the next call; logs the tls-insecure
 * warning. Errors name the bad value or file. */
gboolean    _aio_tcp_client_prepare         (AioTcpClient         *self,
                                             gboolean              check_attempts,
                                             GError              **error);
/* "host:port", "[v6]:port" or "unix:path", from the last prepare. */
const char *_aio_tcp_client_get_target      (AioTcpClient         *self);

/* One attempt: connects and, with TLS, does the handshake. */
void        _aio_tcp_client_connect_async   (AioTcpClient         *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GIOStream  *_aio_tcp_client_connect_finish  (AioTcpClient         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Waits @seconds on the clock of the client; fails with
 * G_IO_ERROR_CANCELLED at once when @cancellable is cancelled. */
void        _aio_tcp_client_sleep_async     (AioTcpClient         *self,
                                             double                seconds,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean    _aio_tcp_client_sleep_finish    (AioTcpClient         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Runs handle_connection on @connection, then closes it; the result is the
 * handler's. */
void        _aio_tcp_client_serve_async     (AioTcpClient         *self,
                                             GIOStream            *connection,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean    _aio_tcp_client_serve_finish    (AioTcpClient         *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
