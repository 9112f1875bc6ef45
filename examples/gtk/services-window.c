/* services-window.c: a GTK 4 application whose window lists the services
 * of an AioEntrypoint attached to it, with their live states and
 * statistics; a button stops and restarts one of them.
 *
 * The services:
 * - "ticker", a periodic service that counts its ticks in the statistics;
 * - "status", an AioDBusService that exports the read-only status interface
 *   on the session bus, next to the application:
 *
 *     gdbus call --session --dest org.aiomisc.example.ServicesWindow \
 *       --object-path /org/aiomisc/Status --method org.aiomisc.Status1.ListServices
 *
 * SIGINT, SIGTERM or closing the window stop the services gracefully
 * before g_application_run() returns. With AIO_EXAMPLE_SCREENSHOT=FILE.png
 * in the environment, the window saves a picture of itself there once the
 * services run, and prints "screenshot saved"; then, with AIO_EXAMPLE_TOGGLE
 * set, it presses the button twice (the ticker stops and starts again:
 * "toggled"), or with AIO_EXAMPLE_CLOSE, it closes the window, as a user
 * would.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include <gtk/gtk.h>
#include <aiomisc-glib.h>

/* The ticker: a periodic service */

#define EXAMPLE_TYPE_TICKER (example_ticker_get_type ())
G_DECLARE_FINAL_TYPE (ExampleTicker, example_ticker, EXAMPLE, TICKER, AioPeriodicService)

struct _ExampleTicker
{
  AioPeriodicService parent_instance;
};

G_DEFINE_FINAL_TYPE (ExampleTicker, example_ticker, AIO_TYPE_PERIODIC_SERVICE)

static void
example_ticker_callback_async (AioPeriodicService  *service,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  aio_statistics_add ("ticker", "ticks", 1);
  g_task_return_boolean (task, TRUE);
}

static void
example_ticker_class_init (ExampleTickerClass *klass)
{
  AIO_PERIODIC_SERVICE_CLASS (klass)->callback_async = example_ticker_callback_async;
}

static void
example_ticker_init (ExampleTicker *self)
{
}

/* The window */

typedef struct
{
  AioEntrypoint *entrypoint;
  AioService    *ticker;
  GtkWidget     *window;
  GtkWidget     *stats;
  GtkWidget     *button;
  guint          stats_id;
  double         shown_ticks;
  gboolean       screenshot_taken;
  gboolean       toggling;
} Example;

static const char *
state_name (AioServiceState state)
{
  g_autoptr(GEnumClass) states = g_type_class_ref (AIO_TYPE_SERVICE_STATE);

  return g_enum_get_value (states, state)->value_nick;
}

static void
state_changed_cb (AioService *service,
                  GParamSpec *pspec,
                  GtkLabel   *label)
{
  gtk_label_set_text (label, state_name (aio_service_get_state (service)));
}

/* On stdout too, for as long as the program runs (the window may be gone). */
static void
print_state_cb (AioService *service,
                GParamSpec *pspec,
                gpointer    data)
{
  printf ("service %s %s\n", aio_service_get_name (service),
          state_name (aio_service_get_state (service)));
  fflush (stdout);
}

static void
toggle_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  AioService *service = AIO_SERVICE (object);
  g_autoptr(GError) error = NULL;

  if (GPOINTER_TO_INT (user_data))
    aio_service_start_finish (service, result, &error);
  else
    aio_service_stop_finish (service, result, &error);
  if (error != NULL)
    g_warning ("%s: %s", aio_service_get_name (service), error->message);
}

static void
toggle_clicked_cb (GtkButton *button,
                   Example   *example)
{
  if (aio_service_get_state (example->ticker) == AIO_SERVICE_STATE_RUNNING)
    aio_service_stop_async (example->ticker, NULL, NULL, toggle_done_cb, GINT_TO_POINTER (FALSE));
  else
    aio_service_start_async (example->ticker, NULL, toggle_done_cb, GINT_TO_POINTER (TRUE));
}

static gboolean
update_stats_cb (gpointer data)
{
  Example *example = data;
  g_autofree char *text = NULL;

  example->shown_ticks = aio_statistics_get ("ticker", "ticks");
  text = g_strdup_printf ("ticks: %.0f", example->shown_ticks);

  gtk_label_set_text (GTK_LABEL (example->stats), text);
  gtk_button_set_label (GTK_BUTTON (example->button),
                        aio_service_get_state (example->ticker) == AIO_SERVICE_STATE_RUNNING
                          ? "Stop ticker" : "Start ticker");
  return G_SOURCE_CONTINUE;
}

/* GTK's own rendering of the window, saved as a PNG. */
static gboolean
save_screenshot (Example    *example,
                 const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (example->window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (example->window);
  int height = gtk_widget_get_height (example->window);

  if (width <= 0 || height <= 0)
    return FALSE;

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_to_node (snapshot);
  if (node == NULL)
    return FALSE;
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (example->window)),
                                         node, NULL);
  return gdk_texture_save_to_png (texture, path);
}

static void
after_paint_cb (GdkFrameClock *clock,
                Example       *example)
{
  const char *path = g_getenv ("AIO_EXAMPLE_SCREENSHOT");

  /* Once the window shows the services at work. */
  if (path == NULL || example->screenshot_taken || example->shown_ticks < 1 ||
      aio_service_get_state (example->ticker) != AIO_SERVICE_STATE_RUNNING)
    return;

  example->screenshot_taken = TRUE;
  if (save_screenshot (example, path))
    printf ("screenshot saved\n");
  else
    printf ("screenshot failed\n");
  fflush (stdout);

  /* As a user pressing the button: stop the ticker, then start it again. */
  if (g_getenv ("AIO_EXAMPLE_TOGGLE") != NULL)
    {
      example->toggling = TRUE;
      gtk_widget_activate (example->button);
    }
  /* As a user closing the window: the application quits. */
  else if (g_getenv ("AIO_EXAMPLE_CLOSE") != NULL)
    gtk_window_close (GTK_WINDOW (example->window));
}

static void
ticker_toggled_cb (AioService *ticker,
                   GParamSpec *pspec,
                   Example    *example)
{
  if (!example->toggling || example->button == NULL)
    return;

  if (aio_service_get_state (ticker) == AIO_SERVICE_STATE_STOPPED)
    gtk_widget_activate (example->button);
  else if (aio_service_get_state (ticker) == AIO_SERVICE_STATE_RUNNING)
    {
      example->toggling = FALSE;
      printf ("toggled\n");
      fflush (stdout);
    }
}

static void
mapped_cb (GtkWidget *window,
           Example   *example)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), example);
  printf ("window shown\n");
  fflush (stdout);
}

static void
destroyed_cb (GtkWidget *window,
              Example   *example)
{
  /* The services may still be stopping: nothing refers to the window. */
  g_clear_handle_id (&example->stats_id, g_source_remove);
  example->stats = example->button = NULL;
}

static void
activate_cb (GtkApplication *app,
             Example        *example)
{
  g_autoptr(GPtrArray) services = NULL;
  GtkWidget *grid;

  if (example->window != NULL)
    {
      gtk_window_present (GTK_WINDOW (example->window));
      return;
    }

  example->window = gtk_application_window_new (app);
  gtk_window_set_title (GTK_WINDOW (example->window), "aiomisc-glib services");
  gtk_window_set_default_size (GTK_WINDOW (example->window), 360, 160);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 18);
  gtk_widget_set_margin_start (grid, 18);
  gtk_widget_set_margin_end (grid, 18);
  gtk_widget_set_margin_top (grid, 18);
  gtk_widget_set_margin_bottom (grid, 18);

  services = aio_entrypoint_dup_services (example->entrypoint);
  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = g_ptr_array_index (services, i);
      GtkWidget *name = gtk_label_new (aio_service_get_name (service));
      GtkWidget *state = gtk_label_new (state_name (aio_service_get_state (service)));

      gtk_widget_set_halign (name, GTK_ALIGN_START);
      gtk_widget_set_halign (state, GTK_ALIGN_START);
      gtk_grid_attach (GTK_GRID (grid), name, 0, (int) i, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), state, 1, (int) i, 1, 1);
      g_signal_connect_object (service, "notify::state", G_CALLBACK (state_changed_cb),
                               state, 0);
    }

  example->stats = gtk_label_new ("ticks: 0");
  gtk_widget_set_halign (example->stats, GTK_ALIGN_START);
  gtk_grid_attach (GTK_GRID (grid), example->stats, 2, 0, 1, 1);

  example->button = gtk_button_new_with_label ("Stop ticker");
  g_signal_connect (example->button, "clicked", G_CALLBACK (toggle_clicked_cb), example);
  g_signal_connect (example->ticker, "notify::state", G_CALLBACK (ticker_toggled_cb), example);
  gtk_grid_attach (GTK_GRID (grid), example->button, 0, (int) services->len, 3, 1);

  gtk_window_set_child (GTK_WINDOW (example->window), grid);
  g_signal_connect (example->window, "map", G_CALLBACK (mapped_cb), example);
  g_signal_connect (example->window, "destroy", G_CALLBACK (destroyed_cb), example);
  example->stats_id = g_timeout_add (200, update_stats_cb, example);
  gtk_window_present (GTK_WINDOW (example->window));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GtkApplication) app = NULL;
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) ticker = g_object_new (EXAMPLE_TYPE_TICKER,
                                               "name", "ticker", "interval", 0.1, NULL);
  g_autoptr(AioDBusService) status = g_object_new (AIO_TYPE_DBUS_SERVICE,
                                                   "name", "status",
                                                   "export-status", TRUE, NULL);
  Example example = { entrypoint, ticker, NULL, NULL, NULL, 0, 0, FALSE, FALSE };

  app = gtk_application_new ("org.aiomisc.example.ServicesWindow", G_APPLICATION_DEFAULT_FLAGS);
  aio_entrypoint_add_service (entrypoint, ticker);
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (status));
  g_signal_connect (ticker, "notify::state", G_CALLBACK (print_state_cb), NULL);
  g_signal_connect (status, "notify::state", G_CALLBACK (print_state_cb), NULL);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), &example);
  aio_entrypoint_attach_application (entrypoint, G_APPLICATION (app));

  return g_application_run (G_APPLICATION (app), argc, argv);
}
