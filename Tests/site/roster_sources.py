"""The demo roster as the site and browser checks see it, read independently of Tandem.

When Content/portal.yaml has `roster:` sources, the participants are merged here from the CSV
files with Python's csv module (the README's rules: sources in order, a form's later answer of
the same person wins, lists split on ';' or ',', programs by slug or title in any case, roles,
manager by id or e-mail, time zones from `locations:`), then Content/roster.yaml's hand-kept
fields on top. Otherwise Content/roster.yaml is the roster. Returns roster.yaml-style dicts.
"""
import csv
import os
import re
from datetime import date

import yaml

LISTS = {"programs", "skills", "goals", "interests", "groups", "avoid", "private"}
LOWER_LISTS = {"skills", "goals", "interests", "groups"}


def _date(text, fmt):
    nums = [int(n) for n in re.split(r"[/.\-]", text.split(" ")[0])]
    order = [c for i, c in enumerate(fmt.upper()) if c in "YMD" and (i == 0 or fmt.upper()[i - 1] != c)]
    parts = dict(zip(order, nums))
    year = parts["Y"] + 2000 if parts["Y"] < 100 else parts["Y"]
    return date(year, parts["M"], parts["D"])


def load_roster(portal):
    content = os.path.join(portal, "Content")
    settings_path = os.path.join(content, "portal.yaml")
    settings = {}
    if os.path.exists(settings_path):
        with open(settings_path, encoding="utf-8") as f:
            settings = yaml.safe_load(f) or {}
    roster_path = os.path.join(content, "roster.yaml")
    hand = []
    if os.path.exists(roster_path):
        with open(roster_path, encoding="utf-8") as f:
            hand = (yaml.safe_load(f) or {}).get("participants") or []
    if not settings.get("roster"):
        return hand

    titles = {}
    for name in os.listdir(os.path.join(content, "programs")):
        if name.endswith(".md"):
            with open(os.path.join(content, "programs", name), encoding="utf-8") as f:
                front = yaml.safe_load(f.read().split("---")[1])
            titles[front["title"].lower()] = name[:-3]
            titles[name[:-3]] = name[:-3]

    people, by_key = [], {}
    for source in settings["roster"]:
        with open(os.path.join(content, source["file"]), encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        headers = {h.strip().lower(): h for h in rows[0].keys()} if rows else {}
        columns = {headers[h.strip().lower()]: t for h, t in source["columns"].items()}
        match_by = source.get("match_by")
        if match_by:
            column = next(h for h, t in columns.items() if t == match_by)
            latest = {row[column].strip().lower(): row for row in rows}
            rows = [row for row in rows if latest[row[column].strip().lower()] is row]
        for row in rows:
            cells = {t: row[h].strip() for h, t in columns.items() if row[h].strip()}
            if match_by:
                person = by_key[(match_by, cells[match_by].lower())]
                cells.pop(match_by)
            else:
                person = {"_dates": source.get("date_format")}
                people.append(person)
            person.update(cells)
            for key in ("id", "email"):
                if key in person:
                    by_key[(key, person[key].lower())] = person

    by_email = {p["email"].lower(): p["id"] for p in people}
    out = []
    for p in people:
        q = {}
        for key, value in p.items():
            if key == "_dates":
                continue
            if key in LISTS:
                items = [i.strip() for i in re.split(r"[;,\n]", value) if i.strip()]
                if key in LOWER_LISTS:
                    items = [i.lower() for i in items]
                if key == "programs":
                    items = [titles[i.lower()] for i in items]
                q[key] = list(dict.fromkeys(items))
            elif key.startswith("roles."):
                q.setdefault("roles", {})[key[6:]] = value.lower()
            elif key == "manager":
                q[key] = by_email[value.lower()] if "@" in value else value.lower()
            elif key == "id":
                q[key] = value.lower()
            elif key == "joined":
                q[key] = _date(value, p["_dates"]) if p["_dates"] else date.fromisoformat(value)
            elif key in ("seniority", "capacity"):
                q[key] = int(re.sub(r"^[A-Za-z ]+", "", value))
            else:
                q[key] = value
        out.append(q)
    index = {p["id"]: p for p in out}
    for entry in hand:
        index[entry["id"]].update({k: v for k, v in entry.items() if k != "id"})
    for p in out:
        if "timezone" not in p:
            p["timezone"] = settings["locations"][p["location"]]
    return out
