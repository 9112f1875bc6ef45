#!/usr/bin/python3
# services_window.py: a GTK 4 application whose window lists the services of
# an Aio.Entrypoint attached to it, with their live states and statistics; a
# button stops and restarts one of them. The Python twin of
# services-window.c.
#
# SIGINT, SIGTERM or closing the window stop the services gracefully before
# app.run() returns. With AIO_EXAMPLE_SCREENSHOT=FILE.png in the environment,
# the window saves a picture of itself there once the services run; then,
# with AIO_EXAMPLE_TOGGLE set, it presses its button twice (the ticker stops
# and starts again: "toggled"), or with AIO_EXAMPLE_CLOSE, it closes itself,
# as a user would.
#
# SPDX-License-Identifier: MIT

import ctypes
import os
import sys

import gi
gi.require_version('Aio', '1.0')
gi.require_version('Gtk', '4.0')
from gi.repository import Aio, GLib, Gtk  # noqa: E402


def say(*words):
    # One write per line: the log writer shares the output.
    os.write(sys.stdout.fileno(), (' '.join(words) + '\n').encode())


class Ticker(Aio.PeriodicService):
    """Counts its ticks in the statistics."""

    def callback(self):
        Aio.statistics_add('ticker', 'ticks', 1)


class ServicesWindow(Gtk.ApplicationWindow):
    def __init__(self, app, entrypoint, ticker):
        super().__init__(application=app, title='aiomisc-glib services',
                         default_width=360, default_height=160)
        self.ticker = ticker
        self.screenshot_taken = False
        self.shown_ticks = 0
        self.toggling = False

        grid = Gtk.Grid(row_spacing=6, column_spacing=18, margin_start=18,
                        margin_end=18, margin_top=18, margin_bottom=18)
        services = entrypoint.dup_services()
        for row, service in enumerate(services):
            state = Gtk.Label(label=service.get_state().value_nick, halign=Gtk.Align.START)
            grid.attach(Gtk.Label(label=service.props.name, halign=Gtk.Align.START), 0, row, 1, 1)
            grid.attach(state, 1, row, 1, 1)
            handler = service.connect('notify::state', self.on_state, state)
            self.connect('destroy', lambda w, s=service, h=handler: s.disconnect(h))

        self.stats = Gtk.Label(label='ticks: 0', halign=Gtk.Align.START)
        grid.attach(self.stats, 2, 0, 1, 1)
        self.button = Gtk.Button(label='Stop ticker')
        self.button.connect('clicked', self.on_toggle)
        grid.attach(self.button, 0, len(services), 3, 1)
        self.set_child(grid)

        self.timer = GLib.timeout_add(200, self.update_stats)
        self.connect('destroy', lambda w: GLib.source_remove(self.timer))
        self.connect('map', self.on_map)

    def on_state(self, service, pspec, label):
        label.set_text(service.get_state().value_nick)
        if service is self.ticker and self.toggling:
            if service.get_state() == Aio.ServiceState.STOPPED:
                self.button.activate()
            elif service.get_state() == Aio.ServiceState.RUNNING:
                self.toggling = False
                say('toggled')

    def on_toggle(self, button):
        if self.ticker.get_state() == Aio.ServiceState.RUNNING:
            # The reason; PyGObject 3.42 cannot pass None for it.
            reason = GLib.Error('stopped from the window')
            self.ticker.stop_async(reason, None, lambda s, r: s.stop_finish(r))
        else:
            self.ticker.start_async(None, lambda s, r: s.start_finish(r))

    def update_stats(self):
        self.shown_ticks = Aio.statistics_get('ticker', 'ticks')
        self.stats.set_text('ticks: %d' % self.shown_ticks)
        running = self.ticker.get_state() == Aio.ServiceState.RUNNING
        self.button.set_label('Stop ticker' if running else 'Start ticker')
        return GLib.SOURCE_CONTINUE

    def on_map(self, window):
        self.get_frame_clock().connect('after-paint', self.on_after_paint)
        say('window shown')

    def on_after_paint(self, clock):
        path = os.environ.get('AIO_EXAMPLE_SCREENSHOT')
        # Once the window shows the services at work.
        if (path is None or self.screenshot_taken or self.shown_ticks < 1
                or self.ticker.get_state() != Aio.ServiceState.RUNNING):
            return
        self.screenshot_taken = True
        say('screenshot saved' if self.save_screenshot(path) else 'screenshot failed')
        if 'AIO_EXAMPLE_TOGGLE' in os.environ:
            # As a user pressing the button: stop the ticker, start it again.
            self.toggling = True
            self.button.activate()
        elif 'AIO_EXAMPLE_CLOSE' in os.environ:
            self.close()   # as a user closing the window: the application quits

    def save_screenshot(self, path):
        """GTK's own rendering of the window, saved as a PNG."""
        width, height = self.get_width(), self.get_height()
        if width <= 0 or height <= 0:
            return False
        snapshot = Gtk.Snapshot()
        Gtk.WidgetPaintable.new(self).snapshot(snapshot, width, height)
        # snapshot.to_node() would return a GskRenderNode, which PyGObject
        # 3.42 cannot hold: the rest goes through C.
        return render_to_png(snapshot, self.get_renderer(), path)


def render_to_png(snapshot, renderer, path):
    """gtk_snapshot_to_node() + gsk_renderer_render_texture() +
    gdk_texture_save_to_png(), through ctypes."""
    gtk = ctypes.CDLL('libgtk-4.so.1')
    pointer = ctypes.pythonapi.PyCapsule_GetPointer
    pointer.restype = ctypes.c_void_p
    pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    for name, restype, argtypes in (
            ('gtk_snapshot_to_node', ctypes.c_void_p, [ctypes.c_void_p]),
            ('gsk_renderer_render_texture', ctypes.c_void_p,
             [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
            ('gdk_texture_save_to_png', ctypes.c_bool, [ctypes.c_void_p, ctypes.c_char_p]),
            ('gsk_render_node_unref', None, [ctypes.c_void_p]),
            ('g_object_unref', None, [ctypes.c_void_p])):
        getattr(gtk, name).restype = restype
        getattr(gtk, name).argtypes = argtypes
    node = gtk.gtk_snapshot_to_node(pointer(snapshot.__gpointer__, None))
    if not node:
        return False
    texture = gtk.gsk_renderer_render_texture(pointer(renderer.__gpointer__, None), node, None)
    gtk.gsk_render_node_unref(node)
    saved = gtk.gdk_texture_save_to_png(texture, os.fsencode(path))
    gtk.g_object_unref(texture)
    return saved

def main():
    entrypoint = Aio.Entrypoint()
    ticker = Ticker(name='ticker', interval=0.1)
    entrypoint.add_service(ticker)
    entrypoint.add_service(Aio.DBusService(name='status', export_status=True))
    # On stdout too, for as long as the program runs (the window may be gone).
    for service in entrypoint.dup_services():
        service.connect('notify::state', lambda service, pspec: say(
            'service', service.props.name, service.get_state().value_nick))

    app = Gtk.Application(application_id='org.aiomisc.example.ServicesWindowPy')

    def on_activate(app):
        window = app.get_active_window() or ServicesWindow(app, entrypoint, ticker)
        window.present()

    app.connect('activate', on_activate)
    entrypoint.attach_application(app)
    return app.run(sys.argv)


if __name__ == '__main__':
    sys.exit(main())
