#!/usr/bin/python3
# splice-snippets.py: puts the code of docs/snippets/ into the tutorial pages.
#
# SPDX-License-Identifier: MIT
"""Splice snippet files into markdown pages, or check that they match.

The tutorial pages never hold code of their own: a line

    <!-- snippet: service-ordinary.c -->

is replaced by the whole file docs/snippets/service-ordinary.c in a fenced
code block (```c, or ```python for .py files), and

    <!-- snippet: service-ordinary.c service -->

by the lines between the markers `snippet: service` and `end snippet` of
that file (a C comment `/* snippet: service */`, or `# snippet: service` in
Python). Marker lines, and a first line holding only an SPDX license
comment, never appear in the pages. Since the snippets are compiled and run
by the tests, the code in the pages is code that works.

    splice-snippets.py --snippets DIR PAGE.md OUTPUT.md
    splice-snippets.py --snippets DIR --check PAGE.md...

--check verifies that every reference resolves, that every snippet file of
DIR is used by some page, and that every C snippet has a Python twin (same
name, .py) shown in the same page, and the other way round.
"""

import argparse
import os
import re
import sys

REFERENCE_RE = re.compile(r"^\s*<!--\s*snippet:\s*(?P<file>[\w.\-]+)(?:\s+(?P<region>[\w\-]+))?\s*-->\s*$")
BEGIN_RE = re.compile(r"^\s*(?:/\*|#|//)\s*snippet:\s*(?P<region>[\w\-]+)\s*(?:\*/)?\s*$")
END_RE = re.compile(r"^\s*(?:/\*|#|//)\s*end snippet\s*(?:\*/)?\s*$")
SPDX_RE = re.compile(r"^\s*(?:/\*|#|//)\s*SPDX-License-Identifier:.*$")
LANGUAGES = {".c": "c", ".h": "c", ".py": "python", ".vala": "vala"}


class SpliceError(Exception):
    pass


def language_of(name):
    ext = os.path.splitext(name)[1]
    if ext not in LANGUAGES:
        raise SpliceError("%s: no known language for %r files" % (name, ext))
    return LANGUAGES[ext]


def snippet_lines(snippet_dir, name, region):
    path = os.path.join(snippet_dir, name)
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as error:
        raise SpliceError("cannot read snippet %s: %s" % (name, error.strerror))
    if lines and lines[-1] == "":
        lines.pop()
    if lines and SPDX_RE.match(lines[0]):
        lines.pop(0)
        while lines and lines[0].strip() == "":
            lines.pop(0)

    out = []
    inside = region is None
    found = region is None
    for line in lines:
        begin = BEGIN_RE.match(line)
        if begin:
            if region is not None and begin.group("region") == region:
                inside = found = True
            continue
        if END_RE.match(line):
            if region is not None:
                inside = False
            continue
        if inside:
            out.append(line)
    if not found:
        raise SpliceError("%s has no region %r" % (name, region))

    # Dedent a region taken from inside a function.
    indents = [len(l) - len(l.lstrip(" ")) for l in out if l.strip()]
    cut = min(indents) if indents else 0
    out = [l[cut:] for l in out]
    while out and out[0].strip() == "":
        out.pop(0)
    while out and out[-1].strip() == "":
        out.pop()
    if not out:
        raise SpliceError("%s%s is empty" % (name, " region %r" % region if region else ""))
    if any(l.startswith("```") for l in out):
        raise SpliceError("%s holds a ``` line, which would end the code block" % name)
    return out


def references(page_lines):
    for number, line in enumerate(page_lines, 1):
        m = REFERENCE_RE.match(line)
        if m:
            yield number, m.group("file"), m.group("region")


def splice(snippet_dir, page, output):
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    for line in lines:
        m = REFERENCE_RE.match(line)
        if not m:
            out.append(line)
            continue
        name, region = m.group("file"), m.group("region")
        out.append("```" + language_of(name))
        out.extend(snippet_lines(snippet_dir, name, region))
        out.append("```")
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def check(snippet_dir, pages):
    problems = []
    used = {}
    for page in pages:
        with open(page, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for number, name, region in references(lines):
            where = "%s:%d" % (os.path.basename(page), number)
            try:
                language_of(name)
                snippet_lines(snippet_dir, name, region)
            except SpliceError as error:
                problems.append("%s: %s" % (where, error))
            used.setdefault(name, set()).add(os.path.basename(page))

    files = sorted(f for f in os.listdir(snippet_dir)
                   if os.path.splitext(f)[1] in LANGUAGES)
    for name in files:
        if name not in used:
            problems.append("%s is not shown in any page" % name)
    for name in sorted(used):
        stem, ext = os.path.splitext(name)
        twin = stem + (".py" if ext in (".c", ".h") else ".c")
        if ext in (".c", ".py") and not used[name] & used.get(twin, set()):
            problems.append("%s is shown in %s without its twin %s"
                            % (name, ", ".join(sorted(used[name])), twin))
    for problem in problems:
        print("splice-snippets: %s" % problem, file=sys.stderr)
    if not problems:
        print("%d snippet files, all shown, in C and Python" % len(files))
    return 1 if problems else 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--snippets", required=True, metavar="DIR")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("files", nargs="+", metavar="FILE")
    options = parser.parse_args(argv)

    if options.check:
        return check(options.snippets, options.files)
    if len(options.files) != 2:
        parser.error("splicing takes a page and an output file")
    try:
        splice(options.snippets, *options.files)
    except SpliceError as error:
        print("splice-snippets: %s: %s" % (options.files[0], error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
