import Foundation

/// Pods on the pages: the pod page, the pod sessions in each pair's agenda, participant page
/// and calendar.
extension Pages {
    func pod(of unit: Int, _ b: BuiltProgram) -> Pod? { podIndex(of: unit, b).map { b.match.pods[$0] } }

    func podIndex(of unit: Int, _ b: BuiltProgram) -> Int? {
        guard unit < b.match.podOfUnit.count, let k = b.match.podOfUnit[unit] else { return nil }
        return k
    }

    /// Names of a pod's members outside `unit`, for "with …" lines.
    func otherPairs(in pod: Pod, besides unit: Int, _ b: BuiltProgram) -> String {
        Explain.list(pod.units.filter { $0 != unit }.map { Explain.list(b.match.units[$0].members.map { b.match.people[$0].name }) })
    }

    /// The first pod session that has not ended; without a date, none (the first pair
    /// session comes first).
    func nextPodSessionIndex(_ sessions: [Session]) -> Int? {
        guard let now = model.now else { return nil }
        return sessions.firstIndex { $0.skipped == nil && $0.end > now }
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
        let pod = b.match.pods[k]
        let here = addresses.pod(b, pod), root = SiteAddresses.root(of: here)
        let units = pod.units.map { b.match.units[$0] }
        let people = units.flatMap(\.members)
        var c = base(root: root, title: "Pod \(pod.number) — \(b.program.title)", noindex: true)
        c["program"] = parts(b).summary
        c["number"] = pod.number
        c["names"] = Explain.list(people.map { b.match.people[$0].name })
        c["units"] = units.map { unit -> ViewObject in
            [
                "names": Explain.list(unit.members.map { b.match.people[$0].name }),
                "url": SiteAddresses.link(from: here, to: addresses.unit(b, unit)),
                "kind": unit.kind == .trio ? "Trio" : "Pair",
                "members": unit.members.map { podMemberRow(b.match.people[$0], b, on: here) },
            ]
        }
        let sessions = b.sessions(ofPod: k)
        let next = nextPodSessionIndex(sessions) ?? (model.now == nil ? sessions.firstIndex { $0.skipped == nil } : nil)
        c["sessions"] = sessions.indices.map { j -> ViewObject in
            var row = agendaRow(b, sessions, j, pod: true, members: people)
            row["isNext"] = j == next
            row["count"] = sessions.count
            return row
        }
        c["sessionCount"] = sessions.count
        c["hasSessions"] = !sessions.isEmpty
        if let slot = podSlotLines(b, k) {
            c["slot"] = slot.when
            c["slotWhy"] = slot.why ?? ""
        }
        return c
    }

    /// The pod's first session as its slot places it (before any move): what shows the slot
    /// on each member's clock.
    func slotSession(_ b: BuiltProgram, _ k: Int) -> Session? {
        guard let choice = b.slot(ofPod: k), var s = b.sessions(ofPod: k).first else { return nil }
        s.date = Scheduler.inWeek(of: s.date, choice.slot)
        s.start = Scheduler.start(s.date, choice.slot)
        return s
    }

    /// The pod page's "when": the slot (weekday and time in its zone) and every member's own
    /// clock ("16:00 for Ada in London, 11:00 for Bo in Austin"), and why when it is outside
    /// someone's hours. Members whose time zone is private are left out of the clocks.
    func podSlotLines(_ b: BuiltProgram, _ k: Int) -> (when: String, why: String?)? {
        guard let choice = b.slot(ofPod: k), let s = slotSession(b, k) else { return nil }
        let parts = parts(b)
        let people = b.match.pods[k].units.flatMap { b.match.units[$0].members }
        let zoneTime = parts.local(s, in: choice.slot.zone)
        var when = "\(LocalDate.weekdayNames[zoneTime.date.weekday]) \(zoneTime.time) (\(choice.slot.zone)) in the week of "
            + (choice.alternate == nil ? "each pod session" : "the first pod session")
        // Grouped by clock, then by place: "16:00 for Wei and Chen in Singapore".
        var clocks: [(clock: String, places: [(place: String, names: [String])])] = []
        for p in people.map({ b.match.people[$0] }) where !p.isPrivate("timezone") {
            let theirs = parts.local(s, in: p.timezone)
            let clock = (theirs.date == zoneTime.date ? "" : "\(LocalDate.weekdayNames[theirs.date.weekday]) ") + theirs.time
            let place = p.isPrivate("location") ? "" : p.location
            let c = clocks.firstIndex { $0.clock == clock } ?? { clocks.append((clock, [])); return clocks.count - 1 }()
            if let q = clocks[c].places.firstIndex(where: { $0.place == place }) {
                clocks[c].places[q].names.append(Explain.firstName(p))
            } else {
                clocks[c].places.append((place, [Explain.firstName(p)]))
            }
        }
        if !clocks.isEmpty {
            when += ": " + clocks.map { c in
                "\(c.clock) for " + Explain.list(c.places.map { Explain.list($0.names) + ($0.place.isEmpty ? "" : " in \($0.place)") })
            }.joined(separator: "; ")
        }
        if let alternate = choice.alternate { when += "; \(alternate.spoken) (\(alternate.zone)) in the week of the second" }
        guard !choice.common else { return (when + ".", nil) }
        let burdened = people.indices.filter { $0 < choice.outside.count && choice.outside[$0] > 0 }.map { Explain.firstName(b.match.people[people[$0]]) }
        var why = "There is no working hour the whole pod shares, so this is the time that asks least of everyone"
        if !burdened.isEmpty { why += " (outside the working hours of \(Explain.list(burdened)))" }
        why += choice.alternate != nil ? "; the two pod sessions alternate so that the early or late end does not fall on the same people twice." : "."
        return (when + ".", why)
    }

    private func podMemberRow(_ p: Participant, _ b: BuiltProgram, on here: String) -> ViewObject {
        ["name": p.name, "url": SiteAddresses.link(from: here, to: addresses.person(b, p)), "title": visible(p, "title", p.title),
         "department": visible(p, "department", p.department), "location": visible(p, "location", p.location)]
    }

    /// The report's list of pods with their mixing scores.
    func podReport(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        guard !m.pods.isEmpty else { return ["hasPods": false] }
        // The report scores each pod once: no need for the planner's matrix of all pairs.
        let score = PodPlanner.scorer(m, matrix: false)
        let report = addresses.report(b.program.slug)
        return [
            "hasPods": true,
            "podSize": b.program.pods ?? 0,
            "podSessionDates": Explain.list(b.podTemplate.map { "the week of \($0.date.adding(days: -$0.date.weekday).shortText)" }),
            "pods": m.pods.map { pod -> ViewObject in
                ["number": pod.number, "url": SiteAddresses.link(from: report, to: addresses.pod(b, pod)), "score": PodPlanner.score(pod, score),
                 "names": pod.units.map { Explain.list(m.units[$0].members.map { m.people[$0].name }) }.joined(separator: " · ")]
            },
        ]
    }

    // MARK: participant page

    /// Adds the participant's pod, puts the pod sessions into their meeting plan in date
    /// order (`starts`: the start of each row already there), and makes a pod session the next
    /// one when it comes first. `here`: the participant page's path.
    func addPod(toPerson c: inout ViewObject, _ b: BuiltProgram, _ i: Int, on here: String, starts: [Int]) {
        guard let u = b.match.unitsOf[i].first, let k = podIndex(of: u, b), var rows = c["sessions"] as? [ViewObject] else { return }
        let pod = b.match.pods[k]
        let sessions = b.sessions(ofPod: k)
        let me = b.match.people[i]
        let podURL = SiteAddresses.link(from: here, to: addresses.pod(b, pod))
        let parts = parts(b)
        let zone = me.isPrivate("timezone") ? b.program.timezone : me.timezone
        let with = otherPairs(in: pod, besides: u, b)
        c["kindWord"] = b.match.units[u].members.count > 2 ? "peers" : "peer"
        var podView: ViewObject = ["number": pod.number, "url": podURL, "with": with,
                                   "dates": Explain.list(sessions.filter { $0.skipped == nil }.map { parts.local($0, in: zone).longDate })]
        if let s = slotSession(b, k) {
            podView["slot"] = "at \(parts.local(s, in: zone).time) " + (me.isPrivate("timezone") ? "(\(zone))" : "your time")
        }
        c["pod"] = podView
        let podNext = nextPodSessionIndex(sessions)
        let pairNext = rows.firstIndex { ($0["isNext"] as? Bool) == true }
        let podComesFirst = podNext.map { p in pairNext.map { sessions[p].start < starts[$0] } ?? true } ?? false
        if podComesFirst, let pairNext { rows[pairNext]["isNext"] = false }
        var timeline = zip(starts, rows).map { (start: $0, row: $1) }
        for (j, s) in sessions.enumerated() {
            let local = parts.local(s, in: zone)
            var row = parts.podPersonRows[j]
            row["podWith"] = with
            row["podURL"] = podURL
            row["localDate"] = local.longDate
            row["localTime"] = local.time
            row["date"] = s.date.longText
            if let moved = s.moved { row["moved"] = moved }
            if let skipped = s.skipped { row["skipped"] = skipped }
            if podComesFirst && j == podNext {
                row["isNext"] = true
                var next = row
                if !me.isPrivate("timezone"), local.outsideWorkingHours {
                    next["outsideHours"] = "That is outside usual working hours where you are: no time that week suits the whole pod better."
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

    /// Puts the pod sessions into a pair's agenda (at `here`), in date order.
    func addPod(toUnit c: inout ViewObject, _ b: BuiltProgram, _ u: Int, on here: String) {
        guard let p = podIndex(of: u, b), let rows = c["sessions"] as? [ViewObject] else { return }
        let pod = b.match.pods[p]
        let unit = b.match.units[u]
        let members = unit.members
        let with = otherPairs(in: pod, besides: u, b)
        let podURL = SiteAddresses.link(from: here, to: addresses.pod(b, pod))
        c["pod"] = ["number": pod.number, "url": podURL, "with": with] as ViewObject
        var timeline = zip(b.sessions(ofUnit: u).map(\.start), rows).map { (start: $0, row: $1) }
        let sessions = b.sessions(ofPod: p)
        for (k, s) in sessions.enumerated() {
            var row = agendaRow(b, sessions, k, pod: true, members: members)
            row["isPod"] = true
            row["podWith"] = with
            row["podURL"] = podURL
            timeline.append((s.start, row))
        }
        c["sessions"] = timeline.sorted { $0.start < $1.start }.map(\.row)
    }

    /// Calendar events for the pod sessions of a unit's pod; every unit of the pod carries the
    /// same event (same UID), inviting the whole pod.
    func podEvents(_ b: BuiltProgram, _ u: Int) -> [ICalendar.Event] {
        guard let q = podIndex(of: u, b) else { return [] }
        let pod = b.match.pods[q]
        let p = b.program
        let people = pod.units.flatMap { b.match.units[$0].members }
        let names = Explain.list(people.map { b.match.people[$0].name })
        let parts = parts(b)
        let attendees = ICalendar.attendeeLines(people.map { attendee(b.match.people[$0]) })
        let sessions = b.sessions(ofPod: q)
        return sessions.enumerated().filter { $0.element.skipped == nil }.map { k, s in
            ICalendar.Event(shared: parts.podSessionEvents[k].retimed(start: s.start, end: s.end, zone: parts.zone, stamp: parts.stamp),
                            uid: "\(p.slug)-r\(p.round)-pod-\(pod.number)-\(s.number)@tandem.invalid",
                            heading: "\(p.title), pod \(pod.number), pod session \(s.number) of \(sessions.count), with \(names).",
                            attendees: attendees, url: absoluteURL(addresses.pod(b, pod)))
        }
    }
}
