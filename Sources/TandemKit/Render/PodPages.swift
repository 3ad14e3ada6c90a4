import Foundation

/// Pods on the pages: the pod page, the pod sessions in each pair's agenda, participant page
/// and calendar.
extension Pages {
    func podURL(_ pod: Pod, root: String, slug: String) -> String { "\(root)programs/\(slug)/pods/\(portal.settings.podPage(program: slug, pod: pod.slug)).html" }

    func pod(of unit: Int, _ b: BuiltProgram) -> Pod? {
        guard unit < b.match.podOfUnit.count, let k = b.match.podOfUnit[unit] else { return nil }
        return b.match.pods[k]
    }

    /// Names of a pod's members outside `unit`, for "with …" lines.
    func otherPairs(in pod: Pod, besides unit: Int, _ b: BuiltProgram) -> String {
        Explain.list(pod.units.filter { $0 != unit }.map { Explain.list(b.match.units[$0].members.map { b.match.people[$0].name }) })
    }

    /// The first pod session that has not ended; without a date, none (the first pair
    /// session comes first).
    func nextPodSessionIndex(_ b: BuiltProgram) -> Int? {
        guard let now = model.now else { return nil }
        return b.podSessions.firstIndex { $0.end > now }
    }

    static func planRows(_ s: Session) -> [ViewObject] {
        var clock = 0
        return s.plan.map { box -> ViewObject in
            defer { clock += box.minutes }
            return ["label": box.label, "minutes": box.minutes, "detail": box.detail, "from": clock, "to": clock + box.minutes]
        }
    }

    // MARK: pod page

    func pod(_ b: BuiltProgram, _ k: Int) -> ViewObject {
        let root = "../../../"
        let pod = b.match.pods[k]
        let units = pod.units.map { b.match.units[$0] }
        let people = units.flatMap(\.members)
        var c = base(root: root, title: "Pod \(pod.number) — \(b.program.title)", noindex: true)
        c["program"] = parts(b).summary
        c["number"] = pod.number
        c["names"] = Explain.list(people.map { b.match.people[$0].name })
        c["units"] = units.map { unit -> ViewObject in
            [
                "names": Explain.list(unit.members.map { b.match.people[$0].name }),
                "url": "../pairs/\(unitFile(b, unit)).html",
                "kind": unit.kind == .trio ? "Trio" : "Pair",
                "members": unit.members.map { podMemberRow(b.match.people[$0], b) },
            ]
        }
        let next = nextPodSessionIndex(b) ?? (model.now == nil ? 0 : nil)
        c["sessions"] = b.podSessions.indices.map { j -> ViewObject in
            var row = agendaRow(b, session: j, pod: true, members: people)
            row["isNext"] = j == next
            row["count"] = b.podSessions.count
            return row
        }
        c["sessionCount"] = b.podSessions.count
        c["hasSessions"] = !b.podSessions.isEmpty
        return c
    }

    private func podMemberRow(_ p: Participant, _ b: BuiltProgram) -> ViewObject {
        ["name": p.name, "url": "../people/\(personFile(b, p)).html", "title": visible(p, "title", p.title),
         "department": visible(p, "department", p.department), "location": visible(p, "location", p.location)]
    }

    /// The report's list of pods with their mixing scores.
    func podReport(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        guard !m.pods.isEmpty else { return ["hasPods": false] }
        // The report scores each pod once: no need for the planner's matrix of all pairs.
        let score = PodPlanner.scorer(m, matrix: false)
        return [
            "hasPods": true,
            "podSize": b.program.pods ?? 0,
            "podSessionDates": Explain.list(b.podSessions.map(\.date.shortText)),
            "pods": m.pods.map { pod -> ViewObject in
                ["number": pod.number, "url": "pods/\(podFile(b, pod)).html", "score": PodPlanner.score(pod, score),
                 "names": pod.units.map { Explain.list(m.units[$0].members.map { m.people[$0].name }) }.joined(separator: " · ")]
            },
        ]
    }

    // MARK: participant page

    /// Adds the participant's pod, puts the pod sessions into their meeting plan in date
    /// order, and makes a pod session the next one when it comes first.
    func addPod(toPerson c: inout ViewObject, _ b: BuiltProgram, _ i: Int) {
        guard let u = b.match.unitsOf[i].first, let pod = pod(of: u, b), var rows = c["sessions"] as? [ViewObject] else { return }
        let me = b.match.people[i]
        let parts = parts(b)
        let zone = me.isPrivate("timezone") ? b.program.timezone : me.timezone
        let with = otherPairs(in: pod, besides: u, b)
        c["kindWord"] = b.match.units[u].members.count > 2 ? "peers" : "peer"
        c["pod"] = ["number": pod.number, "url": "../pods/\(podFile(b, pod)).html", "with": with,
                    "dates": Explain.list(b.podSessions.indices.map { parts.local(podSession: $0, of: b, in: zone).longDate })] as ViewObject
        let podNext = nextPodSessionIndex(b)
        let pairNext = rows.firstIndex { ($0["isNext"] as? Bool) == true }
        let podComesFirst = podNext.map { p in pairNext.map { b.podSessions[p].start < b.sessions[$0].start } ?? true } ?? false
        if podComesFirst, let pairNext { rows[pairNext]["isNext"] = false }
        var timeline = zip(b.sessions.map(\.start), rows).map { (start: $0, row: $1) }
        let podURL = "../pods/\(podFile(b, pod)).html"
        for (k, s) in b.podSessions.enumerated() {
            let local = parts.local(podSession: k, of: b, in: zone)
            var row = parts.podPersonRows[k]
            row["podWith"] = with
            row["podURL"] = podURL
            row["localDate"] = local.longDate
            row["localTime"] = local.time
            if podComesFirst && k == podNext {
                row["isNext"] = true
                var next = row
                if !me.isPrivate("timezone"), local.outsideWorkingHours {
                    next["outsideHours"] = "That is outside usual working hours where you are: agree a time that suits your pod, and move the calendar entry."
                }
                c["next"] = next
                c["nextPrep"] = s.activity?.prep ?? ""
                c["nextIsFirst"] = false
            }
            timeline.append((s.start, row))
        }
        c["sessions"] = timeline.sorted { $0.start < $1.start }.map(\.row)
    }

    /// What a pod session's row on a participant page has for everyone in the program.
    static func podPersonRow(_ s: Session, root: String) -> ViewObject {
        Pages.sessionRow(s, root: root, ["number": s.number, "isPod": true, "date": s.date.longText, "shortDate": s.date.shortText,
                                         "length": Duration.words(minutes: s.minutes), "followUps": Pages.followUpRows(s)])
    }

    // MARK: pair agenda and calendar

    /// Puts the pod sessions into a pair's agenda, in date order.
    func addPod(toUnit c: inout ViewObject, _ b: BuiltProgram, _ u: Int) {
        guard let pod = pod(of: u, b), let rows = c["sessions"] as? [ViewObject] else { return }
        let unit = b.match.units[u]
        let members = unit.members
        let with = otherPairs(in: pod, besides: u, b)
        c["pod"] = ["number": pod.number, "url": "../pods/\(podFile(b, pod)).html", "with": with] as ViewObject
        var timeline = zip(b.sessions.map(\.start), rows).map { (start: $0, row: $1) }
        for (k, s) in b.podSessions.enumerated() {
            var row = agendaRow(b, session: k, pod: true, members: members)
            row["isPod"] = true
            row["podWith"] = with
            row["podURL"] = "../pods/\(podFile(b, pod)).html"
            timeline.append((s.start, row))
        }
        c["sessions"] = timeline.sorted { $0.start < $1.start }.map(\.row)
    }

    /// Calendar events for the pod sessions of a unit's pod; every unit of the pod carries the
    /// same event (same UID), inviting the whole pod.
    func podEvents(_ b: BuiltProgram, _ u: Int) -> [ICalendar.Event] {
        guard let pod = pod(of: u, b) else { return [] }
        let p = b.program
        let people = pod.units.flatMap { b.match.units[$0].members }
        let names = Explain.list(people.map { b.match.people[$0].name })
        let shared = parts(b).podSessionEvents
        let attendees = ICalendar.attendeeLines(people.map { attendee(b.match.people[$0]) })
        return b.podSessions.enumerated().map { k, s in
            ICalendar.Event(shared: shared[k], uid: "\(p.slug)-r\(p.round)-pod-\(pod.number)-\(s.number)@tandem.invalid",
                            heading: "\(p.title), pod \(pod.number), pod session \(s.number) of \(b.podSessions.count), with \(names).",
                            attendees: attendees, url: absoluteURL("programs/\(p.slug)/pods/\(podFile(b, pod)).html"))
        }
    }
}
