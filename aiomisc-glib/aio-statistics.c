/* aio-statistics.c: process-wide counters
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"

/* Counters grouped by component ("thread_pool", "backoff", "circuit_breaker",
 * "periodic", ...), each a double so that timing sums fit too. The library's
 * own keys and their convention are in aio-statistics-private.h. */

static GMutex mutex;
static GHashTable *groups;   /* char* -> GHashTable<char*, double*> */

static GHashTable *
lookup_group (const char *group,
              gboolean    create)
{
  GHashTable *table;

  if (groups == NULL)
    {
      if (!create)
        return NULL;
      groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_hash_table_unref);
    }

  table = g_hash_table_lookup (groups, group);
  if (table == NULL && create)
    {
      table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (groups, g_strdup (group), table);
    }

  return table;
}

static void
add_locked (GHashTable *table,
            const char *name,
            double      value)
{
  double *counter = g_hash_table_lookup (table, name);

  if (counter == NULL)
    {
      counter = g_new0 (double, 1);
      g_hash_table_insert (table, g_strdup (name), counter);
    }
  *counter += value;
}

/**
 * aio_statistics_add:
 * @group: the component, e.g. `"backoff"`
 * @name: the counter, e.g. `"calls"`
 * @value: what to add
 *
 * Adds @value to a process-wide counter, creating it at 0 first. Thread-safe.
 *
 * The library's own counters follow one convention, which other components
 * may share: the group and the name are in snake_case (`"thread_pool"`,
 * `"sum_time"`), so that `aio_<group>_<name>` is a valid Prometheus metric
 * name; `calls`, `errors` and `sum_time` (seconds) mean the same in every
 * group.
 *
 * Since: 0.1
 */
void
aio_statistics_add (const char *group,
                    const char *name,
                    double      value)
{
  g_return_if_fail (group != NULL);
  g_return_if_fail (name != NULL);

  g_mutex_lock (&mutex);
  add_locked (lookup_group (group, TRUE), name, value);
  g_mutex_unlock (&mutex);
}

/* Several counters of one group under one lock and one lookup of the
 * group: a caller on a hot path (the thread pool's completions) pays for
 * one aio_statistics_add() instead of several. */
void
_aio_statistics_add_many (const char                *group,
                          const AioStatisticsAddend *addends,
                          guint                      n_addends)
{
  GHashTable *table;

  g_mutex_lock (&mutex);
  table = lookup_group (group, TRUE);
  for (guint i = 0; i < n_addends; i++)
    add_locked (table, addends[i].name, addends[i].value);
  g_mutex_unlock (&mutex);
}

/**
 * aio_statistics_get:
 * @group: the component
 * @name: the counter
 *
 * Reads one counter.
 *
 * Returns: its value, 0 if it was never added to
 *
 * Since: 0.1
 */
double
aio_statistics_get (const char *group,
                    const char *name)
{
  GHashTable *table;
  double *counter = NULL;
  double ret;

  g_return_val_if_fail (group != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  g_mutex_lock (&mutex);
  table = lookup_group (group, FALSE);
  if (table != NULL)
    counter = g_hash_table_lookup (table, name);
  ret = counter ? *counter : 0;
  g_mutex_unlock (&mutex);

  return ret;
}

/**
 * aio_statistics_snapshot:
 *
 * Reads every counter at once, for a metrics exporter: an `a{sv}` whose
 * keys are the groups and whose values are `a{sv}` dictionaries of counter
 * names to doubles.
 *
 * Returns: (transfer full): a new floating-free #GVariant of type `a{sv}`
 *
 * Since: 0.1
 */
GVariant *
aio_statistics_snapshot (void)
{
  GVariantBuilder builder;
  GHashTableIter iter;
  const char *group;
  GHashTable *table;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);

  g_mutex_lock (&mutex);
  if (groups != NULL)
    {
      g_hash_table_iter_init (&iter, groups);
      while (g_hash_table_iter_next (&iter, (gpointer *) &group, (gpointer *) &table))
        {
          GVariantBuilder counters;
          GHashTableIter citer;
          const char *name;
          double *counter;

          g_variant_builder_init (&counters, G_VARIANT_TYPE_VARDICT);
          g_hash_table_iter_init (&citer, table);
          while (g_hash_table_iter_next (&citer, (gpointer *) &name, (gpointer *) &counter))
            g_variant_builder_add (&counters, "{sv}", name, g_variant_new_double (*counter));
          g_variant_builder_add (&builder, "{sv}", group, g_variant_builder_end (&counters));
        }
    }
  g_mutex_unlock (&mutex);

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/**
 * aio_statistics_reset:
 *
 * Drops every counter.
 *
 * Since: 0.1
 */
void
aio_statistics_reset (void)
{
  g_mutex_lock (&mutex);
  g_clear_pointer (&groups, g_hash_table_unref);
  g_mutex_unlock (&mutex);
}
