#!/usr/bin/env python3
# verify-units.py: checks the units of this directory with
# `systemd-analyze verify`, ExecStart= pointed at the built echo-server.
#
#     verify-units.py ECHO_SERVER UNIT...
#
# Exits 77 (skipped) without systemd-analyze. systemd-analyze reports a bad
# setting as a warning and still exits 0: any output fails the check too.
#
# SPDX-License-Identifier: MIT

import os
import shutil
import subprocess
import sys
import tempfile

INSTALLED = '/usr/local/bin/echo-server'


def main():
    echo_server, units = sys.argv[1], sys.argv[2:]
    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        print('systemd-analyze not found: skipped')
        return 77

    with tempfile.TemporaryDirectory(prefix='aio-units-') as tmp:
        names = []
        for unit in units:
            with open(unit, encoding='utf-8') as f:
                text = f.read()
            name = os.path.basename(unit)
            if INSTALLED not in text and name.endswith('.service'):
                print(f'{name}: ExecStart= does not run {INSTALLED}')
                return 1
            with open(os.path.join(tmp, name), 'w', encoding='utf-8') as f:
                f.write(text.replace(INSTALLED, os.path.abspath(echo_server)))
            # A template is checked through an instance of it.
            names.append(name.replace('@.', '@1.'))

        result = subprocess.run([analyze, 'verify', '--man=no'] + names, cwd=tmp,
                                env=dict(os.environ, SYSTEMD_UNIT_PATH=tmp + ':'),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, check=False)
    print(f'systemd-analyze verify {" ".join(names)}: exit status {result.returncode}')
    print(result.stdout, end='')
    if result.returncode != 0 or result.stdout.strip():
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
