/* aio-log.c: the process-wide structured log writer
 *
 * SPDX-License-Identifier: MIT
 *
 * One GLogWriterFunc (aio_log_writer()) serves the whole process. It reads a
 * configuration that aio_log_configure() swaps at any time:
 *
 *  - Every configuration carries a generation number. Each thread keeps a
 *    copy of the configuration it last saw (thread-local), refreshed when the
 *    global generation moves, so the hot path takes no lock to read it.
 *  - A record is formatted on the calling thread, then emitted under
 *    state.lock. If the generation moved between formatting and emitting,
 *    the record is formatted again with the new configuration; so a record is
 *    always written with the configuration that is current when it is
 *    emitted, and reconfiguring (which drains the queue under the same lock)
 *    never reorders or loses a line.
 *  - Unbuffered: the line is written with write(2) under the lock, one call
 *    per record, so lines of different threads never interleave.
 *  - Buffered: the line is appended to state.pending. One flusher thread
 *    swaps it out (double buffering) and writes it with the lock released,
 *    when it holds buffer-size records or its first record is
 *    flush-interval old. aio_log_flush(), reconfiguring, process exit and
 *    fatal records drain the queue synchronously under the lock (after
 *    waiting for a write in progress), so there is only ever one writer and
 *    the queue stays FIFO. Producers wait when 2 x buffer-size records are
 *    pending (backpressure instead of unbounded memory).
 *
 * Nothing here logs while holding a lock: the writer would deadlock on it.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aiomisc-glib.h"
#include "aio-task-private.h"
#include "aio-log-format-private.h"
#include "aio-log-private.h"

#define MAX_FLUSH_INTERVAL      (365.0 * 24 * 3600)   /* one year: "never" */
#define LINE_STACK_SIZE         2048
#define QUEUE_INITIAL_SIZE      (64 * 1024)
#define QUEUE_KEEP_SIZE         (4 * 1024 * 1024)     /* shrink spare buffers above this */

typedef struct
{
  guint         generation;
  AioLogLevel   level;
  AioLogFormat  format;            /* as configured, may be AUTO */
  AioLogFormat  resolved;          /* never AUTO */
  gboolean      color;             /* resolved == COLOR and fd is a terminal */
  gboolean      buffered;
  guint         buffer_size;
  double        flush_interval;
  gint64        flush_interval_us;
  int           fd;
} AioLogConfig;

typedef struct
{
  GMutex        lock;
  GCond         flusher_cond;      /* wakes the flusher */
  GCond         idle_cond;         /* a write finished or room was made */
  AioLogConfig  config;
  GString      *pending;           /* records not yet handed to write(2) */
  GString      *spare;             /* NULL while the flusher writes it */
  guint         pending_count;
  gint64        pending_since;     /* monotonic time of the first pending record */
  gboolean      writing;           /* the flusher is writing a batch */
  GThread      *flusher;
  gboolean      flusher_stop;
  gboolean      flusher_failed;
  gboolean      exiting;           /* atexit ran: write synchronously from now on */
} AioLogState;

typedef struct
{
  gatomicrefcount    ref_count;
  AioLogCaptureFunc  func;
  gpointer           user_data;
  GDestroyNotify     destroy;
} CaptureClosure;

typedef struct
{
  GMutex     lock;
  GPtrArray *records;              /* (element-type GVariant) */
} Collector;

static AioLogState state;
static gint config_generation;       /* atomic mirror of state.config.generation */
static gint writer_installed;
static gint always_fatal_mask = G_LOG_LEVEL_ERROR;
static GMutex always_fatal_lock;
/* the parent's flusher after fork(): kept reachable (volatile: never read) */
static GThread *volatile forked_away_flusher;

static GMutex capture_lock;
static CaptureClosure *capture;      /* guarded by capture_lock */
static gint capture_active;          /* atomic: capture != NULL */

static __thread AioLogConfig tls_config;           /* generation 0: not loaded */

/* ------------------------------------------------------------------------ */
/* Output                                                                   */

static void
write_all (int         fd,
           const char *data,
           gsize       len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, MIN (len, (gsize) G_MAXSSIZE));

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              struct pollfd pfd = { fd, POLLOUT, 0 };

              if (poll (&pfd, 1, -1) >= 0 || errno == EINTR)
                continue;
            }
          /* EBADF, EPIPE, ENOSPC…: nowhere to report it (logging from here
           * would recurse); the rest of this batch is lost with the fd */
          return;
        }

      data += n;
      len -= n;
    }
}

/* Writes out everything queued: waits for the flusher's batch in progress,
 * then writes the pending records itself, holding the lock throughout. */
static void
drain_locked (void)
{
  while (state.writing)
    g_cond_wait (&state.idle_cond, &state.lock);

  if (state.pending->len > 0)
    {
      write_all (state.config.fd, state.pending->str, state.pending->len);
      g_string_truncate (state.pending, 0);
      state.pending_count = 0;
      g_cond_broadcast (&state.idle_cond);
    }
}

static gpointer
flusher_thread_func (gpointer data)
{
  g_mutex_lock (&state.lock);

  while (!state.flusher_stop)
    {
      GString *batch;
      int fd;

      if (state.pending_count == 0)
        {
          g_cond_wait (&state.flusher_cond, &state.lock);
          continue;
        }

      if (state.pending_count < state.config.buffer_size)
        {
          gint64 deadline = state.pending_since + state.config.flush_interval_us;

          if (g_get_monotonic_time () < deadline)
            {
              g_cond_wait_until (&state.flusher_cond, &state.lock, deadline);
              continue;
            }
        }

      batch = state.pending;
      state.pending = state.spare;
      state.spare = NULL;
      state.pending_count = 0;
      state.writing = TRUE;
      fd = state.config.fd;
      g_cond_broadcast (&state.idle_cond);   /* producers waiting for room */

      g_mutex_unlock (&state.lock);
      write_all (fd, batch->str, batch->len);
      if (batch->allocated_len > QUEUE_KEEP_SIZE)
        {
          g_string_free (batch, TRUE);
          batch = g_string_sized_new (QUEUE_INITIAL_SIZE);
        }
      else
        g_string_truncate (batch, 0);
      g_mutex_lock (&state.lock);

      state.spare = batch;
      state.writing = FALSE;
      g_cond_broadcast (&state.idle_cond);
    }

  g_mutex_unlock (&state.lock);

  return NULL;
}

static void
ensure_flusher_locked (void)
{
  sigset_t all, saved;

  if (state.flusher != NULL || state.flusher_failed || state.exiting)
    return;

  /* the flusher must not receive asynchronous signals meant for the
   * application; it inherits this mask */
  sigfillset (&all);
  pthread_sigmask (SIG_SETMASK, &all, &saved);
  state.flusher = g_thread_try_new ("aio-log-flush", flusher_thread_func, NULL, NULL);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);

  if (state.flusher == NULL)
    state.flusher_failed = TRUE;   /* stay correct: write synchronously */
}

/* Emits one formatted record. Returns FALSE if the configuration changed
 * while waiting for room in the queue: the caller formats it again. */
static gboolean
emit_locked (const char *data,
             gsize       len,
             gboolean    sync)
{
  guint generation = state.config.generation;

  if (!sync && state.config.buffered && !state.exiting)
    {
      ensure_flusher_locked ();

      while (state.flusher != NULL && !state.exiting &&
             state.pending_count >= 2 * (guint64) state.config.buffer_size)
        {
          g_cond_signal (&state.flusher_cond);
          g_cond_wait (&state.idle_cond, &state.lock);
          if (state.config.generation != generation)
            return FALSE;
        }

      if (state.flusher != NULL && !state.exiting)
        {
          g_string_append_len (state.pending, data, len);
          state.pending_count++;
          if (state.pending_count == 1)
            {
              state.pending_since = g_get_monotonic_time ();
              g_cond_signal (&state.flusher_cond);
            }
          else if (state.pending_count == state.config.buffer_size)
            g_cond_signal (&state.flusher_cond);
          return TRUE;
        }
    }

  drain_locked ();
  write_all (state.config.fd, data, len);

  return TRUE;
}

static void
flush_all (void)
{
  g_mutex_lock (&state.lock);
  drain_locked ();
  g_mutex_unlock (&state.lock);
}

/* ------------------------------------------------------------------------ */
/* Process lifecycle                                                        */

static void
aio_log_atexit (void)
{
  GThread *flusher;

  /* From here on records are written synchronously (after the queue) and
   * no flusher is started again. */
  g_mutex_lock (&state.lock);
  state.exiting = TRUE;
  state.flusher_stop = TRUE;
  flusher = g_steal_pointer (&state.flusher);
  g_cond_broadcast (&state.flusher_cond);
  g_cond_broadcast (&state.idle_cond);
  g_mutex_unlock (&state.lock);

  if (flusher != NULL)
    g_thread_join (flusher);

  flush_all ();
}

static void
atfork_prepare (void)
{
  g_mutex_lock (&always_fatal_lock);
  g_mutex_lock (&capture_lock);
  g_mutex_lock (&state.lock);
}

static void
atfork_parent (void)
{
  g_mutex_unlock (&state.lock);
  g_mutex_unlock (&capture_lock);
  g_mutex_unlock (&always_fatal_lock);
}

static void
atfork_child (void)
{
  /* The queued records belong to the parent, which writes them; the child
   * has no flusher thread. Start afresh so nothing is written twice. */
  g_string_truncate (state.pending, 0);
  state.pending_count = 0;
  if (state.spare == NULL)
    state.spare = g_string_sized_new (QUEUE_INITIAL_SIZE);
  state.writing = FALSE;
  /* that thread does not exist here: it can be neither joined nor freed */
  forked_away_flusher = g_steal_pointer (&state.flusher);
  state.flusher_stop = FALSE;

  g_mutex_unlock (&state.lock);
  g_mutex_unlock (&capture_lock);
  g_mutex_unlock (&always_fatal_lock);
}

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

static void
resolve_config (AioLogConfig *config)
{
  AioLogFormat format = config->format;
  gboolean tty = g_log_writer_supports_color (config->fd);

  if (format == AIO_LOG_FORMAT_AUTO)
    {
      /* g_log_writer_is_journald() caches its answer for the first fd it
       * sees, so only ever ask about stderr */
      if (config->fd == STDERR_FILENO &&
          g_log_writer_is_journald (STDERR_FILENO))
        format = AIO_LOG_FORMAT_JOURNALD;
      else
        format = tty ? AIO_LOG_FORMAT_COLOR : AIO_LOG_FORMAT_PLAIN;
    }

  config->resolved = format;
  config->color = format == AIO_LOG_FORMAT_COLOR && tty;
  config->flush_interval_us =
    _aio_seconds_to_usec (MIN (config->flush_interval, MAX_FLUSH_INTERVAL));
}

static GLogLevelFlags
refresh_always_fatal (void)
{
  GLogLevelFlags mask;

  /* GLib has no getter: read it by setting and restoring it. The lock keeps
   * two of our readers from restoring each other's temporary value. */
  g_mutex_lock (&always_fatal_lock);
  mask = g_log_set_always_fatal (G_LOG_FATAL_MASK);
  g_log_set_always_fatal (mask);
  g_atomic_int_set (&always_fatal_mask, (gint) mask);
  g_mutex_unlock (&always_fatal_lock);

  return mask;
}

static void
ensure_state (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      AioLogConfig config = { 0 };

      config.generation = 1;
      config.level = AIO_LOG_LEVEL_INFO;
      config.format = AIO_LOG_FORMAT_AUTO;
      config.buffered = FALSE;
      config.buffer_size = AIO_LOG_DEFAULT_BUFFER_SIZE;
      config.flush_interval = AIO_LOG_DEFAULT_FLUSH_INTERVAL;
      config.fd = STDERR_FILENO;
      resolve_config (&config);

      refresh_always_fatal ();

      g_mutex_lock (&state.lock);
      state.config = config;
      state.pending = g_string_sized_new (QUEUE_INITIAL_SIZE);
      state.spare = g_string_sized_new (QUEUE_INITIAL_SIZE);
      g_mutex_unlock (&state.lock);

      pthread_atfork (atfork_prepare, atfork_parent, atfork_child);
      atexit (aio_log_atexit);

      g_atomic_int_set (&config_generation, (gint) config.generation);
      g_once_init_leave (&initialized, 1);
    }
}

static inline const AioLogConfig *
current_config (void)
{
  if (G_UNLIKELY (tls_config.generation != (guint) g_atomic_int_get (&config_generation)))
    {
      g_mutex_lock (&state.lock);
      tls_config = state.config;
      g_mutex_unlock (&state.lock);
    }

  return &tls_config;
}

/* Installs a new configuration built from the current one: the queue is
 * drained (with the old output and format) before the switch. */
static void
update_config (const AioLogConfig *params,
               gboolean            set_fd,
               int                 fd)
{
  ensure_state ();

  for (;;)
    {
      AioLogConfig next;
      guint generation;

      g_mutex_lock (&state.lock);
      next = state.config;
      g_mutex_unlock (&state.lock);

      generation = next.generation;
      if (params != NULL)
        {
          next.level = params->level;
          next.format = params->format;
          next.buffered = params->buffered;
          next.buffer_size = params->buffer_size;
          next.flush_interval = params->flush_interval;
        }
      if (set_fd)
        next.fd = fd;

      /* may make syscalls and, in theory, log: no lock held */
      resolve_config (&next);

      g_mutex_lock (&state.lock);
      if (state.config.generation == generation)
        {
          drain_locked ();
          next.generation = generation + 1 != 0 ? generation + 1 : 1;
          state.config = next;
          g_atomic_int_set (&config_generation, (gint) next.generation);
          if (next.buffered)
            ensure_flusher_locked ();
          g_cond_broadcast (&state.flusher_cond);
          g_cond_broadcast (&state.idle_cond);
          g_mutex_unlock (&state.lock);
          break;
        }
      g_mutex_unlock (&state.lock);
    }

  refresh_always_fatal ();
}

/* ------------------------------------------------------------------------ */
/* Filtering                                                                */

static gboolean
debug_enabled_for_domain (const char *domain)
{
  const char *domains;
  gsize domain_len;
  const char *p;

  if (g_log_get_debug_enabled ())
    return TRUE;

  domains = g_getenv ("G_MESSAGES_DEBUG");
  if (domains == NULL || domains[0] == '\0')
    return FALSE;
  if (strcmp (domains, "all") == 0)
    return TRUE;

  /* a list of domains (or "all") separated by spaces or commas; whole
   * words only, so "Aio" does not enable "AioTest" */
  domain_len = domain != NULL ? strlen (domain) : 0;
  p = domains;
  while (*p != '\0')
    {
      gsize len = strcspn (p, " ,");

      if ((len == 3 && strncmp (p, "all", 3) == 0) ||
          (domain_len > 0 && len == domain_len && strncmp (p, domain, len) == 0))
        return TRUE;
      p += len;
      p += strspn (p, " ,");
    }

  return FALSE;
}

static inline gboolean
level_enabled (const AioLogConfig *config,
               GLogLevelFlags      log_level,
               const char         *domain)
{
  if (_aio_log_level_severity (log_level) <= (guint) config->level)
    return TRUE;

  if (log_level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG))
    return debug_enabled_for_domain (domain);

  return FALSE;
}

/* Whether a DEBUG record of @domain would be written: for hot paths (a
 * record per state change of every service), where g_debug() would format
 * its message and run the writer (which reads G_MESSAGES_DEBUG) only to drop
 * it. With our writer this is its own filter; otherwise GLib's default writer
 * decides. The answer is cached per thread and recomputed when the
 * configuration changes: aio_log_setup(), aio_log_configure() or
 * g_log_set_debug_enabled(). G_MESSAGES_DEBUG is read then, not at every
 * record (as GLib >= 2.80 reads it once). */
typedef struct
{
  const char *domain;          /* NULL: empty */
  guint       generation;
  gboolean    installed;
  gboolean    debug_enabled;
  gboolean    wanted;
} DebugWantedCache;

static __thread DebugWantedCache debug_wanted_cache;

gboolean
_aio_log_debug_wanted (const char *domain)
{
  DebugWantedCache *cache = &debug_wanted_cache;
  guint generation = (guint) g_atomic_int_get (&config_generation);
  gboolean installed = g_atomic_int_get (&writer_installed);
  gboolean debug_enabled = g_log_get_debug_enabled ();

  if (G_LIKELY (domain != NULL && cache->domain == domain &&
                cache->generation == generation && cache->installed == installed &&
                cache->debug_enabled == debug_enabled))
    return cache->wanted;

  cache->domain = domain;
  cache->generation = generation;
  cache->installed = installed;
  cache->debug_enabled = debug_enabled;
  if (installed)
    cache->wanted = level_enabled (current_config (), G_LOG_LEVEL_DEBUG, domain);
  else
    cache->wanted = !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, domain);

  return cache->wanted;
}

/* ------------------------------------------------------------------------ */
/* Capture                                                                  */

static void
capture_closure_unref (CaptureClosure *closure)
{
  if (g_atomic_ref_count_dec (&closure->ref_count))
    {
      if (closure->destroy != NULL)
        closure->destroy (closure->user_data);
      g_free (closure);
    }
}

/* Returns TRUE if the capture function consumed the record. */
static gboolean
capture_record (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gint64           time_us)
{
  CaptureClosure *closure = NULL;
  g_autoptr(GVariant) variant = NULL;
  gboolean consumed;

  g_mutex_lock (&capture_lock);
  if (capture != NULL)
    {
      closure = capture;
      g_atomic_ref_count_inc (&closure->ref_count);
    }
  g_mutex_unlock (&capture_lock);

  if (closure == NULL)
    return FALSE;

  variant = _aio_log_format_variant (log_level, fields, n_fields, time_us);
  consumed = closure->func (log_level, variant, closure->user_data);
  capture_closure_unref (closure);

  return consumed;
}

static gboolean
collector_func (GLogLevelFlags  log_level,
                GVariant       *fields,
                gpointer        user_data)
{
  Collector *collector = user_data;

  g_mutex_lock (&collector->lock);
  if (collector->records != NULL)
    g_ptr_array_add (collector->records, g_variant_ref (fields));
  g_mutex_unlock (&collector->lock);

  return TRUE;
}

static void
collector_free (gpointer data)
{
  Collector *collector = data;

  g_clear_pointer (&collector->records, g_ptr_array_unref);
  g_mutex_clear (&collector->lock);
  g_free (collector);
}

/* Swaps the capture closure; returns the previous one (to unref with no lock
 * held, since its destroy notify may do anything). */
static CaptureClosure *
swap_capture_locked (CaptureClosure *closure)
{
  CaptureClosure *old = capture;

  capture = closure;
  g_atomic_int_set (&capture_active, closure != NULL);

  return old;
}

/* ------------------------------------------------------------------------ */
/* The writer                                                               */

static G_GNUC_NORETURN void
log_abort (GLogLevelFlags log_level)
{
  /* as GLib's _g_log_abort() */
  if (g_test_subprocess ())
    _exit (1);

  if (!(log_level & G_LOG_FLAG_RECURSION))
    G_BREAKPOINT ();

  g_abort ();
}

static void
write_record (GLogLevelFlags      log_level,
              const GLogField    *fields,
              gsize               n_fields,
              const AioLogRecord *rec,
              gboolean            sync)
{
  char stack[LINE_STACK_SIZE];
  AioLogLine buf;

  _aio_log_line_init (&buf, stack, sizeof stack);

  for (;;)
    {
      const AioLogConfig *config = current_config ();
      guint generation = config->generation;
      AioLogFormat format = config->resolved;
      gboolean color = config->color;
      gboolean done;

      if (format == AIO_LOG_FORMAT_DISABLED)
        {
          if (!sync)
            break;
          format = AIO_LOG_FORMAT_PLAIN;
          color = FALSE;
        }

      if (format == AIO_LOG_FORMAT_JOURNALD)
        {
          if (sync)
            flush_all ();
          if (g_log_writer_journald (log_level, fields, n_fields, NULL) == G_LOG_WRITER_HANDLED)
            break;
          format = AIO_LOG_FORMAT_PLAIN;
          color = FALSE;
        }

      buf.len = 0;
      if (format == AIO_LOG_FORMAT_JSON)
        _aio_log_format_json (&buf, log_level, fields, n_fields, rec);
      else
        _aio_log_format_plain (&buf, log_level, rec, color);

      g_mutex_lock (&state.lock);
      done = state.config.generation == generation &&
             emit_locked (buf.data, buf.len, sync);
      g_mutex_unlock (&state.lock);

      if (done)
        break;
    }

  _aio_log_line_clear (&buf);
}

/**
 * aio_log_writer: (skip)
 * @log_level: log level, from #GLogLevelFlags or a user-defined level
 * @fields: (array length=n_fields): key–value pairs of structured data
 * @n_fields: number of elements in @fields
 * @user_data: unused
 *
 * The [callback@GLib.LogWriterFunc] that [func@Aio.log_setup] installs. It is
 * public so that programs with a writer of their own can hand records over to
 * it, the way custom writers chain to [func@GLib.log_writer_default].
 *
 * It drops records more verbose than the configured [enum@Aio.LogLevel] (unless
 * `G_MESSAGES_DEBUG` names their domain or is `all`, which enables their
 * `DEBUG` and `INFO` records), offers the rest to the capture function, and
 * writes them in the configured [enum@Aio.LogFormat]. Like
 * [func@GLib.log_writer_default], it makes records fatal whose level is in the
 * [func@GLib.log_set_always_fatal] mask
 * and aborts after writing records flagged %G_LOG_FLAG_FATAL. Fatal
 * records, %G_LOG_LEVEL_ERROR ones and those [func@GLib.log] may abort on are
 * written synchronously after the queue is flushed, and even with
 * %AIO_LOG_FORMAT_DISABLED.
 *
 * It may be called before [func@Aio.log_setup] and from any thread.
 *
 * Returns: %G_LOG_WRITER_HANDLED, or %G_LOG_WRITER_UNHANDLED for an empty
 *   @fields array
 *
 * Since: 0.1
 */
GLogWriterOutput
aio_log_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const AioLogConfig *config;
  AioLogRecord rec = { NULL, NULL, FALSE, 0 };
  GLogLevelFlags fatal_mask;
  gboolean hard_fatal;
  gboolean sync;
  int saved_errno;

  if (fields == NULL || n_fields == 0)
    return G_LOG_WRITER_UNHANDLED;

  saved_errno = errno;
  ensure_state ();

  _aio_log_record_scan (&rec, fields, n_fields);

  /* errors always abort (g_log_structured_array() does it after we return) */
  hard_fatal = (log_level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR)) != 0;

  config = current_config ();
  if (!hard_fatal && !level_enabled (config, log_level, rec.domain))
    goto out;

  rec.time = g_get_real_time ();

  if (log_level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
    fatal_mask = refresh_always_fatal ();
  else
    fatal_mask = (GLogLevelFlags) g_atomic_int_get (&always_fatal_mask);

  if (g_atomic_int_get (&capture_active) &&
      capture_record (log_level, fields, n_fields, rec.time))
    {
      if (!hard_fatal)
        goto out;
    }
  else if (!rec.old_api && (log_level & fatal_mask))
    log_level |= G_LOG_FLAG_FATAL;

  /* g_logv() decides fatality itself (with per-domain masks we cannot see)
   * and aborts after we return; write whatever it might abort on now */
  sync = (log_level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR)) != 0 ||
         (rec.old_api &&
          (log_level & (fatal_mask | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0);

  write_record (log_level, fields, n_fields, &rec, sync);

  if (log_level & G_LOG_FLAG_FATAL)
    log_abort (log_level);

out:
  errno = saved_errno;
  return G_LOG_WRITER_HANDLED;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */

/**
 * aio_log_setup:
 *
 * Installs [func@Aio.log_writer] as the process's log writer with
 * [func@GLib.log_set_writer_func]. GLib allows one writer per process, so
 * this happens once; later calls do nothing. The writer then follows whatever
 * [func@Aio.log_configure] sets. Until it is called, the defaults are: level
 * %AIO_LOG_LEVEL_INFO, format %AIO_LOG_FORMAT_AUTO, unbuffered, output on
 * stderr.
 *
 * Records still queued when the process exits through exit() (or by
 * returning from `main()`) are written by an atexit() handler; fatal records
 * flush the queue before they are written. A process that must flush on
 * SIGTERM should handle the signal (an [class@Aio.Entrypoint] does) and exit
 * normally, or call [func@Aio.log_flush].
 *
 * This must not be called if another writer was installed with
 * [func@GLib.log_set_writer_func]: GLib aborts on a second writer.
 *
 * Since: 0.1
 */
void
aio_log_setup (void)
{
  static gsize installed_once = 0;

  ensure_state ();

  if (g_once_init_enter (&installed_once))
    {
      g_log_set_writer_func (aio_log_writer, NULL, NULL);
      g_atomic_int_set (&writer_installed, TRUE);
      g_once_init_leave (&installed_once, 1);
    }
}

/**
 * aio_log_is_installed:
 *
 * Whether [func@Aio.log_setup] installed the writer in this process.
 *
 * Returns: %TRUE once [func@Aio.log_setup] has run
 *
 * Since: 0.1
 */
gboolean
aio_log_is_installed (void)
{
  return g_atomic_int_get (&writer_installed);
}

/**
 * aio_log_configure:
 * @level: the least severe level to write
 * @format: how to format records
 * @buffered: %TRUE to hand records to a flusher thread, %FALSE to write each
 *   one with a single write(2) on the logging thread
 * @buffer_size: in buffered mode, how many records trigger a write; 0 means
 *   the default, 1024
 * @flush_interval: in buffered mode, the longest time in seconds a record
 *   waits before it is written; 0 writes as soon as the flusher wakes up
 *
 * Changes the configuration of the log writer, from any thread, at any time.
 * Records queued under the old configuration are written (with the old
 * format and output) before this returns; records logged after it returns
 * use the new one.
 *
 * %AIO_LOG_FORMAT_AUTO is resolved here: journald if stderr is connected to
 * the journal and is the output, else %AIO_LOG_FORMAT_COLOR if the output is
 * a terminal, else %AIO_LOG_FORMAT_PLAIN. %AIO_LOG_FORMAT_COLOR only emits
 * ANSI escapes when the output is a terminal. %AIO_LOG_FORMAT_JSON writes one
 * object per line with `timestamp` (RFC 3339, UTC, microseconds), `level`
 * and every structured field as a string (invalid UTF-8 replaced by U+FFFD;
 * fields with an explicit length that are not valid UTF-8 as
 * `{"base64": "…"}`; a field named `timestamp` or `level` gets a `_` prefix).
 * %AIO_LOG_FORMAT_JOURNALD sends each record to the journal at once (buffering
 * does not apply) and falls back to plain text when the journal cannot be
 * reached.
 *
 * In buffered mode at most twice @buffer_size records wait in memory: past
 * that, logging threads wait for the flusher.
 *
 * Since: 0.1
 */
void
aio_log_configure (AioLogLevel   level,
                   AioLogFormat  format,
                   gboolean      buffered,
                   guint         buffer_size,
                   double        flush_interval)
{
  AioLogConfig params = { 0 };

  g_return_if_fail (level >= AIO_LOG_LEVEL_ERROR && level <= AIO_LOG_LEVEL_DEBUG);
  g_return_if_fail (format >= AIO_LOG_FORMAT_PLAIN && format <= AIO_LOG_FORMAT_AUTO);
  g_return_if_fail (flush_interval >= 0);

  params.level = level;
  params.format = format;
  params.buffered = !!buffered;
  params.buffer_size = buffer_size > 0 ? buffer_size : AIO_LOG_DEFAULT_BUFFER_SIZE;
  params.flush_interval = flush_interval;

  update_config (&params, FALSE, -1);
}

/**
 * aio_log_set_output_fd:
 * @fd: the file descriptor to write records to, or -1 for stderr
 *
 * Sends records to @fd instead of stderr (for tests, benchmarks, or a log
 * file). The descriptor is not closed and must stay open until another one
 * is set. Queued records are written to the previous descriptor first, and
 * %AIO_LOG_FORMAT_AUTO is resolved again for @fd. Journald output is not
 * affected.
 *
 * Since: 0.1
 */
void
aio_log_set_output_fd (int fd)
{
  update_config (NULL, TRUE, fd >= 0 ? fd : STDERR_FILENO);
}

/**
 * aio_log_flush:
 *
 * Writes every record queued by the buffered mode, synchronously: when this
 * returns, everything logged before the call (by any thread) has been handed
 * to write(2). Does nothing when nothing is queued.
 *
 * Since: 0.1
 */
void
aio_log_flush (void)
{
  ensure_state ();
  flush_all ();
}

/**
 * aio_log_set_capture_func:
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the function receiving records, or %NULL to stop capturing
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data once @func is replaced and no
 *   longer running
 *
 * Hands every record that passes the level filter to @func before it is
 * written; @func decides whether it is written too. This is how tests check
 * structured logs, which [func@GLib.test_expect_message] ignores. Calls
 * [func@Aio.log_setup].
 *
 * Records logged by threads while the function is being replaced may reach
 * either function. @destroy may run on a thread that was logging.
 *
 * Since: 0.1
 */
void
aio_log_set_capture_func (AioLogCaptureFunc func,
                          gpointer          user_data,
                          GDestroyNotify    destroy)
{
  CaptureClosure *closure = NULL;
  CaptureClosure *old;

  aio_log_setup ();

  if (func != NULL)
    {
      closure = g_new0 (CaptureClosure, 1);
      g_atomic_ref_count_init (&closure->ref_count);
      closure->func = func;
      closure->user_data = user_data;
      closure->destroy = destroy;
    }
  else if (destroy != NULL)
    destroy (user_data);

  g_mutex_lock (&capture_lock);
  old = swap_capture_locked (closure);
  g_mutex_unlock (&capture_lock);

  if (old != NULL)
    capture_closure_unref (old);
}

/**
 * aio_log_capture_begin:
 *
 * Starts collecting, instead of writing, every record that passes the level
 * filter (set it with [func@Aio.log_configure]), until [func@Aio.log_capture_end].
 * Collected records are not made fatal by [func@GLib.log_set_always_fatal], so a
 * test can check for a warning; %G_LOG_LEVEL_ERROR and %G_LOG_FLAG_FATAL
 * records are still written and still abort. Calls [func@Aio.log_setup].
 *
 * It replaces a function set with [func@Aio.log_set_capture_func].
 *
 * Since: 0.1
 */
void
aio_log_capture_begin (void)
{
  Collector *collector = g_new0 (Collector, 1);

  g_mutex_init (&collector->lock);
  collector->records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  aio_log_set_capture_func (collector_func, collector, collector_free);
}

/**
 * aio_log_capture_end:
 *
 * Stops the capture started by [func@Aio.log_capture_begin] and returns what it
 * collected, oldest first.
 *
 * From Python: `records = Aio.log_capture_end().unpack()` gives a list of
 * dicts such as `{'level': 'WARNING', 'MESSAGE': '…', 'GLIB_DOMAIN': '…',
 * 'timestamp': 1764103233123456, …}`.
 *
 * Returns: (transfer full): an array of type `aa{sv}`, one dictionary per
 *   record as described for [callback@Aio.LogCaptureFunc]; empty if no capture was
 *   started
 *
 * Since: 0.1
 */
GVariant *
aio_log_capture_end (void)
{
  CaptureClosure *closure = NULL;
  GPtrArray *records = NULL;
  GVariant *result;

  g_mutex_lock (&capture_lock);
  if (capture != NULL && capture->func == collector_func)
    closure = swap_capture_locked (NULL);
  g_mutex_unlock (&capture_lock);

  if (closure != NULL)
    {
      Collector *collector = closure->user_data;

      g_mutex_lock (&collector->lock);
      records = g_steal_pointer (&collector->records);
      g_mutex_unlock (&collector->lock);
      capture_closure_unref (closure);
    }

  if (records != NULL)
    {
      result = g_variant_new_array (G_VARIANT_TYPE_VARDICT,
                                    (GVariant **) records->pdata, records->len);
      g_ptr_array_unref (records);
    }
  else
    result = g_variant_new_array (G_VARIANT_TYPE_VARDICT, NULL, 0);

  return g_variant_ref_sink (result);
}
