#!/usr/bin/python3
# test_dbus.py: Aio.DBusService subclassed in Python (do_export_objects/do_unexport_objects)
# and Aio.DBusNameWatcher, on a private bus (Gio.TestDBus).
#
# SPDX-License-Identifier: MIT

import unittest

import aiotest
from aiotest import iterate_until
from gi.repository import Aio, Gio, GLib

NAME = 'org.aiomisc.PyEcho'
PATH = '/org/aiomisc/PyEcho'
INFO = Gio.DBusNodeInfo.new_for_xml(
    "<node><interface name='org.aiomisc.PyEcho'>"
    "<method name='Echo'><arg type='s' direction='in'/><arg type='s' direction='out'/></method>"
    "</interface></node>").interfaces[0]
FLAGS = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
         | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)


class Echo(Aio.DBusService):
    """Exports an object by hand, on every connection it is given."""

    def do_export_objects(self, connection):
        self.registration = connection.register_object(PATH, INFO, self.on_call, None, None)
        return True

    def do_unexport_objects(self, connection):
        connection.unregister_object(self.registration)
        self.registration = None

    def on_call(self, connection, sender, path, interface, method, args, invocation):
        invocation.return_value(GLib.Variant('(s)', args.unpack()))


class DBus(unittest.TestCase):

    def setUp(self):
        self.bus = Gio.TestDBus.new(Gio.TestDBusFlags.NONE)
        self.bus.up()
        self.connections = []

    def tearDown(self):
        for connection in self.connections:
            connection.close_sync(None)
        self.bus.down()

    def connect(self):
        connection = Gio.DBusConnection.new_for_address_sync(
            self.bus.get_bus_address(), FLAGS, None, None)
        self.connections.append(connection)
        return connection

    def call(self, connection, dest, method, args):
        results = []
        connection.call(dest, PATH, NAME, method, args, None, Gio.DBusCallFlags.NONE,
                        5000, None, lambda c, r: results.append(r))
        iterate_until(lambda: results)
        return connection.call_finish(results[0])

    def test_exported_while_running(self):
        client = self.connect()
        service = Echo(name='echo', connection=self.connect(), bus_name=NAME)
        with Aio.Entrypoint(service, log_config=False):
            reply = self.call(client, NAME, 'Echo', GLib.Variant('(s)', ('hello',)))
            self.assertEqual(reply.unpack(), ('hello',))
        self.assertIsNone(service.registration)
        with self.assertRaises(GLib.Error):
            self.call(client, NAME, 'Echo', GLib.Variant('(s)', ('gone',)))

    def test_watcher_follows_the_name(self):
        owner = self.connect()
        seen = []
        watcher = Aio.DBusNameWatcher(name='watcher', connection=self.connect(), bus_name=NAME)
        watcher.connect('appeared', lambda w, c, unique: seen.append(('appeared', unique)))
        watcher.connect('vanished', lambda w: seen.append(('vanished',)))
        started = []
        watcher.start_async(None, lambda w, r: started.append(w.start_finish(r)))
        owner_id = Gio.bus_own_name_on_connection(owner, NAME, Gio.BusNameOwnerFlags.NONE,
                                                  None, None)
        iterate_until(lambda: started)
        self.assertEqual(watcher.props.name_owner, owner.get_unique_name())
        Gio.bus_unown_name(owner_id)
        iterate_until(lambda: ('vanished',) in seen)
        self.assertIsNone(watcher.props.name_owner)
        stopped = []
        # PyGObject 3.42 does not pass None for a nullable GError argument:
        # the reason is an error, then.
        watcher.stop_async(GLib.Error('test over'), None,
                           lambda w, r: stopped.append(w.stop_finish(r)))
        iterate_until(lambda: stopped)
        self.assertEqual(seen, [('appeared', owner.get_unique_name()), ('vanished',)])


if __name__ == '__main__':
    aiotest.main()
