# overrides-dir.py PREFIX: prints where PyGObject overrides go for this
# interpreter under PREFIX, in a directory that interpreter searches.
#
# SPDX-License-Identifier: MIT
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
schemes = sysconfig.get_scheme_names()
if 'deb_system' in schemes and prefix == '/usr':
    # Debian's own packages: /usr/lib/python3/dist-packages
    purelib = sysconfig.get_path('purelib', 'deb_system', vars={'base': '/usr'})
elif 'posix_local' in schemes and prefix == '/usr/local':
    # Debian's /usr/local: /usr/local/lib/python3.X/dist-packages
    purelib = sysconfig.get_path('purelib', 'posix_local', vars={'base': '/usr'})
else:
    scheme = 'posix_prefix' if 'posix_prefix' in schemes else None
    purelib = sysconfig.get_path('purelib', scheme, vars={'base': prefix, 'platbase': prefix})
print(os.path.join(purelib, 'gi', 'overrides'))
