#!/usr/bin/env python3
"""Checks a built demo site against its portal, the way a reviewer would.

Usage: check_site.py SITE_DIR [PORTAL_DIR]

- every participant enrolled in a program has a page in it;
- every .ics file parses with the `icalendar` package and is RFC 5545-shaped: events in the
  program's time zone (DTSTART;TZID=…) with a VTIMEZONE whose offsets agree with the IANA
  database (zoneinfo) at every event, at the program's meeting time, on the program's dates;
- no page contains a script, an external request, or an unescaped roster value;
- values that only ever appear in fields marked `private` never appear in any file;
- programs with `pods:` have pod pages that hold every pair exactly once, and every calendar of
  such a program carries its pod's sessions (same UID and time in every file of the pod) at
  the program's meeting time, between the pair sessions;
- check-in comments (Content/checkins/*.csv) appear in the program's report and nowhere else;
- the reasons of ended matches (`ended:` in lock files) appear in the program's report only.
- `tandem roster` prints the roster read here from the portal's sources (roster_sources.py).
Ends with 'N passed, M failed'; exit status 1 on any failure.
"""
import os
import re
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

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


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from roster_sources import load_roster  # noqa: E402

# The roster: Content/roster.yaml, or the HR export and sign-up form merged (read here with
# Python's csv module, independently of Tandem).
roster = load_roster(portal)

# `tandem roster` prints the roster the matcher sees: the same people with the same fields.
tandem = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), ".build", "release", "tandem")
if os.path.exists(tandem):
    import subprocess
    printed = yaml.safe_load(subprocess.run([tandem, "roster", portal], check=True, capture_output=True, text=True).stdout)["participants"]
    expected = sorted(({"capacity": 1, **p} for p in roster), key=lambda p: p["id"])
    check([{"capacity": 1, **p} for p in printed] == expected, "tandem roster differs from the roster read from the sources")

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

# Programs: front matter, for the dates and times every calendar must carry.
programs = {}
programs_dir = os.path.join(portal, "Content", "programs")
for name in sorted(os.listdir(programs_dir)):
    if name.endswith(".md"):
        with open(os.path.join(programs_dir, name), encoding="utf-8") as f:
            programs[name[:-3]] = yaml.safe_load(f.read().split("---")[1])


def session_dates(program):
    start = program["start"] if isinstance(program["start"], date) else date.fromisoformat(str(program["start"]))
    out = []
    for i in range(int(program["sessions"])):
        if program["cadence"] == "monthly":
            total = start.year * 12 + start.month - 1 + i
            y, m = divmod(total, 12)
            last = (date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1) - timedelta(days=1)).day
            out.append(date(y, m + 1, min(start.day, last)))
        else:
            out.append(start + timedelta(days=i * (14 if program["cadence"] == "biweekly" else 7)))
    return out


def vtimezone_offset(tz, local):
    """The offset a VTIMEZONE gives a wall-clock time: the latest observance starting before it."""
    best = None
    for obs in tz.subcomponents:
        start = obs.decoded("DTSTART").replace(tzinfo=None)
        if start <= local and (best is None or start > best[0]):
            best = (start, obs.decoded("TZOFFSETTO"))
    return best[1] if best else None


def pod_session_dates(program):
    """Halfway after the middle session and, with four sessions or more, after the last."""
    dates = session_dates(program)
    n = len(dates)

    def halfway(i):
        if i + 1 < n:
            return dates[i] + timedelta(days=(dates[i + 1] - dates[i]).days // 2)
        step = (dates[i] - dates[i - 1]).days if n > 1 else 14
        return dates[i] + timedelta(days=max(1, step // 2))

    return [halfway((n - 1) // 2)] + ([halfway(n - 1)] if n >= 4 else [])


DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def slot_date(program, weekday, index):
    """Session `index`'s date at a slot weekday: the first on or after the start, then weekly,
    biweekly, or the same nth weekday of each month (a fifth one starts the next month)."""
    start = date.fromisoformat(str(program["start"]))
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    cadence = program.get("cadence", "biweekly")
    if cadence == "weekly":
        return first + timedelta(days=7 * index)
    if cadence == "biweekly":
        return first + timedelta(days=14 * index)
    nth = (first.day - 1) // 7
    month = first.year * 12 + first.month - 1
    if nth == 4:
        nth, month = 0, month + 1
    month += index
    day1 = date(month // 12, month % 12 + 1, 1)
    return day1 + timedelta(days=(weekday - day1.weekday()) % 7 + 7 * nth)


# Each unit's slot(s) from the lock files: program → unit id → (slot, alternate or None).
slots = {}
for slug, program in programs.items():
    lock_path = os.path.join(portal, "Content", "matches", slug, f"round-{program.get('round', 1)}.yaml")
    if os.path.exists(lock_path):
        with open(lock_path, encoding="utf-8") as f:
            lock = yaml.safe_load(f)
        slots[slug] = {"--".join(m["members"]): (m.get("slot"), m.get("alternate_slot")) for m in lock.get("matches") or [] if m.get("slot")}

# Calendars parse and carry what calendar apps need.
uids = set()
pod_events = {}
for path, data in sorted(files.items()):
    if not path.endswith(".ics"):
        continue
    try:
        cal = Calendar.from_ical(data)
    except Exception as e:  # noqa: BLE001 - any parse failure is a test failure
        check(False, f"{path} does not parse: {e}")
        continue
    program = programs.get(path.split("/")[1], {})
    zones = {str(tz["TZID"]): tz for tz in cal.walk("VTIMEZONE")}
    check(program.get("timezone") in zones, f"{path}: no VTIMEZONE for the program's zone {program.get('timezone')}")
    every = [c for c in cal.walk() if c.name == "VEVENT"]
    events = [ev for ev in every if "-pod-" not in str(ev.get("UID"))]
    pods = [ev for ev in every if "-pod-" in str(ev.get("UID"))]
    # Skipped sessions (a holiday or someone away, with no other time that week) have no event.
    check(1 <= len(events) <= int(program.get("sessions", -1)), f"{path} has {len(events)} events, expected up to {program.get('sessions')}")
    unit_slots = slots.get(path.split("/")[1], {}).get(path.split("/")[-1][:-4])
    if program.get("pods"):
        expected_pod = pod_session_dates(program)
        # A pod session no time of its week suits (someone away) is skipped and has no event.
        check(1 <= len(pods) <= len(expected_pod), f"{path} has {len(pods)} pod sessions, expected up to {len(expected_pod)}")
        for k, ev in enumerate(pods):
            uid = str(ev.get("UID"))
            start = ev.decoded("DTSTART").replace(tzinfo=None)
            check(ev["DTSTART"].params.get("TZID") == program.get("timezone"), f"{path}: pod session not in the program's time zone")
            # Each pod session lies in the week of its nominal date, at the time that suits the pod.
            n = int(uid.split("-")[-1].split("@")[0])
            want = expected_pod[n - 1] if 0 < n <= len(expected_pod) else None
            check(want is not None and want - timedelta(days=want.weekday()) <= start.date() <= want + timedelta(days=6 - want.weekday()),
                  f"{path}: pod session {n} starts {start}, not in the week of {want}")
            check(ev.decoded("DTEND").replace(tzinfo=None) > start, f"{path}: pod session {k + 1} ends before it starts")
            check(pod_events.setdefault(uid, start) == start, f"{path}: pod session {uid} at a different time than in another file")
    else:
        check(not pods, f"{path}: pod sessions in a program without pods")
    expected_dates = session_dates(program) if program else []
    for n, ev in enumerate(events):
        uid = str(ev.get("UID"))
        check(uid not in uids, f"{path}: duplicate UID {uid}")
        uids.add(uid)
        if ev.get("DTSTART") is None or ev.get("DTEND") is None or ev.get("DTSTAMP") is None:
            check(False, f"{path}: event without DTSTART/DTEND/DTSTAMP")
            continue
        tzid = ev["DTSTART"].params.get("TZID")
        check(tzid == program.get("timezone") and ev["DTEND"].params.get("TZID") == tzid,
              f"{path}: DTSTART/DTEND not in the program's time zone ({tzid})")
        check(ev.decoded("DTSTAMP").utcoffset() == timedelta(0), f"{path}: DTSTAMP is not in UTC")
        start = ev.decoded("DTSTART").replace(tzinfo=None)
        end = ev.decoded("DTEND").replace(tzinfo=None)
        # Each session at the unit's slot from the lock file (the alternate slot on every other
        # one), in the slot's zone; a moved one within the same week.
        number = int(uid.split("-")[-1].split("@")[0])
        check(unit_slots is not None, f"{path}: no slot for this unit in the lock file")
        if unit_slots:
            slot = unit_slots[1] if number % 2 == 0 and unit_slots[1] else unit_slots[0]
            day, clock, zone = slot.split(" ")
            want_day = slot_date(program, DAYS.index(day), number - 1)
            local = ev.decoded("DTSTART").astimezone(ZoneInfo(zone))
            if "Moved from" in str(ev.get("DESCRIPTION", "")):
                monday = want_day - timedelta(days=want_day.weekday())
                check(monday <= local.date() <= monday + timedelta(days=6), f"{path}: moved session {number} leaves its week")
            else:
                check(local.date() == want_day and local.strftime("%H:%M") == clock,
                      f"{path}: session {number} starts {local}, not at its slot {slot} on {want_day}")
        check(end > start, f"{path}: session {n + 1} ends before it starts")
        if tzid in zones:
            got = vtimezone_offset(zones[tzid], start)
            want = ZoneInfo(tzid).utcoffset(start)
            check(got == want, f"{path}: VTIMEZONE gives {got} at {start}, zoneinfo {want}")
    lines = data.split(b"\r\n")
    check(all(len(line) <= 75 for line in lines), f"{path}: a line is longer than 75 octets")
    check(b"\n" not in data.replace(b"\r\n", b""), f"{path}: bare newline")
    check(data.endswith(b"\r\n"), f"{path}: does not end with CRLF")

# Pods: every pair of a program with pods is on exactly one pod page.
for slug, program in programs.items():
    if not program.get("pods"):
        continue
    pairs = {p.split("/")[-1][:-5] for p in files if p.startswith(f"programs/{slug}/pairs/") and p.endswith(".html")}
    seen = []
    for path, data in sorted(files.items()):
        if path.startswith(f"programs/{slug}/pods/") and path.endswith(".html"):
            units = set(re.findall(rb'href="\.\./pairs/([a-z0-9-]+)\.html"', data))
            check(len(units) >= 2 or len(pairs) < 2, f"{path}: a pod of {len(units)} pair(s)")
            seen += [u.decode() for u in units]
    check(sorted(seen) == sorted(pairs), f"{slug}: pods do not hold every pair exactly once")

# Check-in comments: in the report only.
checkins_dir = os.path.join(portal, "Content", "checkins")
if os.path.isdir(checkins_dir):
    import csv
    for name in sorted(os.listdir(checkins_dir)):
        if not name.endswith(".csv"):
            continue
        with open(os.path.join(checkins_dir, name), encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header = [h.strip().lower() for h in rows[0]] if rows else []
        front = programs.get(name[:-4], {})
        column = str((front.get("checkins") or {}).get("comment", "comment")).strip().lower()
        if column not in header:
            continue
        comments = {r[header.index(column)].strip() for r in rows[1:] if len(r) > header.index(column)}
        report = f"programs/{name[:-4]}/report.html"
        for comment in sorted(c for c in comments if len(c) >= 12):
            escaped = comment.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").encode()
            holders = [p for p, d in files.items() if escaped in d or comment.encode() in d]
            check(holders == [report], f"check-in comment {comment[:30]!r} appears in {holders}, expected only {report}")

# Ended matches: the reason an admin wrote in a lock file is in the program's report only.
matches_dir = os.path.join(portal, "Content", "matches")
for program in sorted(os.listdir(matches_dir)) if os.path.isdir(matches_dir) else []:
    for name in sorted(os.listdir(os.path.join(matches_dir, program))):
        if not (name.startswith("round-") and name.endswith(".yaml")):
            continue
        with open(os.path.join(matches_dir, program, name), encoding="utf-8") as f:
            lock = yaml.safe_load(f) or {}
        current = lock.get("round") == programs.get(program, {}).get("round", 1)
        for entry in lock.get("ended") or []:
            reason = str(entry.get("reason") or "").strip()
            if len(reason) < 12:
                continue
            escaped = reason.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#39;").encode()
            holders = [p for p, d in files.items() if escaped in d or reason.encode() in d]
            expected = [f"programs/{program}/report.html"] if current else []
            check(holders == expected, f"ended reason {reason[:30]!r} appears in {holders}, expected only {expected}")

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
