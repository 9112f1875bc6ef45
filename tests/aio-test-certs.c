/* aio-test-certs.c: throw-away certificate authorities and certificates for TLS tests
 *
 * SPDX-License-Identifier: MIT
 */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "aio-test-certs.h"

static void
run_openssl (const char *dir,
             const char *first_arg,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  va_list ap;

  g_ptr_array_add (argv, (char *) "openssl");
  va_start (ap, first_arg);
  for (const char *a = first_arg; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("openssl %s failed: %s\n%s", first_arg, error->message, err);
}

/* A self-signed CA: NAME-ca.pem, NAME-ca.key. */
static void
make_ca (const char *dir,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s-ca.key", name);
  g_autofree char *cert = g_strdup_printf ("%s-ca.pem", name);
  g_autofree char *subj = g_strdup_printf ("/CN=aio-test %s CA", name);

  run_openssl (dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", subj,
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL);
}

/* NAME.pem/NAME.key with @cn and @ext, signed by CA-ca.pem. */
static void
make_cert (const char *dir,
           const char *ca,
           const char *name,
           const char *cn,
           const char *ext)
{
  g_autofree char *key = g_strdup_printf ("%s.key", name);
  g_autofree char *csr = g_strdup_printf ("%s.csr", name);
  g_autofree char *cert = g_strdup_printf ("%s.pem", name);
  g_autofree char *ext_file = g_strdup_printf ("%s.ext", name);
  g_autofree char *ext_path = g_build_filename (dir, ext_file, NULL);
  g_autofree char *subj = g_strdup_printf ("/CN=%s", cn);
  g_autofree char *ca_cert = g_strdup_printf ("%s-ca.pem", ca);
  g_autofree char *ca_key = g_strdup_printf ("%s-ca.key", ca);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (ext_path, ext, -1, &error);
  g_assert_no_error (error);
  run_openssl (dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
               "-nodes", "-keyout", key, "-out", csr, "-subj", subj, NULL);
  run_openssl (dir, "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key,
               "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext_file, NULL);
}

AioTestCerts *
aio_test_certs_new (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  AioTestCerts *certs;
  const char *server_ext =
    "basicConstraints=CA:FALSE\n"
    "keyUsage=digitalSignature\n"
    "extendedKeyUsage=serverAuth\n"
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n";
  const char *client_ext =
    "basicConstraints=CA:FALSE\n"
    "keyUsage=digitalSignature\n"
    "extendedKeyUsage=clientAuth\n";

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed: cannot make test certificates");
      return NULL;
    }

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("no GIO TLS backend is installed (glib-networking)");
      return NULL;
    }

  certs = g_new0 (AioTestCerts, 1);
  certs->dir = g_dir_make_tmp ("aio-test-certs-XXXXXX", &error);
  g_assert_no_error (error);

  make_ca (certs->dir, "test");
  make_ca (certs->dir, "other");
  make_cert (certs->dir, "test", "server", "localhost", server_ext);
  make_cert (certs->dir, "test", "client", "aio-test-client", client_ext);
  make_cert (certs->dir, "other", "other", "localhost", server_ext);

  certs->ca_cert = g_build_filename (certs->dir, "test-ca.pem", NULL);
  certs->server_cert = g_build_filename (certs->dir, "server.pem", NULL);
  certs->server_key = g_build_filename (certs->dir, "server.key", NULL);
  certs->client_cert = g_build_filename (certs->dir, "client.pem", NULL);
  certs->client_key = g_build_filename (certs->dir, "client.key", NULL);
  certs->other_ca_cert = g_build_filename (certs->dir, "other-ca.pem", NULL);
  certs->other_cert = g_build_filename (certs->dir, "other.pem", NULL);
  certs->other_key = g_build_filename (certs->dir, "other.key", NULL);
  return certs;
}

void
aio_test_certs_free (AioTestCerts *certs)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (certs == NULL)
    return;

  dir = g_dir_open (certs->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (certs->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (certs->dir);

  g_free (certs->dir);
  g_free (certs->ca_cert);
  g_free (certs->server_cert);
  g_free (certs->server_key);
  g_free (certs->client_cert);
  g_free (certs->client_key);
  g_free (certs->other_ca_cert);
  g_free (certs->other_cert);
  g_free (certs->other_key);
  g_free (certs);
}
