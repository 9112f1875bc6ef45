/* aio-tls-private.h: loading TLS certificates and CA files for servers and clients
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean         _aio_tls_check_backend    (GError     **error);
GTlsCertificate *_aio_tls_load_certificate (const char  *cert_file,
                                            const char  *key_file,
                                            GError     **error);
GTlsDatabase    *_aio_tls_load_ca          (const char  *ca_file,
                                            GError     **error);

G_END_DECLS
