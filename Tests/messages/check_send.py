#!/usr/bin/env python3
"""End-to-end check of the outbox and `tandem send` against a real SMTP server.

Starts aiosmtpd on 127.0.0.1 (a free port), builds copies of the demo portal and checks:
- every matched participant receives exactly one intro per program, addressed to them, linking
  their own page under base_url; everyone left without a match gets that message instead;
- every message parses with email.policy.strict; the .ics attachment parses with icalendar
  and its events are the unit's sessions as the site's calendar for that unit publishes them;
- a second send delivers nothing;
- a send killed with SIGKILL part-way, then run again, delivers every message exactly once;
- a server refusing one recipient: the others are delivered, exit status 1, and the next run
  retries only that one;
- after one person leaves a program and a rebuild, only the messages of the people concerned
  differ; after a mentee joins, only their intro and their mentor's new-partner message.

Usage: check_send.py path/to/tandem
"""
import asyncio
import datetime
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import icalendar
import yaml
from aiosmtpd.controller import Controller

# aiosmtpd logs the failed handshakes and garbage the bad-server checks provoke on purpose.
import logging
logging.getLogger("mail.log").setLevel(logging.CRITICAL)

TANDEM = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/tandem")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_URL = "https://peers.northwind.example/"
# 2026-12-06: the day the test portals are built (after the demo's rounds were locked).
EPOCH = "1796515200"
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)


class Handler:
    """Records every delivered message; can refuse recipients and slow down each transaction."""

    def __init__(self, refuse=(), delay=0.0):
        self.refuse = set(refuse)
        self.delay = delay
        self.delivered = []  # (recipients, bytes)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.delay:
            # Before the message is accepted: a client killed here has delivered nothing.
            await asyncio.sleep(self.delay)
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.delivered.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.delivered)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, handler, **options):
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"


def env(epoch=EPOCH):
    e = dict(os.environ)
    e["SOURCE_DATE_EPOCH"] = epoch
    e.pop("TANDEM_SMTP_USER", None)
    e.pop("TANDEM_SMTP_PASSWORD", None)
    return e


def run(*args, portal, epoch=EPOCH):
    return subprocess.run([TANDEM, *args], cwd=portal, env=env(epoch), capture_output=True, text=True)


NEWCOMER = """  - id: zoe-angstrom
    name: Zoë Ångström
    email: zoe.angstrom@northwind.example
    title: Graduate Engineer
    department: Engineering
    location: Stockholm
    timezone: Europe/Stockholm
    joined: 2026-11-30
    programs: [onboarding-buddies]
"""


NEW_MENTEE = """  - id: nia-newcomer
    name: Nia Newcomer
    email: nia.newcomer@northwind.example
    title: Engineer
    department: Engineering
    location: London
    timezone: Europe/London
    seniority: 2
    programs: [leadership-mentoring]
    roles: { leadership-mentoring: mentee }
    goals: [people management]
"""


def make_portal(workdir, name):
    """A copy of the demo's Content/ plus a newcomer with a non-ASCII name in onboarding-buddies,
    whose round is matched again from scratch: an odd count, so that someone sits out."""
    portal = os.path.join(workdir, name)
    shutil.copytree(os.path.join(REPO, "Content"), os.path.join(portal, "Content"))
    plain_roster(portal)
    shutil.rmtree(os.path.join(portal, "Content", "matches", "onboarding-buddies"))
    with open(os.path.join(portal, "Content", "roster.yaml"), "a", encoding="utf-8") as f:
        f.write(NEWCOMER)
    settings = yaml.safe_load(open(os.path.join(portal, "Content", "portal.yaml"), encoding="utf-8"))
    assert settings.get("base_url") == BASE_URL and settings.get("messages") is True, settings
    build(portal)
    return portal


def plain_roster(portal):
    """The demo builds its roster from an HR export and a sign-up form (`roster:` in
    portal.yaml); these checks edit Content/roster.yaml, so the copy gets the merged roster
    as a plain roster.yaml, printed by `tandem roster`, and loses its roster sources."""
    r = run("roster", ".", portal=portal)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit("tandem roster failed")
    content = os.path.join(portal, "Content")
    with open(os.path.join(content, "roster.yaml"), "w", encoding="utf-8") as f:
        f.write(r.stdout)
    path = os.path.join(content, "portal.yaml")
    text = open(path, encoding="utf-8").read()
    for marker in ["\n# The roster is built", "\nroster:", "\nlocations:"]:
        if marker in text:
            text = text[:text.index(marker) + 1]
    open(path, "w", encoding="utf-8").write(text)
    for name in ["people.csv", "signups.csv"]:
        if os.path.exists(os.path.join(content, name)):
            os.remove(os.path.join(content, name))


def build(portal, epoch=EPOCH):
    r = run("build", ".", portal=portal, epoch=epoch)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        raise SystemExit("tandem build failed")


def read_csv_rows(portal):
    import csv
    with open(os.path.join(portal, "Outbox", "messages.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def locks(portal):
    out = {}
    folder = os.path.join(portal, "Content", "matches")
    for slug in sorted(os.listdir(folder)):
        with open(os.path.join(folder, slug, "round-1.yaml"), encoding="utf-8") as f:
            out[slug] = yaml.safe_load(f)
    return out


def roster(portal):
    with open(os.path.join(portal, "Content", "roster.yaml"), encoding="utf-8") as f:
        return {p["id"]: p for p in yaml.safe_load(f)["participants"]}


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.strict)


def test_intros(workdir):
    portal = make_portal(workdir, "intros")
    lock = locks(portal)
    people = roster(portal)
    first_day = max(str(l["locked"]) for l in lock.values())
    check(any(l.get("sat_out") for l in lock.values()), "someone sits out in the test portal")
    with Server(Handler()) as server:
        r = run("send", ".", "--smtp", server.url, "--until", first_day, portal=portal)
        check(r.returncode == 0, f"send exited {r.returncode}: {r.stderr}")
        delivered = list(server.handler.delivered)
        by_id = {}
        for recipients, data in delivered:
            msg = parse(data)  # raises on any defect under the strict policy
            check(len(recipients) == 1, f"one recipient per message, got {recipients}")
            kind = msg["X-Tandem-Kind"]
            program = msg["X-Tandem-Program"]
            check(msg["To"].addresses[0].addr_spec == recipients[0], f"To matches the envelope: {msg['To']}")
            by_id.setdefault((program, recipients[0]), []).append((kind, msg))
        check(len(delivered) > 0, "the first send delivered messages")
        email_of = {pid: p["email"] for pid, p in people.items()}
        for slug, l in lock.items():
            matched = {m for unit in l.get("matches") or [] for m in unit["members"]}
            left = [p["id"] for p in (l.get("sat_out") or []) + (l.get("unmatched") or [])]
            # A match re-made after the round was locked (an ended or dissolved one, `added:` in
            # the lock file) is announced by a new-partner message instead of an intro.
            added = {m for unit in l.get("matches") or [] if unit.get("added") for m in unit["members"]}
            for pid in sorted(matched):
                got = by_id.get((slug, email_of[pid]), [])
                intros = [(kind, m) for kind, m in got if kind in ("intro", "new-partner")]
                check(len(intros) == 1, f"{slug}/{pid}: exactly one intro (or new-partner message), got {[k for k, _ in got]}")
                if not intros:
                    continue
                kind, msg = intros[0]
                check(kind == "intro" or pid in added, f"{slug}/{pid}: a new-partner message only for a match made after the lock")
                check(msg["To"].addresses[0].display_name == people[pid]["name"], f"{slug}/{pid}: To names them: {msg['To']}")
                page = f"{BASE_URL}programs/{slug}/people/{pid}.html"
                text = msg.get_body(("plain",)).get_content()
                html = msg.get_body(("html",)).get_content()
                check(page in text and page in html, f"{slug}/{pid}: links their own page {page}")
                others = [q for q in matched if q != pid and f"/people/{q}.html" in text]
                check(not others, f"{slug}/{pid}: links other people's pages {others}")
                check_calendar(msg, portal, pid, slug)
            for pid in left:
                got = by_id.get((slug, email_of[pid]), [])
                kinds = sorted(k for k, _ in got)
                check(kinds in (["sat-out"], ["unmatched"]), f"{slug}/{pid}: left without a match gets that message only, got {kinds}")
                for _, msg in got:
                    reason = next(p["reason"] for p in (l.get("sat_out") or []) + (l.get("unmatched") or []) if p["id"] == pid)
                    text = " ".join(msg.get_body(("plain",)).get_content().split())
                    check(reason in text, f"{slug}/{pid}: gives the reason")
        check(("onboarding-buddies", "zoe.angstrom@northwind.example") in by_id, "the newcomer with a non-ASCII name was told")
        sat_out = [p["id"] for l in lock.values() for p in l.get("sat_out") or []]
        check(all(any(k == "sat-out" for k, _ in by_id.get((s, email_of[p]), [])) for s, l in lock.items() for p in [q["id"] for q in l.get("sat_out") or []]),
              f"everyone who sat out got the sat-out message: {sat_out}")
        for kind, msg in by_id.get(("onboarding-buddies", "zoe.angstrom@northwind.example"), []):
            check(msg["To"].addresses[0].display_name == "Zoë Ångström", f"encoded-word name decodes: {msg['To']}")
        # A second run delivers nothing.
        before = server.handler.count()
        r = run("send", ".", "--smtp", server.url, "--until", first_day, portal=portal)
        check(r.returncode == 0, f"second send exited {r.returncode}: {r.stderr}")
        check(server.handler.count() == before, f"second send delivered {server.handler.count() - before} messages")
    print(f"intros: {len(delivered)} messages checked")


def unit_calendars(portal, slug, pid):
    """The events the site publishes for each of pid's units (Site/programs/<slug>/pairs/<ids>.ics):
    (UID, start, end) of its own sessions. Each unit has its own slot (see check_calendars.py,
    which checks those calendars against everyone's working week independently)."""
    folder = os.path.join(portal, "Site", "programs", slug, "pairs")
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".ics") and pid in name[:-4].split("--"):
            with open(os.path.join(folder, name), "rb") as f:
                out.append(sorted(session_events(icalendar.Calendar.from_ical(f.read()))))
    return out


def session_events(cal):
    return [(str(e.get("UID")), e.decoded("DTSTART"), e.decoded("DTEND")) for e in cal.walk("VEVENT") if "-pod-" not in str(e.get("UID"))]


def check_calendar(msg, portal, pid, slug):
    attachments = list(msg.iter_attachments())
    check(len(attachments) >= 1, f"{slug}/{pid}: the intro carries the unit's calendar")
    # A mentor with several mentees is told of each match, each with its own calendar.
    units = unit_calendars(portal, slug, pid)
    check(units, f"{slug}/{pid}: the site has the unit's calendar")
    for part in attachments:
        check(part.get_content_type() == "text/calendar", f"{slug}/{pid}: attachment is text/calendar")
        cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        check(str(cal.get("METHOD")) == "PUBLISH", f"{slug}/{pid}: METHOD:PUBLISH")
        events = [e for e in cal.walk("VEVENT") if "-pod-" not in str(e.get("UID"))]
        got = sorted(session_events(cal))
        check(got in units, f"{slug}/{pid}: calendar events {got[:1]}… are one of their units' sessions on the site")
        for e in events:
            attendees = [str(a).lower() for a in (e.get("ATTENDEE") if isinstance(e.get("ATTENDEE"), list) else [e.get("ATTENDEE")])]
            check(any(pid.split("-")[0] in a for a in attendees), f"{slug}/{pid}: invited to their own events")
            check(str(e.get("URL", "")).startswith(BASE_URL), f"{slug}/{pid}: event URL under base_url")
            check("mailto:" in str(e.get("ORGANIZER", "")), f"{slug}/{pid}: event has an ORGANIZER")


def message_ids(portal, until):
    ids = []
    out = os.path.join(portal, "Outbox")
    for day in sorted(os.listdir(out)):
        if not day[:4].isdigit() or day > until:
            continue
        for program in os.listdir(os.path.join(out, day)):
            for name in os.listdir(os.path.join(out, day, program)):
                with open(os.path.join(out, day, program, name), "rb") as f:
                    ids.append(parse(f.read())["Message-ID"])
    return ids


def test_kill_and_resume(workdir):
    portal = make_portal(workdir, "kill")
    until = "2027-01-31"
    expected = message_ids(portal, until)
    handler = Handler(delay=0.01)
    with Server(handler) as server:
        proc = subprocess.Popen([TANDEM, "send", ".", "--smtp", server.url, "--until", until, "--rate", "40/s"],
                                cwd=portal, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while handler.count() < len(expected) // 3 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = handler.count()
        check(0 < killed_at < len(expected), f"the kill landed part-way ({killed_at} of {len(expected)})")
        r = run("send", ".", "--smtp", server.url, "--until", until, portal=portal)
        check(r.returncode == 0, f"resumed send exited {r.returncode}: {r.stderr}")
        got = [parse(data)["Message-ID"] for _, data in handler.delivered]
        duplicates = sorted({i for i in got if got.count(i) > 1})
        check(not duplicates, f"delivered twice: {duplicates[:3]}")
        check(sorted(got) == sorted(expected), f"every message exactly once: {len(got)} delivered, {len(expected)} expected")
    print(f"kill: killed after {killed_at} of {len(expected)}, then all delivered once")


def test_refused_recipient(workdir):
    portal = make_portal(workdir, "refuse")
    first_day = max(str(l["locked"]) for l in locks(portal).values())
    expected = message_ids(portal, first_day)
    # Someone matched in onboarding-buddies: their intro is among the first day's messages.
    refused = roster(portal)[locks(portal)["onboarding-buddies"]["matches"][0]["members"][0]]["email"]
    with Server(Handler(refuse={refused})) as server:
        r = run("send", ".", "--smtp", server.url, "--until", first_day, portal=portal)
        check(r.returncode == 1, f"a refused recipient makes the exit status 1, got {r.returncode}")
        check(f"tandem: {refused}: 550 mailbox unavailable" in r.stderr, f"the refusal is reported: {r.stderr!r}")
        delivered = [(rcpt, parse(data)["Message-ID"]) for rcpt, data in server.handler.delivered]
        to_refused = [i for i in expected if parse_to(portal, i) == refused]
        check(len(delivered) == len(expected) - len(to_refused), f"all others delivered: {len(delivered)} of {len(expected) - len(to_refused)}")
        check(all(rcpt != [refused] for rcpt, _ in delivered), "nothing delivered to the refused address")
        logs = "".join(open(os.path.join(portal, "Content", "sent", n), encoding="utf-8").read()
                       for n in os.listdir(os.path.join(portal, "Content", "sent")))
        check(" failed <" in logs, "the refusal is logged as failed")
        check("@" in logs and refused not in logs and "https://" not in logs, "the sent log holds ids and dates only")
    with Server(Handler()) as server:
        r = run("send", ".", "--smtp", server.url, "--until", first_day, portal=portal)
        check(r.returncode == 0, f"the retry exited {r.returncode}: {r.stderr}")
        again = [rcpt for rcpt, _ in server.handler.delivered]
        check(again and all(rcpt == [refused] for rcpt in again) and len(again) == len(to_refused),
              f"the next run retries only the refused one: {again}")
    print(f"refuse: {refused} refused, {len(to_refused)} retried")


_to_cache = {}


def parse_to(portal, message_id):
    if portal not in _to_cache:
        table = {}
        out = os.path.join(portal, "Outbox")
        for root, _, files in os.walk(out):
            for name in files:
                if name.endswith(".eml"):
                    with open(os.path.join(root, name), "rb") as f:
                        m = parse(f.read())
                    table[m["Message-ID"]] = m["To"].addresses[0].addr_spec
        _to_cache[portal] = table
    return _to_cache[portal][message_id]


def outbox_files(portal):
    out = {}
    base = os.path.join(portal, "Outbox")
    for root, _, files in os.walk(base):
        for name in files:
            if name.endswith(".eml"):
                path = os.path.relpath(os.path.join(root, name), base)
                with open(os.path.join(root, name), "rb") as f:
                    out[path] = f.read()
    return out


def test_roster_change(workdir):
    portal = make_portal(workdir, "change")
    before = outbox_files(portal)
    lock_before = locks(portal)["onboarding-buddies"]
    build(portal)
    check(outbox_files(portal) == before, "a rebuild of the same sources gives byte-identical messages")
    # One person leaves the onboarding program (keeps their roster entry).
    leaver = lock_before["matches"][0]["members"][0]
    path = os.path.join(portal, "Content", "roster.yaml")
    text = open(path, encoding="utf-8").read()
    start = text.index(f"  - id: {leaver}\n")
    line = text.index("    programs: [", start)
    end = text.index("\n", line)
    programs_line = text[line:end]
    new_programs = ", ".join(p.strip() for p in programs_line.split("[")[1].rstrip("]").split(",") if p.strip() != "onboarding-buddies")
    text = text[:line] + f"    programs: [{new_programs}]" + text[end:]
    open(path, "w", encoding="utf-8").write(text)
    # A week later: the build time alone changes no message.
    build(portal, epoch=str(int(EPOCH) + 7 * 86400))
    after = outbox_files(portal)
    lock_after = locks(portal)["onboarding-buddies"]
    units_before = {tuple(sorted(u["members"])) for u in lock_before["matches"]}
    units_after = {tuple(sorted(u["members"])) for u in lock_after["matches"]}
    concerned = {leaver}
    for unit in units_before ^ units_after:
        concerned.update(unit)
    for p in (lock_before.get("unmatched") or []) + (lock_before.get("sat_out") or []) + (lock_after.get("unmatched") or []) + (lock_after.get("sat_out") or []):
        if p["id"] in concerned or p["id"] not in {q["id"] for q in (lock_before.get("unmatched") or []) + (lock_before.get("sat_out") or [])} \
                or p["id"] not in {q["id"] for q in (lock_after.get("unmatched") or []) + (lock_after.get("sat_out") or [])}:
            concerned.add(p["id"])
    changed = sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))
    check(changed, "the roster change changed some messages")
    strangers = []
    for p in changed:
        program = p.split(os.sep)[1]
        person = os.path.basename(p)
        if program != "onboarding-buddies" or not any(f"-{c}." in person or f"-{c}-" in person for c in concerned):
            strangers.append(p)
    check(not strangers, f"messages of people not concerned changed: {strangers[:5]}")
    check(any(f"intro-{leaver}." in p for p in changed), "the leaver's intro is gone")
    print(f"roster change: {len(changed)} message files differ, all of {sorted(concerned)}")
    # A mentee joins the mentoring program: the mentor who takes them is told of the new match,
    # the newcomer gets an intro, and no other message changes (the mentor's intro included).
    with open(path, "a", encoding="utf-8") as f:
        f.write(NEW_MENTEE)
    build(portal, epoch=str(int(EPOCH) + 14 * 86400))
    later = outbox_files(portal)
    unit = next(u for u in locks(portal)["leadership-mentoring"]["matches"] if "nia-newcomer" in u["members"])
    mentor = unit["members"][0]
    changed = sorted(p for p in set(after) | set(later) if after.get(p) != later.get(p))
    check(sorted(os.path.basename(p) for p in changed) == sorted(["intro-nia-newcomer.eml", f"new-partner-{mentor}.eml"]),
          f"a new mentee changes only their intro and their mentor's new-partner message: {changed}")
    print(f"new mentee: {changed}")


def test_bad_servers(workdir):
    """A wrong scheme, a closed port, TLS against a plain server: one line, exit 1, nothing recorded."""
    portal = make_portal(workdir, "bad")
    sent = os.path.join(portal, "Content", "sent")
    closed = free_port()
    with Server(Handler()) as server:
        tls_url = server.url.replace("smtp://", "smtps://")
        for url, words in [("http://127.0.0.1:25", "--smtp must be smtp://"), (f"smtp://127.0.0.1:{closed}", "onnect"),
                           (tls_url, "SSL")]:
            r = run("send", ".", "--smtp", url, "--until", "2027-12-31", portal=portal)
            lines = [line for line in r.stderr.splitlines() if line]
            check(r.returncode == 1, f"{url}: exit status {r.returncode}")
            check(len(lines) == 1 and words in lines[0], f"{url}: one clear line, got {lines}")
            check(not os.path.exists(sent) or not any(open(os.path.join(sent, n)).read().count(" sent ") for n in os.listdir(sent)),
                  f"{url}: something was recorded as sent")
        check(server.handler.count() == 0, "nothing reached the server")
    # A sent log edited into garbage: a positioned error, and nothing is sent.
    os.makedirs(sent, exist_ok=True)
    with open(os.path.join(sent, "peer-circles.log"), "w", encoding="utf-8") as f:
        f.write("2026-12-06 sent <a@b>\nthis is not a log line\n")
    with Server(Handler()) as server:
        r = run("send", ".", "--smtp", server.url, "--until", "2027-12-31", portal=portal)
        check(r.returncode == 1 and "Content/sent/peer-circles.log:2:1: error:" in r.stderr, f"garbage log: {r.returncode} {r.stderr!r}")
        check(server.handler.count() == 0, "nothing is sent past a garbage log")
    # A server that offers STARTTLS with a certificate nobody trusts: tandem takes up the offer
    # (a plain send would have gone through) and stops at the failed verification.
    import ssl
    key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    shutil.rmtree(sent)
    with Server(Handler(), tls_context=context) as server:
        r = run("send", ".", "--smtp", server.url, "--until", "2027-12-31", portal=portal)
        lines = [line for line in r.stderr.splitlines() if line]
        check(r.returncode == 1 and len(lines) == 1 and "tandem: error:" in lines[0], f"STARTTLS with an untrusted certificate: {lines}")
        check(server.handler.count() == 0 and not os.path.exists(sent), "nothing sent or recorded after a TLS failure")
    print("bad servers, TLS failure and a garbage log: one line each, nothing sent or recorded")


def main():
    if not os.path.exists(TANDEM):
        raise SystemExit(f"no tandem binary at {TANDEM}")
    workdir = tempfile.mkdtemp(prefix="tandem-send-")
    try:
        test_intros(workdir)
        test_kill_and_resume(workdir)
        test_refused_recipient(workdir)
        test_roster_change(workdir)
        test_bad_servers(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        sys.exit(1)
    print("check_send: all passed")


if __name__ == "__main__":
    main()
