#!/usr/bin/env python3
"""Renders an HTML report in headless Chromium (Debian's `chromium`, installed by ci/setup.sh), takes a
screenshot, and checks what a person would see: the page loads without network, the DOM Chromium built holds
the named tables (by id) with rows, and the screenshot is a real rendering (mostly white page, dark text, the
colours of the page's CSS), not a blank or an error page.

Usage: browser_check.py REPORT.html SCREENSHOT.png ID [ID ...]
  ID: an element id that must be a <table> with at least one data row, or, prefixed with 'svg:', the
  aria-label start of an inline <svg> plot that must be there.
Exit 0 when every check holds, 1 with the failed checks listed, 2 when Chromium cannot run.
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(binary, args, profile):
    cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--user-data-dir=" + profile, "--hide-scrollbars"] + args
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


class Dom(html.parser.HTMLParser):
    """The tables (id -> data rows), svg aria-labels and external references of the DOM Chromium dumped."""

    def __init__(self):
        super().__init__()
        self.tables, self.svgs, self.external = {}, [], []
        self._table = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table.append(a.get("id", ""))
            self.tables.setdefault(a.get("id", ""), 0)
        elif tag == "tr" and self._table:
            self.tables[self._table[-1]] += 1
        elif tag == "svg":
            self.svgs.append(a.get("aria-label", ""))
        for k in ("src", "href"):
            if a.get(k, "").startswith(("http:", "https:", "//")):
                self.external.append(f"<{tag} {k}={a[k]}>")

    def handle_endtag(self, tag):
        if tag == "table" and self._table:
            self._table.pop()


def png_pixels(path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, unfiltered (PNG spec, section 9)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"PNG depth {depth} colour type {colour} not handled")
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    report, shot, wanted = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    binary = chromium()
    if not binary:
        print("browser_check: no chromium on PATH (ci/setup.sh installs Debian's chromium)")
        return 2
    failures = []
    with tempfile.TemporaryDirectory() as profile:
        dom_run = run_chromium(binary, ["--dump-dom", "file://" + report], profile)
        if dom_run.returncode != 0 or "<table" not in dom_run.stdout:
            print(f"browser_check: chromium --dump-dom failed ({dom_run.returncode}): {dom_run.stderr[-2000:]}")
            return 2
        shot_run = run_chromium(binary, ["--screenshot=" + os.path.abspath(shot), "--window-size=1280,2000",
                                         "file://" + report], profile)
        if shot_run.returncode != 0 or not os.path.exists(shot):
            print(f"browser_check: chromium --screenshot failed ({shot_run.returncode}): {shot_run.stderr[-2000:]}")
            return 2
    dom = Dom()
    dom.feed(dom_run.stdout)
    for w in wanted:
        if w.startswith("svg:"):
            if not any(label.startswith(w[4:]) for label in dom.svgs):
                failures.append(f"no <svg> plot labelled '{w[4:]}...' (plots: {dom.svgs})")
        elif w not in dom.tables:
            failures.append(f"no <table id='{w}'> in the rendered DOM (tables: {sorted(dom.tables)})")
        elif dom.tables[w] < 2:
            failures.append(f"<table id='{w}'> has no data row")
    if dom.external:
        failures.append(f"the page references the network: {dom.external[:5]}")
    width, height, rows = png_pixels(shot)
    pixels = [p for row in rows for p in row]
    white = sum(1 for p in pixels if min(p) >= 245)
    dark = sum(1 for p in pixels if max(p) <= 90)
    coloured = sum(1 for p in pixels if max(p) - min(p) >= 60)
    share = lambda n: n / len(pixels)
    print(f"browser_check: {report}: {width}x{height} screenshot {shot}; {share(white):.1%} white, "
          f"{share(dark):.2%} dark (text), {share(coloured):.2%} coloured; tables "
          + ", ".join(f"{k or '(no id)'}={v - 1} rows" for k, v in sorted(dom.tables.items()))
          + f"; {len(dom.svgs)} plots")
    if share(white) < 0.5:
        failures.append(f"the screenshot is not a page on a white background ({share(white):.1%} white)")
    if share(dark) < 0.002:
        failures.append(f"the screenshot shows almost no text ({share(dark):.3%} dark pixels)")
    if share(coloured) < 0.0005:
        failures.append(f"the screenshot has none of the page's colours ({share(coloured):.3%} coloured pixels)")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
