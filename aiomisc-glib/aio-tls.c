/* aio-tls.c: loading TLS certificates and CA files for servers and clients
 *
 * GIO does the TLS (glib-networking at run time); this file only turns file
 * names into GIO objects, with errors that name the file at fault.
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-tls-private.h"

/*
 * Fails with G_IO_ERROR_NOT_SUPPORTED when no TLS backend is loaded
 * (glib-networking missing), instead of GIO's later, vaguer errors.
 */
gboolean
_aio_tls_check_backend (GError **error)
{
  if (g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "TLS is not available: no GIO TLS backend is installed "
                       "(install glib-networking)");
  return FALSE;
}

/* Checks that @file can be read, so that the error names @what and @file. */
static gboolean
check_readable (const char  *what,
                const char  *file,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;

  if (g_file_get_contents (file, &contents, NULL, &local_error))
    return TRUE;

  g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
               "Cannot read the TLS %s file “%s”: %s", what, file, local_error->message);
  return FALSE;
}

/*
 * Loads a certificate (with its chain) from @cert_file and its private key
 * from @key_file (NULL: the key is in @cert_file too). Errors name the file.
 */
GTlsCertificate *
_aio_tls_load_certificate (const char  *cert_file,
                           const char  *key_file,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (cert_file != NULL, NULL);

  if (!_aio_tls_check_backend (error) ||
      !check_readable ("certificate", cert_file, error) ||
      (key_file != NULL && !check_readable ("key", key_file, error)))
    return NULL;

  if (key_file != NULL)
    certificate = g_tls_certificate_new_from_files (cert_file, key_file, &local_error);
  else
    certificate = g_tls_certificate_new_from_file (cert_file, &local_error);

  if (certificate == NULL)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   "Invalid TLS certificate “%s” or key “%s”: %s",
                   cert_file, key_file != NULL ? key_file : cert_file,
                   local_error->message);
      return NULL;
    }

  return certificate;
}

/* Loads the certificate authorities of @ca_file (PEM) as a GTlsDatabase. */
GTlsDatabase *
_aio_tls_load_ca (const char  *ca_file,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsDatabase *database;

  g_return_val_if_fail (ca_file != NULL, NULL);

  if (!_aio_tls_check_backend (error) ||
      !check_readable ("CA", ca_file, error))
    return NULL;

  database = g_tls_file_database_new (ca_file, &local_error);
  if (database == NULL)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
                   "Invalid TLS CA file “%s”: %s", ca_file, local_error->message);
      return NULL;
    }

  return database;
}

gboolean
_aio_tls_load_files (const char       *owner,
                     GQuark            invalid_domain,
                     gint              invalid_code,
                     const char       *cert_file,
                     const char       *key_file,
                     const char       *ca_file,
                     GTlsCertificate **out_certificate,
                     GTlsDatabase    **out_database,
                     GError          **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (out_certificate != NULL && *out_certificate == NULL, FALSE);
  g_return_val_if_fail (out_database != NULL && *out_database == NULL, FALSE);

  if (_aio_tls_file_is_set (key_file) && !_aio_tls_file_is_set (cert_file))
    {
      g_set_error (error, invalid_domain, invalid_code,
                   "%s: tls-key-file “%s” is set without tls-certificate-file",
                   owner, key_file);
      return FALSE;
    }

  if (_aio_tls_file_is_set (cert_file))
    {
      certificate = _aio_tls_load_certificate (cert_file,
                                               _aio_tls_file_is_set (key_file) ? key_file : NULL,
                                               error);
      if (certificate == NULL)
        return FALSE;
    }

  if (_aio_tls_file_is_set (ca_file))
    {
      database = _aio_tls_load_ca (ca_file, error);
      if (database == NULL)
        return FALSE;
    }

  *out_certificate = g_steal_pointer (&certificate);
  *out_database = g_steal_pointer (&database);
  return TRUE;
}
