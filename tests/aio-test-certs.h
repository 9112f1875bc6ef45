/* aio-test-certs.h: throw-away certificate authorities and certificates for TLS tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PEM files in a fresh temporary directory, made with openssl at test time. */
typedef struct
{
  char *dir;
  char *ca_cert;        /* the CA that signed the server and client certificates */
  char *server_cert;    /* CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1 */
  char *server_key;
  char *client_cert;    /* CN=aio-test-client, signed by ca_cert */
  char *client_key;
  char *other_ca_cert;  /* an unrelated CA: verifying against it must fail */
  char *other_cert;     /* CN=localhost, signed by other_ca_cert */
  char *other_key;
} AioTestCerts;

/* Generates the files; skips the test (g_test_skip, returns NULL) without
 * openssl or without a GIO TLS backend. */
AioTestCerts *aio_test_certs_new  (void);
/* Removes the files and the directory. */
void          aio_test_certs_free (AioTestCerts *certs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AioTestCerts, aio_test_certs_free)

G_END_DECLS
