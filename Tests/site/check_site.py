#!/usr/bin/env python3
"""Checks a built demo site against its portal, the way a reviewer would.

Usage: check_site.py SITE_DIR [PORTAL_DIR]

- every participant enrolled in a program has a page in it;
- every .ics file parses with the `icalendar` package and is RFC 5545-shaped;
- no page contains a script, an external request, or an unescaped roster value;
- values that only ever appear in fields marked `private` never appear in any file.
Ends with 'N passed, M failed'; exit status 1 on any failure.
"""
import os
import re
import sys

import yaml
from icalendar import Calendar

site = sys.argv[1] if len(sys.argv) > 1 else "Site"
portal = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(site))
passed, failed = 0, 0


def check(ok, message):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", message)


with open(os.path.join(portal, "Content", "roster.yaml"), encoding="utf-8") as f:
    roster = yaml.safe_load(f)["participants"]

files = {}
for dirpath, _, names in os.walk(site):
    for name in names:
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            files[os.path.relpath(path, site)] = f.read()

# Every enrolled participant has a page in each of their programs.
for p in roster:
    for program in p.get("programs", []):
        page = f"programs/{program}/people/{p['id']}.html"
        check(page in files, f"{p['id']} has no page in {program}")

# Calendars parse and carry what calendar apps need.
uids = set()
for path, data in sorted(files.items()):
    if not path.endswith(".ics"):
        continue
    try:
        cal = Calendar.from_ical(data)
    except Exception as e:  # noqa: BLE001 - any parse failure is a test failure
        check(False, f"{path} does not parse: {e}")
        continue
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    check(len(events) > 0, f"{path} has no events")
    for ev in events:
        uid = str(ev.get("UID"))
        check(uid not in uids, f"{path}: duplicate UID {uid}")
        uids.add(uid)
        check(ev.get("DTSTART") is not None and ev.get("DTEND") is not None and ev.get("DTSTAMP") is not None,
              f"{path}: event without DTSTART/DTEND/DTSTAMP")
    lines = data.split(b"\r\n")
    check(all(len(line) <= 75 for line in lines), f"{path}: a line is longer than 75 octets")
    check(b"\n" not in data.replace(b"\r\n", b""), f"{path}: bare newline")

# HTML: no scripts, no external requests, a main landmark and a language.
external = re.compile(rb'(?:src|href)="(?:https?:)?//', re.I)
for path, data in sorted(files.items()):
    if not path.endswith(".html"):
        continue
    check(b"<script" not in data.lower(), f"{path} contains a script")
    check(b'<html lang="' in data and b"<main" in data, f"{path} lacks lang or <main>")
    for m in external.finditer(data):
        # Links participants chose to share are allowed; nothing may be loaded from outside.
        start = data.rfind(b"<", 0, m.start())
        tag = data[start:m.start()].lower()
        check(tag.startswith(b"<a "), f"{path} loads an external resource: {data[start:m.end() + 40]!r}")

# Private values: strings that appear only in private fields must appear nowhere.
public_values, private_values = set(), set()
for p in roster:
    private = set(p.get("private", []))
    for key, value in p.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if not isinstance(v, str) or len(v) < 4:
                continue
            (private_values if key in private else public_values).add(v)
secret = private_values - public_values
for path, data in sorted(files.items()):
    text = data.decode("utf-8", "replace")
    for v in secret:
        check(v not in text, f"private value {v!r} appears in {path}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
