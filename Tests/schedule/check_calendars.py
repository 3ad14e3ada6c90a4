#!/usr/bin/env python3
"""Reads every calendar of a built Tandem portal with an independent parser (icalendar +
zoneinfo) and checks the meeting times in each attendee's own time zone, from the attendees'
e-mail addresses and the roster:

- no session on a Saturday or Sunday for anyone;
- nobody has two overlapping sessions (across units, pods and programs);
- every session lies inside all attendees' working hours on a working day whenever some
  half hour of that week would have suited them all (else the unit had no common slot);
- nobody meets on a holiday of their location or inside their `away` dates;
- in monthly programs, a unit's sessions at one slot keep the same nth weekday.

Usage: check_calendars.py PORTAL_ROOT [SITE_FOLDER]
"""
import datetime as dt
import glob
import os
import sys
from zoneinfo import ZoneInfo

import icalendar
import yaml

# The roster as the portal defines it (roster.yaml, or HR export + sign-up form + roster.yaml),
# read independently of Tandem.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "site"))
from roster_sources import load_roster  # noqa: E402

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def parse_hours(text):
    a, b = text.replace(" ", "").split("-")
    h1, m1 = a.split(":")
    h2, m2 = b.split(":")
    return int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)


def week_of(entry, default):
    start, end = default["hours"]
    days = default["days"]
    if entry and "working_hours" in entry:
        start, end = parse_hours(str(entry["working_hours"]))
    if entry and "working_days" in entry:
        days = {DAYS.index(str(d).lower()[:3]) for d in entry["working_days"]}
    return {"hours": (start, end), "days": days}


def front_matter(path):
    text = open(path, encoding="utf-8").read()
    assert text.startswith("---")
    return yaml.safe_load(text.split("---", 2)[1])


def main():
    root = sys.argv[1]
    site = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "Site")
    portal = yaml.safe_load(open(os.path.join(root, "Content/portal.yaml"), encoding="utf-8")) or {}
    default = week_of(portal, {"hours": (9 * 60, 17 * 60), "days": {0, 1, 2, 3, 4}})
    holidays = []
    for h in portal.get("holidays") or []:
        if isinstance(h, dict):
            holidays.append((dt.date.fromisoformat(str(h["date"])), set(h.get("locations") or [])))
        else:
            holidays.append((dt.date.fromisoformat(str(h)), set()))
    people = {}
    for p in load_roster(root):
        away = [(dt.date.fromisoformat(str(a["from"])), dt.date.fromisoformat(str(a["to"]))) for a in p.get("away") or []]
        people[p["email"].lower()] = {
            "id": p["id"], "zone": ZoneInfo(p["timezone"]), "week": week_of(p, default),
            "location": p.get("location"), "away": away,
        }
    cadence = {}
    for path in glob.glob(os.path.join(root, "Content/programs/*.md")):
        cadence[os.path.basename(path)[:-3]] = front_matter(path).get("cadence", "biweekly")

    problems = []
    events = {}  # uid -> (start, end, attendees, program, calendar, description)
    unit_events = {}  # calendar path -> [(uid, start)]
    for path in sorted(glob.glob(os.path.join(site, "programs/*/pairs/*.ics"))):
        program = path.split(os.sep)[-3]
        cal = icalendar.Calendar.from_ical(open(path, "rb").read())
        for ev in cal.walk("VEVENT"):
            start = ev.decoded("DTSTART")
            end = ev.decoded("DTEND")
            assert start.tzinfo is not None, f"{path}: floating DTSTART"
            attendees = ev.get("ATTENDEE")
            attendees = attendees if isinstance(attendees, list) else [attendees] if attendees else []
            emails = sorted({str(a).lower().removeprefix("mailto:") for a in attendees})
            uid = str(ev["UID"])
            events[uid] = (start, end, emails, program, path, str(ev.get("DESCRIPTION", "")))
            if "-pod-" not in uid:
                unit_events.setdefault(path, []).append((uid, start, str(ev.get("DTSTART").params.get("TZID", "UTC"))))

    def local(person, t):
        return t.astimezone(person["zone"])

    def outside(person, start, end):
        a, b = local(person, start), local(person, end - dt.timedelta(minutes=1))
        if a.weekday() >= 5 or b.weekday() >= 5:
            return True
        if a.weekday() not in person["week"]["days"] or a.date() != b.date():
            return True
        s, e = person["week"]["hours"]
        return a.hour * 60 + a.minute < s or b.hour * 60 + b.minute + 1 > e

    def common_slot_exists(members, start, end):
        length = end - start
        monday = start.astimezone(dt.timezone.utc).date() - dt.timedelta(days=start.astimezone(dt.timezone.utc).weekday())
        t = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(0), dt.timezone.utc)
        for _ in range(9 * 48):
            if not any(outside(m, t, t + length) for m in members):
                return True
            t += dt.timedelta(minutes=30)
        return False

    busy = {}
    for uid, (start, end, emails, program, path, description) in sorted(events.items()):
        members = []
        for email in emails:
            person = people.get(email)
            if person is None:
                problems.append(f"{path}: {uid}: attendee {email} is not on the roster")
                continue
            members.append(person)
            busy.setdefault(email, []).append((start, end, uid))
        for m in members:
            a = local(m, start)
            if a.weekday() >= 5 or local(m, end - dt.timedelta(minutes=1)).weekday() >= 5:
                problems.append(f"{path}: {uid}: on a weekend for {m['id']} ({a:%A %Y-%m-%d %H:%M})")
            day = a.date()
            for date, places in holidays:
                if date == day and (not places or m["location"] in places):
                    problems.append(f"{path}: {uid}: on a holiday for {m['id']} ({day})")
            for f, t in m["away"]:
                if f <= day <= t:
                    problems.append(f"{path}: {uid}: {m['id']} is away on {day}")
        bad = [m["id"] for m in members if outside(m, start, end)]
        if bad and common_slot_exists(members, start, end):
            problems.append(f"{path}: {uid}: outside working hours for {', '.join(bad)} although a common slot exists that week")

    for email, items in busy.items():
        items.sort()
        for (s1, e1, u1), (s2, e2, u2) in zip(items, items[1:]):
            if s2 < e1:
                problems.append(f"{people[email]['id']} is double-booked: {u1} and {u2}")

    for path, items in unit_events.items():
        program = path.split(os.sep)[-3]
        if cadence.get(program) != "monthly":
            continue
        # The slot is written in one member's zone: in that zone every session at a slot
        # keeps its weekday, time and nth weekday of the month.
        zones = {people[e]["zone"].key for uid, _, _ in items for e in events[uid][2] if e in people}
        kept = [(uid, start) for uid, start, _ in items if "Moved from" not in events[uid][5]]
        def consistent(zone):
            by_slot = {}
            for uid, start in kept:
                t = start.astimezone(ZoneInfo(zone))
                by_slot.setdefault((t.weekday(), t.hour, t.minute), set()).add((t.day - 1) // 7)
            return len(by_slot) <= 2 and all(len(n) == 1 for n in by_slot.values())
        if kept and not any(consistent(z) for z in sorted(zones)):
            problems.append(f"{path}: monthly sessions do not keep one weekday, time and nth weekday in any member's zone")

    count = len(events)
    if count == 0:
        problems.append(f"no calendar events found under {site}")
    for p in problems:
        print("check_calendars:", p)
    print(f"check_calendars: {count} events, {sum(len(v) for v in busy.values())} attendee-sessions, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
