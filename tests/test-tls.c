/* test-tls.c: loading certificates, keys and CA files; errors name the file
 *
 * The TLS servers and clients are tested with their classes; this covers the
 * shared loader they use (aio-tls-private.h) against certificates made by
 * openssl at test time.
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>

#include "aio-test-certs.h"
#include "aio-tls-private.h"

static void
test_load_and_verify (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GTlsCertificate) server = NULL;
  g_autoptr(GTlsCertificate) other = NULL;
  g_autoptr(GTlsCertificate) ca = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", 443);
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags;

  if (certs == NULL)
    return;

  server = _aio_tls_load_certificate (certs->server_cert, certs->server_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server);

  database = _aio_tls_load_ca (certs->ca_cert, &error);
  g_assert_no_error (error);
  g_assert_nonnull (database);

  /* The server certificate chains to the test CA and matches its name. */
  flags = g_tls_database_verify_chain (database, server, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (flags, ==, 0);

  /* A certificate of another CA does not. */
  other = _aio_tls_load_certificate (certs->other_cert, certs->other_key, &error);
  g_assert_no_error (error);
  flags = g_tls_database_verify_chain (database, other, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (flags & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
test_missing_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;
  GTlsCertificate *certificate;
  GTlsDatabase *database;

  if (certs == NULL)
    return;
  missing = g_build_filename (certs->dir, "no-such-file.pem", NULL);

  certificate = _aio_tls_load_certificate (missing, certs->server_key, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "certificate"));
  g_clear_error (&error);

  certificate = _aio_tls_load_certificate (certs->server_cert, missing, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "key"));
  g_clear_error (&error);

  database = _aio_tls_load_ca (missing, &error);
  g_assert_null (database);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
}

static void
test_invalid_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = NULL;
  GTlsCertificate *certificate;
  GTlsDatabase *database;

  if (certs == NULL)
    return;
  garbage = g_build_filename (certs->dir, "garbage.pem", NULL);
  g_file_set_contents (garbage, "not a certificate\n", -1, &error);
  g_assert_no_error (error);

  certificate = _aio_tls_load_certificate (garbage, certs->server_key, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, garbage));
  g_clear_error (&error);

  database = _aio_tls_load_ca (garbage, &error);
  g_assert_null (database);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, garbage));

  g_unlink (garbage);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Tls/load-and-verify", test_load_and_verify);
  g_test_add_func ("/Aio/Tls/missing-files", test_missing_files);
  g_test_add_func ("/Aio/Tls/invalid-files", test_invalid_files);

  return g_test_run ();
}
