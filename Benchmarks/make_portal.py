#!/usr/bin/env python3
"""Writes a synthetic Tandem portal of N participants for benchmarks.

Usage: make_portal.py N OUT_DIR [--hugo HUGO_DIR] [--seed S] [--sources] [--messages]

The portal reuses the demo's programs and activities (copied from Content/) and generates a
roster with a realistic spread: 12 departments with teams, 9 offices in 7 time zones, a manager
tree, seniority 1-7, skills/goals from a shared vocabulary of 40 phrases, interests, resource
groups (some private), a few avoid lists, recent joiners for onboarding and mentor/mentee roles.
Everyone is in peer-circles; about 20% in learning-groups, 15% in onboarding-buddies and 15% in
leadership-mentoring.

The demo's settings are kept except `messages:`, which is off unless --messages is given: the
outbox (around ten messages a person, each a file) is timed on its own by Benchmarks/run, so
that the site build stays comparable with Hugo's and with earlier figures.

With --sources, the same people come as an admin's files instead of roster.yaml: an HR export
(Content/people.csv: one row per person, MM/DD/YYYY dates, manager by e-mail), a sign-up form
export (Content/signups.csv: one row per person, Google Forms style, lists joined with ", "),
`roster:` and `locations:` in portal.yaml, and a short roster.yaml of hand-kept fields
(capacity, avoid, private).

With --hugo, also writes a Hugo site with one page per participant carrying the same
front-matter data and a single layout, for the side-by-side timing.
"""
import csv
import os
import random
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

DEPARTMENTS = ["Engineering", "Product", "Design", "Sales", "Customer Success", "People", "Finance",
               "Marketing", "Operations", "Legal", "Data", "Security"]
OFFICES = [("London", "Europe/London"), ("Manchester", "Europe/London"), ("Berlin", "Europe/Berlin"),
           ("Lisbon", "Europe/Lisbon"), ("New York", "America/New_York"), ("Austin", "America/Chicago"),
           ("San Francisco", "America/Los_Angeles"), ("Bangalore", "Asia/Kolkata"), ("Singapore", "Asia/Singapore")]
VOCAB = ["public speaking", "negotiation", "sql", "data storytelling", "people management", "product discovery",
         "stakeholder management", "swift", "kubernetes", "ux research", "budgeting", "writing", "coaching",
         "hiring", "time management", "career planning", "presentation design", "customer empathy", "pricing",
         "accessibility", "incident response", "python", "machine learning", "design systems", "giving feedback",
         "strategic thinking", "forecasting", "copywriting", "security reviews", "contract law", "onboarding",
         "mentoring", "facilitation", "roadmapping", "analytics", "go", "rust", "typescript", "sales enablement",
         "procurement"]
INTERESTS = ["climbing", "chess", "running", "cooking", "photography", "gardening", "jazz", "board games",
             "cycling", "sailing", "painting", "hiking", "yoga", "football", "podcasts", "baking", "birding",
             "film", "poetry", "travel"]
GROUPS = ["women-in-tech", "pride-network", "parents-and-carers", "black-employees-network",
          "neurodiversity-network", "veterans-network"]
FIRST = ["Ada", "Bo", "Chidi", "Dana", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kemi", "Lars", "Mina",
         "Nico", "Oona", "Pavel", "Qing", "Rosa", "Sami", "Tariq", "Uma", "Vera", "Wen", "Xavi", "Yara", "Zane"]
LAST = ["Abara", "Berg", "Costa", "Dlamini", "Eriksen", "Fontaine", "Gupta", "Haddad", "Ito", "Jansen", "Kowalski",
        "Lindqvist", "Moreau", "Nakamura", "Okoro", "Petrov", "Quispe", "Rahman", "Silva", "Tanaka", "Ueda",
        "Varga", "Walsh", "Xu", "Yilmaz", "Zhou"]


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    n, out = int(args[0]), args[1]
    hugo = args[args.index("--hugo") + 1] if "--hugo" in args else None
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
    sources = "--sources" in args
    messages = "--messages" in args
    rng = random.Random(seed)

    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "Content"))
    for folder in ["programs", "activities"]:
        shutil.copytree(os.path.join(ROOT, "Content", folder), os.path.join(out, "Content", folder))
    # The demo's settings without its own roster sources (`roster:`, `locations:` and their comment).
    with open(os.path.join(ROOT, "Content", "portal.yaml"), encoding="utf-8") as f:
        settings = f.read()
    for marker in ["\n# The roster is built", "\nroster:", "\nlocations:"]:
        if marker in settings:
            settings = settings[:settings.index(marker) + 1]
    with open(os.path.join(out, "Content", "portal.yaml"), "w", encoding="utf-8") as f:
        if not messages:
            settings = "\n".join("messages: false" if line.startswith("messages:") else line for line in settings.split("\n"))
        f.write(settings)

    people = []
    managers_by_dept = {d: [] for d in DEPARTMENTS}
    for i in range(n):
        dept = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))] if i >= len(DEPARTMENTS) else DEPARTMENTS[i]
        office, tz = OFFICES[rng.randrange(len(OFFICES))]
        seniority = min(7, max(1, int(rng.gauss(3.2, 1.4))))
        pid = f"p{i:06d}"
        manager = None
        pool = managers_by_dept[dept]
        if pool:
            manager = pool[rng.randrange(len(pool))]
        if seniority >= 4 or not pool:
            pool.append(pid)
        recent = rng.random() < 0.15
        joined = f"2026-{rng.randint(9, 11):02d}-{rng.randint(1, 28):02d}" if recent else \
            f"{rng.randint(2012, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        programs = ["peer-circles"]
        role = None
        if rng.random() < 0.2:
            programs.append("learning-groups")
        if recent or rng.random() < 0.05:
            programs.append("onboarding-buddies")
        if rng.random() < 0.15:
            if seniority >= 5:
                programs.append("leadership-mentoring"); role = "mentor"
            elif 2 <= seniority <= 4:
                programs.append("leadership-mentoring"); role = "mentee"
        skills = rng.sample(VOCAB, rng.randint(2, 5))
        goals = rng.sample([v for v in VOCAB if v not in skills], rng.randint(1, 3))
        p = {
            "id": pid, "name": f"{FIRST[rng.randrange(26)]} {LAST[rng.randrange(26)]}",
            "email": f"{pid}@example.com", "title": f"Level {seniority} {dept} specialist",
            "department": dept, "team": f"{dept} {rng.randint(1, max(1, n // 400 + 2))}",
            "manager": manager, "location": office, "timezone": tz, "seniority": seniority, "joined": joined,
            "programs": programs, "role": role, "capacity": rng.randint(1, 3) if role == "mentor" else None,
            "skills": skills, "goals": goals, "interests": rng.sample(INTERESTS, rng.randint(1, 3)),
            "groups": rng.sample(GROUPS, 1) if rng.random() < 0.3 else [],
        }
        people.append(p)
    for p in people:
        if rng.random() < 0.02:
            other = people[rng.randrange(n)]["id"]
            if other != p["id"]:
                p["avoid"] = [other]

    def flow(items):
        return "[" + ", ".join(items) + "]"

    lines = ["participants:"]
    for p in people:
        lines += [f"  - id: {p['id']}", f"    name: {p['name']}", f"    email: {p['email']}",
                  f"    title: {p['title']}", f"    department: {p['department']}", f"    team: {p['team']}"]
        if p["manager"]:
            lines.append(f"    manager: {p['manager']}")
        lines += [f"    location: {p['location']}", f"    timezone: {p['timezone']}",
                  f"    seniority: {p['seniority']}", f"    joined: {p['joined']}",
                  f"    programs: {flow(p['programs'])}"]
        if p["role"]:
            lines.append(f"    roles: {{ leadership-mentoring: {p['role']} }}")
        if p["capacity"]:
            lines.append(f"    capacity: {p['capacity']}")
        lines += [f"    skills: {flow(p['skills'])}", f"    goals: {flow(p['goals'])}",
                  f"    interests: {flow(p['interests'])}"]
        if p["groups"]:
            lines += [f"    groups: {flow(p['groups'])}", "    private: [groups]"]
        if p.get("avoid"):
            lines.append(f"    avoid: {flow(p['avoid'])}")
    if sources:
        write_sources(out, people)
    else:
        with open(os.path.join(out, "Content", "roster.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")

    if hugo:
        if os.path.exists(hugo):
            shutil.rmtree(hugo)
        os.makedirs(os.path.join(hugo, "content", "people"))
        os.makedirs(os.path.join(hugo, "layouts", "_default"))
        with open(os.path.join(hugo, "config.toml"), "w") as f:
            f.write('baseURL = "/"\ntitle = "Benchmark"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n')
        with open(os.path.join(hugo, "layouts", "_default", "single.html"), "w") as f:
            f.write("""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><main><h1>Hello, {{ .Title }}</h1><p>{{ .Params.jobtitle }} · {{ .Params.department }} · {{ .Params.location }}</p>
<h2>Skills</h2><ul>{{ range .Params.skills }}<li>{{ . }}</li>{{ end }}</ul>
<h2>Goals</h2><ul>{{ range .Params.goals }}<li>{{ . }}</li>{{ end }}</ul>
<h2>Programs</h2><ul>{{ range .Params.programs }}<li>{{ . }}</li>{{ end }}</ul>
{{ .Content }}</main></body></html>
""")
        with open(os.path.join(hugo, "layouts", "_default", "list.html"), "w") as f:
            f.write("<!DOCTYPE html><html lang=\"en\"><head><title>{{ .Title }}</title></head><body>"
                    "<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n")
        for p in people:
            with open(os.path.join(hugo, "content", "people", p["id"] + ".md"), "w") as f:
                f.write("---\n" + "\n".join([
                    f"title: \"{p['name']}\"", f"jobtitle: \"{p['title']}\"", f"department: \"{p['department']}\"",
                    f"location: \"{p['location']}\"", f"timezone: \"{p['timezone']}\"",
                    f"skills: {flow(p['skills'])}", f"goals: {flow(p['goals'])}", f"programs: {flow(p['programs'])}",
                ]) + "\n---\nYour peer and your meeting plan appear here.\n")


def write_sources(out, people):
    """The HR export, the sign-up form export and the hand-kept roster.yaml (see --sources)."""
    content = os.path.join(out, "Content")
    email = {p["id"]: p["email"] for p in people}
    with open(os.path.join(content, "people.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["Employee ID", "Full Name", "Work Email", "Business Title", "Department", "Team",
                    "Manager Email", "Office", "Level", "Hire Date"])
        for p in people:
            y, m, d = p["joined"].split("-")
            w.writerow([p["id"].upper(), p["name"], p["email"], p["title"], p["department"], p["team"],
                        email[p["manager"]] if p["manager"] else "", p["location"], f"L{p['seniority']}", f"{m}/{d}/{y}"])
    with open(os.path.join(content, "signups.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(["Timestamp", "Email Address", "Which programs would you like to join?",
                    "Mentor or mentee? (Leadership Mentoring)", "What can you help others with?",
                    "What would you like to grow in?", "Hobbies", "Employee resource groups"])
        for i, p in enumerate(people):
            w.writerow([f"11/{1 + i % 28}/2026 {9 + i % 8}:{i % 60:02d}:{(i * 7) % 60:02d}", p["email"],
                        ", ".join(p["programs"]), (p["role"] or "").capitalize(), ", ".join(p["skills"]),
                        ", ".join(p["goals"]), ", ".join(p["interests"]), ", ".join(p["groups"])])
    with open(os.path.join(content, "portal.yaml"), "a", encoding="utf-8") as f:
        f.write("""roster:
  - file: people.csv
    columns: { "Employee ID": id, "Full Name": name, "Work Email": email, "Business Title": title,
               "Department": department, "Team": team, "Manager Email": manager, "Office": location,
               "Level": seniority, "Hire Date": joined }
    date_format: MM/DD/YYYY
  - file: signups.csv
    match_by: email
    columns: { "Email Address": email, "Which programs would you like to join?": programs,
               "Mentor or mentee? (Leadership Mentoring)": roles.leadership-mentoring,
               "What can you help others with?": skills, "What would you like to grow in?": goals,
               "Hobbies": interests, "Employee resource groups": groups }
locations: { """ + ", ".join(f'"{o}": {z}' for o, z in OFFICES) + " }\n")
    lines = ["participants:"]
    for p in people:
        keep = []
        if p["capacity"]:
            keep.append(f"    capacity: {p['capacity']}")
        if p["groups"]:
            keep.append("    private: [groups]")
        if p.get("avoid"):
            keep.append(f"    avoid: [{', '.join(p['avoid'])}]")
        if keep:
            lines += [f"  - id: {p['id']}"] + keep
    with open(os.path.join(content, "roster.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


main()
