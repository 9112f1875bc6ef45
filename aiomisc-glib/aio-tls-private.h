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

/* A file property counts as set when it is neither NULL nor "". */
static inline gboolean
_aio_tls_file_is_set (const char *file)
{
  return file != NULL && file[0] != '\0';
}

/*
 * Loads the TLS files of a server or a client (@owner, e.g. "Server 'echo'",
 * starts the error messages): the certificate from @cert_file with its key
 * from @key_file (unset: in @cert_file too) into @out_certificate, and the
 * certificate authorities of @ca_file into @out_database. A file that is
 * unset (NULL or "") gives NULL. A key without a certificate is refused
 * with @invalid_domain and @invalid_code (the caller's error for bad
 * settings); the other errors name the file at fault. On failure nothing is
 * stored.
 */
gboolean         _aio_tls_load_files       (const char       *owner,
                                            GQuark            invalid_domain,
                                            gint              invalid_code,
                                            const char       *cert_file,
                                            const char       *key_file,
                                            const char       *ca_file,
                                            GTlsCertificate **out_certificate,
                                            GTlsDatabase    **out_database,
                                            GError          **error);

G_END_DECLS
