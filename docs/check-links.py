#!/usr/bin/env python3
# check-links.py DIR: fails when a page of the generated reference in DIR
# links to a page or an anchor that does not exist. gi-docgen turns a link
# it cannot resolve into a relative href to a page it never wrote (a
# [struct@Aio.ServiceClass] becomes struct.ServiceClass.html), without a
# warning, so the check reads the HTML it wrote.
#
# SPDX-License-Identifier: MIT
import html.parser
import os
import sys
import urllib.parse


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ('id', 'name') and value:
                self.ids.add(value)
            elif name in ('href', 'src') and value and tag in ('a', 'link', 'img', 'script'):
                self.hrefs.append((self.getpos()[0], value))


def main():
    root = sys.argv[1]
    pages = {}
    for directory, _, files in os.walk(root):
        for name in files:
            if name.endswith('.html'):
                path = os.path.join(directory, name)
                page = Page()
                with open(path, encoding='utf-8') as f:
                    page.feed(f.read())
                pages[os.path.normpath(path)] = page

    broken = []
    for path, page in sorted(pages.items()):
        for line, href in page.hrefs:
            url = urllib.parse.urlsplit(href)
            if url.scheme or url.netloc or href.startswith('//'):
                continue  # external: not checked (no network in CI)
            target = path
            if url.path:
                target = os.path.normpath(os.path.join(os.path.dirname(path),
                                                       urllib.parse.unquote(url.path)))
                if not os.path.exists(target):
                    broken.append(f'{os.path.relpath(path, root)}:{line}: {href}: no such file')
                    continue
            if url.fragment and target in pages and url.fragment not in pages[target].ids:
                broken.append(f'{os.path.relpath(path, root)}:{line}: {href}: no such anchor')

    for b in broken:
        print(b)
    print(f'{len(pages)} pages, {sum(len(p.hrefs) for p in pages.values())} links, '
          f'{len(broken)} broken')
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main())
