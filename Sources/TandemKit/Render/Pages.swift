import Foundation

/// View models: plain dictionaries handed to Mustache (no reflection on the hot path).
struct Pages {
    let model: SiteModel
    private var parts: [String: ProgramParts] = [:]

    /// `programs`: the programs whose shared parts are worked out now (nil: every one).
    init(model: SiteModel, programs: [Int]? = nil) {
        self.model = model
        let builder = self
        parts = Dictionary((programs ?? Array(model.programs.indices)).map { p in
            (model.programs[p].program.slug, ProgramParts(model.programs[p], now: model.now, pages: builder))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// The program's shared parts (see `ProgramParts`).
    func parts(_ b: BuiltProgram) -> ProgramParts { parts[b.program.slug] ?? ProgramParts(b, now: model.now, pages: self) }

    var portal: Portal { model.portal }

    /// Every output's path (`SiteAddresses`): links are computed from these.
    var addresses: SiteAddresses { SiteAddresses(settings: portal.settings) }

    func base(root: String, title: String, noindex: Bool = false) -> ViewObject {
        let s = portal.settings
        return [
            "root": root,
            "pageTitle": title,
            "siteTitle": s.title,
            "tagline": s.tagline,
            "contact": s.contact ?? "",
            "hasContact": s.contact != nil,
            "noindex": noindex || s.noindex,
        ]
    }

    static func formatLabel(_ f: ProgramFormat) -> String {
        switch f {
        case .pairs: return "One-on-one peers"
        case .groups: return "Small groups"
        case .mentoring: return "Mentoring"
        case .reverse: return "Reverse mentoring"
        }
    }

    func programSummary(_ b: BuiltProgram, root: String) -> ViewObject {
        let p = b.program
        return [
            "title": p.title, "summary": p.summary, "slug": p.slug,
            "url": root + SiteAddresses.program(p.slug),
            "format": Pages.formatLabel(p.format),
            "start": p.start.longText,
            "end": b.lastDate.longText,
            "cadence": p.cadence.phrase,
            "sessions": p.sessions,
            "sessionLength": Duration.words(minutes: p.sessionMinutes),
            "meetingTime": Scheduler.twoDigits(p.meetingTime.hour) + ":" + Scheduler.twoDigits(p.meetingTime.minute),
            "timezone": p.timezone,
            "round": p.round,
            "participantCount": b.match.people.count,
            "isGroups": p.format == .groups,
            "isMentoring": p.format.isMentoring,
        ]
    }

    func activitySummary(_ a: Activity, root: String) -> ViewObject {
        [
            "title": a.title, "summary": a.summary, "slug": a.slug,
            "url": root + SiteAddresses.activity(a.slug),
            "duration": Duration.words(minutes: a.durationMinutes),
            "formats": a.formats.count == 2 ? "pairs and groups" : a.formats.contains(.groups) ? "groups only" : "pairs",
        ]
    }

    // MARK: index

    func index() -> ViewObject {
        let root = SiteAddresses.root(of: SiteAddresses.index)
        var c = base(root: root, title: portal.settings.title)
        c["description"] = portal.settings.description
        c["programs"] = model.programs.map { programSummary($0, root: root) }
        c["activities"] = portal.activities.map { activitySummary($0, root: root) }
        c["participantCount"] = portal.participants.count
        return c
    }

    // MARK: program

    /// When the program's session `s` falls: each match meets on its own weekday, so the week
    /// (or, for monthly sessions, the month) rather than the program's nominal date.
    static func sessionWhen(_ s: Session, cadence: Cadence) -> String {
        switch cadence {
        case .monthly: return "\(LocalDate.monthNames[s.date.month - 1]) \(s.date.year)"
        case .weekly, .biweekly:
            let monday = s.date.adding(days: -s.date.weekday)
            return "Week of \(monday.day) \(LocalDate.monthNames[monday.month - 1]) \(monday.year)"
        }
    }

    func sessionRows(_ b: BuiltProgram, root: String) -> [ViewObject] {
        b.sessions.map { Pages.sessionRow($0, root: root, ["number": $0.number, "date": $0.date.longText, "shortDate": $0.date.shortText]) }
    }

    /// `row` with the session's activity: its title, guide and summary.
    static func sessionRow(_ s: Session, root: String, _ row: ViewObject) -> ViewObject {
        var row = row
        if let a = s.activity {
            row["activity"] = a.title
            row["activityURL"] = root + SiteAddresses.activity(a.slug)
            row["activitySummary"] = a.summary
        } else {
            row["activity"] = "Open conversation"
        }
        return row
    }

    func program(_ b: BuiltProgram) -> ViewObject {
        let here = SiteAddresses.program(b.program.slug), root = SiteAddresses.root(of: here)
        var c = base(root: root, title: b.program.title)
        c["program"] = programSummary(b, root: root)
        c["body"] = b.program.bodyHTML
        c["sessions"] = zip(b.sessions, sessionRows(b, root: root)).map { s, row in
            var row = row
            row["date"] = Pages.sessionWhen(s, cadence: b.program.cadence)
            return row
        }
        var seen = Set<String>()
        c["activities"] = b.sessions.compactMap(\.activity).filter { seen.insert($0.slug).inserted }.map { activitySummary($0, root: root) }
        // An unlisted portal has no directory of people and no link to the report.
        c["people"] = portal.settings.unlisted ? [] : b.match.people.map { p in
            ["name": p.name, "url": SiteAddresses.link(from: here, to: addresses.person(b, p)), "department": p.isPrivate("department") ? "" : p.department] as ViewObject
        }
        c["unitCount"] = b.match.units.count
        c["reportURL"] = portal.settings.unlisted ? "" : SiteAddresses.link(from: here, to: addresses.report(b.program.slug))
        c["listsPeople"] = !portal.settings.unlisted
        return c
    }

    // MARK: participant

    /// "Same time zone as you", "1 hour ahead of you", "4 h 30 min behind you".
    static func timeDifference(viewerOffset: Int, peerOffset: Int) -> String {
        let d = peerOffset - viewerOffset
        if d == 0 { return "Same time zone as you" }
        let hours = abs(d) / 60, minutes = abs(d) % 60
        let amount = minutes == 0 ? "\(hours) hour\(hours == 1 ? "" : "s")"
            : hours == 0 ? "\(minutes) min" : "\(hours) h \(minutes) min"
        return "\(amount) \(d > 0 ? "ahead of" : "behind") you"
    }

    func visible(_ p: Participant, _ field: String, _ value: String?) -> String {
        p.isPrivate(field) ? "" : (value ?? "")
    }

    /// One peer as `viewer` sees them: who, why, what in common, how to reach them, and the
    /// peer's own clock at the next session.
    func peerCard(viewer: Participant, peer: Participant, score: PairScore?, b: BuiltProgram, viewerRole: MentoringRole?,
                  next: Session?) -> ViewObject {
        let firstName = Explain.firstName(peer)
        var card: ViewObject = [
            "name": peer.name,
            "firstName": firstName,
            "pronouns": visible(peer, "pronouns", peer.pronouns),
            "title": visible(peer, "title", peer.title),
            "department": visible(peer, "department", peer.department),
            "location": visible(peer, "location", peer.location),
            "email": visible(peer, "email", peer.email),
            "link": visible(peer, "link", peer.link),
            "bio": visible(peer, "bio", peer.bio),
            "role": viewerRole == .mentee ? (b.program.format == .reverse ? "Your reverse mentor" : "Your mentor") : viewerRole == .mentor ? "Your mentee" : "",
        ]
        if let next, !viewer.isPrivate("timezone"), !peer.isPrivate("timezone") {
            let parts = parts(b)
            let mine = parts.local(next, in: viewer.timezone)
            let theirs = parts.local(next, in: peer.timezone)
            card["timeDifference"] = Pages.timeDifference(viewerOffset: mine.offsetMinutes, peerOffset: theirs.offsetMinutes)
            if mine.offsetMinutes != theirs.offsetMinutes {
                card["theirTime"] = "When you meet at \(mine.time), it is \(theirs.time)\(theirs.date == mine.date ? "" : " on \(theirs.date.shortText)") for \(firstName)."
            }
        }
        if let score {
            var reasons = Explain.reasons(viewer: viewer, peer: peer, score: score, program: b.program,
                                          viewerIsMentor: viewerRole.map { $0 == .mentor })
            // A request is shown to the one who made it, and to the other once the match is made.
            if score.bonus > 0 {
                if viewer.prefer.contains(peer.id) { reasons.insert(("You asked to be matched with \(firstName).", score.bonus), at: 0) }
                if peer.prefer.contains(viewer.id) { reasons.insert(("\(firstName) asked to be matched with you.", score.bonus), at: 0) }
            }
            card["reasons"] = reasons.map { ["text": $0.text] as ViewObject }
            card["hasReasons"] = !reasons.isEmpty
            card["score"] = score.total
        }
        let common = Explain.commonGround(viewer, peer)
        card["common"] = Explain.list(common)
        card["hasCommon"] = !common.isEmpty
        return card
    }


    /// The first session that takes place and has not ended at the build's date; without a
    /// date, the first that takes place.
    func nextSessionIndex(_ sessions: [Session]) -> Int? {
        let now = model.now
        return sessions.firstIndex { s in s.skipped == nil && (now.map { s.end > $0 } ?? true) }
    }

    /// Minutes of a session outside the person's own working hours.
    func minutesOutside(_ p: Participant, _ s: Session) -> Int {
        let local = Scheduler.local(s.start, in: p.timezone)
        let parts = local.time.split(separator: ":")
        let minute = Int(parts[0])! * 60 + Int(parts[1])!
        return portal.week(of: p).minutesOutside(weekday: local.date.weekday, from: minute, to: minute + s.minutes)
    }

    /// Whether a session starts before 07:00 or ends after 21:00 on the wall clock of `zone`.
    static func isOutsideWorkingHours(_ s: Session, zone: String) -> Bool {
        let start = Scheduler.local(s.start, in: zone), end = Scheduler.local(s.end, in: zone)
        return start.time < "07:00" || start.date != end.date || end.time > "21:00"
    }

    static func followUpRows(_ s: Session) -> [ViewObject] {
        s.followUps.map { ["label": $0.label, "text": $0.text] as ViewObject }
    }

    func person(_ b: BuiltProgram, _ i: Int) -> ViewObject {
        let me = b.match.people[i]
        let here = addresses.person(b, me), root = SiteAddresses.root(of: here)
        let parts = parts(b)
        var c = base(root: root, title: "\(me.name) — \(b.program.title)", noindex: true)
        c["program"] = parts.summary
        c["person"] = ["name": me.name, "firstName": Explain.firstName(me), "title": visible(me, "title", me.title),
                       "department": visible(me, "department", me.department), "location": visible(me, "location", me.location)] as ViewObject
        let role = b.program.format.isMentoring ? me.roles[b.program.slug] : nil
        let showZone = !me.isPrivate("timezone")
        let zone = showZone ? me.timezone : b.program.timezone
        let units = b.match.unitsOf[i]
        var matches: [ViewObject] = []
        var peerNames: [String] = []
        // Every session of every unit the person is in, in time order.
        var timeline: [(start: Int, row: ViewObject, session: Session, unit: Int)] = []
        for u in units {
            let unit = b.match.units[u]
            let sessions = b.sessions(ofUnit: u)
            let next = nextSessionIndex(sessions).map { sessions[$0] }
            let peers = unit.members.filter { $0 != i }.map { j -> ViewObject in
                let score = unit.pairScores.first { ($0.a == i && $0.b == j) || ($0.a == j && $0.b == i) }?.score
                peerNames.append(b.match.people[j].name)
                return peerCard(viewer: me, peer: b.match.people[j], score: score, b: b, viewerRole: role, next: next)
            }
            let label = unit.kind == .group ? "Your group" : unit.kind == .trio ? "Your trio"
                : role == .mentor ? "Your mentee" : role == .mentee ? "Your mentor" : "Your peer"
            var match: ViewObject = [
                "peers": peers,
                "kindLabel": label,
                "headingID": "match-\(matches.count + 1)",
                "unitURL": SiteAddresses.link(from: here, to: addresses.unit(b, unit)),
                "icsURL": SiteAddresses.link(from: here, to: addresses.calendar(b, unit)),
            ]
            if let slot = slotLines(b, u, viewer: i) {
                match["slot"] = slot.when
                match["slotWhy"] = slot.why ?? ""
            }
            matches.append(match)
            let with = units.count > 1 ? Explain.list(unit.members.filter { $0 != i }.map { Explain.firstName(b.match.people[$0]) }) : ""
            for (k, s) in sessions.enumerated() {
                var row = parts.personRows[k]
                let local = parts.local(s, in: zone)
                row["localDate"] = local.longDate
                row["localTime"] = local.time
                row["date"] = s.date.longText
                row["shortDate"] = s.date.shortText
                if !with.isEmpty { row["with"] = with }
                if let moved = s.moved { row["moved"] = moved }
                if let skipped = s.skipped { row["skipped"] = skipped }
                timeline.append((s.start, row, s, u))
            }
        }
        timeline.sort { ($0.start, $0.unit) < ($1.start, $1.unit) }
        c["matches"] = matches
        c["isMatched"] = !matches.isEmpty
        c["peerNames"] = Explain.list(peerNames)
        c["matchVerb"] = units.count == 1 && b.match.units[units[0]].members.count > 2
            ? "you meet with" : role == .mentee ? "your mentor is" : role == .mentor ? "you mentor" : "you are paired with"
        if let entry = b.match.unmatched.first(where: { $0.person == i }), matches.isEmpty {
            if entry.paused {
                c["isPaused"] = true
                c["pausedReason"] = "You are paused: \(entry.reason)."
            } else {
                c["unmatchedReason"] = Explain.participantReason(entry.reason)
            }
        }
        var rows = timeline.map(\.row)
        if let nextIndex = nextSessionIndex(timeline.map(\.session)), !matches.isEmpty {
            rows[nextIndex]["isNext"] = true
            var next = rows[nextIndex]
            let entry = timeline[nextIndex]
            if showZone, let choice = b.slot(ofUnit: entry.unit), !choice.common, minutesOutside(me, entry.session) > 0 {
                next["outsideHours"] = "That is outside usual working hours where you are: there is no hour when all of you are at work, so this is the time that asks least of everyone."
            }
            c["next"] = next
            c["nextPrep"] = entry.session.activity?.prep ?? ""
            c["nextIsFirst"] = entry.session.number == 1
        }
        c["sessions"] = rows
        addPod(toPerson: &c, b, i, on: here, starts: timeline.map(\.start))
        let shortlist = shortlist(b, i)
        c["shortlist"] = shortlist
        c["hasShortlist"] = !shortlist.isEmpty
        let requests = requests(b, i)
        c["requests"] = requests
        c["hasRequests"] = !requests.isEmpty
        c["zoneName"] = showZone ? zone : ""
        c["timezoneNote"] = showZone ? "Dates and times are in your time zone (\(zone))." : "Dates and times are in the program's time zone (\(b.program.timezone))."
        return c
    }

    /// The partners who would suit the person best (`shortlist:`), with why: names only in an
    /// unlisted portal; otherwise the title and department each of them shows, never a link.
    func shortlist(_ b: BuiltProgram, _ i: Int) -> [ViewObject] {
        guard i < b.match.shortlists.count, let table = b.match.table else { return [] }
        let me = b.match.people[i]
        let role = b.program.format.isMentoring ? me.roles[b.program.slug] : nil
        return b.match.shortlists[i].map { j -> ViewObject in
            let peer = b.match.people[j]
            var fit = table.breakdown(role == .mentee ? j : i, role == .mentee ? i : j)
            fit.total -= fit.bonus
            fit.bonus = 0
            let reasons = Explain.reasons(viewer: me, peer: peer, score: fit, program: b.program, viewerIsMentor: role.map { $0 == .mentor })
            var card: ViewObject = ["name": peer.name, "reasons": reasons.prefix(3).map { ["text": $0.text] as ViewObject }, "hasReasons": !reasons.isEmpty]
            // Set even when empty, so that a section never reads the page's own title.
            card["title"] = portal.settings.unlisted ? "" : visible(peer, "title", peer.title)
            card["department"] = portal.settings.unlisted ? "" : visible(peer, "department", peer.department)
            return card
        }
    }

    /// The person's own requests (`prefer`) in this program and what came of each: shown on
    /// their page only.
    func requests(_ b: BuiltProgram, _ i: Int) -> [ViewObject] {
        let me = b.match.people[i]
        // `prefer_weight: 0` switches requests off for the program: nothing to report on.
        guard !me.prefer.isEmpty, b.program.preferWeight > 0, !b.match.unmatched.contains(where: { $0.person == i && $0.paused }) else { return [] }
        let partners = Set(b.match.unitsOf[i].flatMap { b.match.units[$0].members })
        var refused = 0
        var items = me.prefer.compactMap { id -> ViewObject? in
            guard let other = portal.participant(id) else { return nil }
            let asked = "You asked to be matched with \(other.name)"
            let j = Explain.index(of: id, in: b.match.people)
            if let j, partners.contains(j) { return ["text": "\(asked), and you are."] }
            // A listed portal's pages can be read by anyone with their address: a request
            // that was not granted is never named there.
            guard portal.settings.unlisted else { refused += 1; return nil }
            guard let j else { return ["text": "\(asked). \(Explain.firstName(other)) is not in \(b.program.title)."] }
            return ["text": "\(asked). \(Explain.whyNotPreferred(i, j, match: b.match))"]
        }
        if refused > 0 {
            items.append(["text": refused == 1
                ? "One of your requests could not be granted this round. This page can be read by anyone with its address, so it is not named here: the organisers can tell you why."
                : "\(refused) of your requests could not be granted this round. This page can be read by anyone with its address, so they are not named here: the organisers can tell you why."])
        }
        return items
    }

    /// "Every other Tuesday, 15:00 your time; 09:00 for Keisha (America/Chicago)", and why
    /// when the slot is outside someone's hours.
    func slotLines(_ b: BuiltProgram, _ u: Int, viewer i: Int) -> (when: String, why: String?)? {
        guard let choice = b.slot(ofUnit: u) else { return nil }
        let sessions = b.sessions(ofUnit: u)
        let me = b.match.people[i]
        let parts = parts(b)
        let myZone = me.isPrivate("timezone") ? b.program.timezone : me.timezone
        func phrase(_ s: Session) -> String {
            let mine = parts.local(s, in: myZone)
            let day = LocalDate.weekdayNames[mine.date.weekday]
            let when: String
            switch b.program.cadence {
            case .weekly: when = "Every \(day)"
            case .biweekly: when = choice.alternate == nil ? "Every other \(day)" : "Every four weeks on \(day)"
            case .monthly: when = "The \(["first", "second", "third", "fourth", "fifth"][(mine.date.day - 1) / 7]) \(day) of each month"
            }
            var text = "\(when), \(mine.time) \(me.isPrivate("timezone") ? "(\(myZone))" : "your time")"
            var others: [String] = []
            for j in b.match.units[u].members where j != i {
                let peer = b.match.people[j]
                guard !peer.isPrivate("timezone"), !me.isPrivate("timezone") else { continue }
                let theirs = parts.local(s, in: peer.timezone)
                let theirDay = theirs.date == mine.date ? "" : "\(LocalDate.weekdayNames[theirs.date.weekday]) "
                others.append("\(theirDay)\(theirs.time) for \(Explain.firstName(peer))" + (peer.isPrivate("location") ? "" : " in \(peer.location)"))
            }
            if !others.isEmpty { text += "; " + Explain.list(others) }
            return text
        }
        guard let first = sessions.first else { return nil }
        var when = phrase(first)
        if choice.alternate != nil, sessions.count > 1 { when += ". In between: " + phrase(sessions[1]) }
        guard !choice.common else { return (when + ".", nil) }
        let members = b.match.units[u].members
        let burdened = members.indices.filter { $0 < choice.outside.count && choice.outside[$0] > 0 }
            .map { members[$0] == i ? "you" : Explain.firstName(b.match.people[members[$0]]) }
        var why = "Your working hours do not overlap on any working day, so this is the time that asks least of everyone"
        if !burdened.isEmpty { why += burdened == ["you"] ? " (outside your working hours)" : " (outside the working hours of \(Explain.list(burdened)))" }
        why += choice.alternate != nil ? "; the sessions alternate so that the early or late end does not always fall on the same person." : "."
        return (when + ".", why)
    }

    // MARK: pair / group agenda

    func unit(_ b: BuiltProgram, _ u: Int) -> ViewObject {
        let unit = b.match.units[u]
        let here = addresses.unit(b, unit), root = SiteAddresses.root(of: here)
        let members = unit.members
        let names = Explain.list(members.map { b.match.people[$0].name })
        var c = base(root: root, title: "Meeting plan: \(names) — \(b.program.title)", noindex: true)
        c["program"] = parts(b).summary
        c["members"] = members.map { memberRow(b.match.people[$0], b, on: here) }
        c["names"] = names
        c["kindLabel"] = members.count == 2 ? "pair" : "group"
        c["icsURL"] = SiteAddresses.link(from: here, to: addresses.calendar(b, unit))
        let sessions = b.sessions(ofUnit: u)
        let nextIndex = nextSessionIndex(sessions)
        c["sessions"] = sessions.indices.map { k -> ViewObject in
            var row = agendaRow(b, sessions, k, members: members)
            row["isNext"] = k == nextIndex
            return row
        }
        if let choice = b.slot(ofUnit: u) {
            c["slot"] = "\(b.program.cadence.phrase.prefix(1).uppercased() + b.program.cadence.phrase.dropFirst()), \(choice.slot.spoken) (\(choice.slot.zone))"
                + (choice.alternate.map { ", every other session \($0.spoken) (\($0.zone))" } ?? "") + "."
            c["slotWhy"] = choice.common ? "" : "There is no working hour you all share, so this is the time that asks least of everyone."
        }
        addPod(toUnit: &c, b, u, on: here)
        return c
    }

    private func memberRow(_ p: Participant, _ b: BuiltProgram, on here: String) -> ViewObject {
        ["name": p.name, "url": SiteAddresses.link(from: here, to: addresses.person(b, p)), "timezone": visible(p, "timezone", p.timezone),
         "title": visible(p, "title", p.title), "department": visible(p, "department", p.department)]
    }

    /// One session of an agenda (a pair's, a group's or a pod's): each member's own clock,
    /// the activity, the running time plan and what to do afterwards.
    /// `pod` picks the pod sessions.
    /// `members`: indices into the program's people (a page has a dozen rows: copying each
    /// member's whole roster entry for every row was a measurable part of rendering).
    func agendaRow(_ b: BuiltProgram, _ sessions: [Session], _ k: Int, pod: Bool = false, members: [Int]) -> ViewObject {
        let parts = parts(b)
        let s = sessions[k]
        var row = pod ? parts.podAgendaRows[k] : parts.agendaRows[k]
        row["date"] = s.date.longText
        if let moved = s.moved { row["moved"] = moved }
        if let skipped = s.skipped { row["skipped"] = skipped }
        var times: [ViewObject] = []
        times.reserveCapacity(members.count)
        for j in members where !b.match.people[j].isPrivate("timezone") {
            let p = b.match.people[j]
            let local = parts.local(s, in: p.timezone)
            times.append(["name": Explain.firstName(p), "time": local.time, "date": local.longDate])
        }
        row["times"] = times
        return row
    }

    /// The part of an agenda row that is the same for every pair, group or pod.
    func sharedAgendaRow(_ s: Session, root: String) -> ViewObject {
        var row: ViewObject = ["number": s.number, "date": s.date.longText, "length": Duration.words(minutes: s.minutes)]
        if let a = s.activity {
            row["activity"] = a.title
            row["activityURL"] = root + SiteAddresses.activity(a.slug)
            row["prep"] = a.prep ?? ""
            row["materials"] = a.materials.joined(separator: ", ")
        }
        row["plan"] = Pages.planRows(s)
        row["followUps"] = Pages.followUpRows(s)
        return row
    }

    /// A calendar event's text: who and which session, the activity, what to do before, the
    /// time plan and the follow-ups.
    static func eventDescription(_ s: Session, heading: String) -> String {
        var text = heading + "\n"
        if let a = s.activity { text += "\nActivity: \(a.title). \(a.summary)\n" }
        if let prep = s.activity?.prep { text += "Before: \(prep)\n" }
        text += "\nPlan:\n" + s.plan.map { "\($0.minutes) min  \($0.label)" }.joined(separator: "\n") + "\n"
        text += "\n" + s.followUps.map { "\($0.label): \($0.text)" }.joined(separator: "\n")
        return text
    }

    func calendar(_ b: BuiltProgram, _ u: Int) -> [UInt8] {
        let unit = b.match.units[u]
        let members = unit.members
        let names = Explain.list(members.map { b.match.people[$0].name })
        let p = b.program
        let parts = parts(b)
        let attendees = ICalendar.attendeeLines(members.map { attendee(b.match.people[$0]) })
        let sessions = b.sessions(ofUnit: u)
        // A skipped session has no event; a moved one says why.
        let events = sessions.enumerated().filter { $0.element.skipped == nil }.map { k, s in
            ICalendar.Event(shared: parts.sessionEvents[k].retimed(start: s.start, end: s.end, zone: parts.zone, stamp: parts.stamp, note: s.moved),
                            uid: "\(p.slug)-r\(p.round)-\(unit.id)-\(s.number)@tandem.invalid",
                            heading: "\(p.title), session \(s.number) of \(sessions.count), with \(names).", attendees: attendees,
                            url: absoluteURL(addresses.unit(b, unit)))
        } + podEvents(b, u)
        return ICalendar.document(name: "\(p.title): \(names)", timezone: p.timezone, events: events, extras: calendarExtras(b))
    }

    /// The organizer (the portal's contact, when it is an e-mail address) and the alarm.
    func calendarExtras(_ b: BuiltProgram) -> ICalendar.Extras {
        var extras = ICalendar.Extras(alarmDays: b.program.reminderDays)
        if let contact = portal.settings.contact, Pages.isMailAddress(contact) {
            extras.organizer = contact
        }
        return extras
    }

    /// A bare address such as people@example.com: one '@', no spaces, quotes or brackets.
    static func isMailAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"\"<>(),;:[]\\".unicodeScalars.contains($0) }
    }

    /// `path` (relative to the site's root) under the portal's base_url; nil without one.
    func absoluteURL(_ path: String) -> String? { portal.settings.baseURL.map { $0 + path } }

    /// A calendar attendee: name, and e-mail unless private.
    func attendee(_ p: Participant) -> (String, String?) { (p.name, p.isPrivate("email") ? nil : p.email) }

    // MARK: activities

    static let cardRanks = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"]

    /// `onOwnPage`: the card is the page's subject (its title is the page's h1); in the
    /// printable deck each card sits under the deck's h1.
    func activityContext(_ a: Activity, root: String, onOwnPage: Bool) -> ViewObject {
        var c = activitySummary(a, root: root)
        c["heading"] = onOwnPage ? "h1" : "h2"
        c["subheading"] = onOwnPage ? "h2" : "h3"
        c["materials"] = a.materials
        c["hasMaterials"] = !a.materials.isEmpty
        c["prep"] = a.prep ?? ""
        c["followUp"] = a.followUp ?? ""
        c["body"] = a.bodyHTML
        c["questions"] = a.questions.enumerated().map { ["rank": $0 < Pages.cardRanks.count ? Pages.cardRanks[$0] : "\($0 + 1)", "text": $1] as ViewObject }
        c["hasQuestions"] = !a.questions.isEmpty
        c["traits"] = a.traits.enumerated().map { ["number": $0 + 1, "name": $1.name, "note": $1.note] as ViewObject }
        c["hasTraits"] = !a.traits.isEmpty
        c["prompts"] = a.prompts
        c["hasPrompts"] = !a.prompts.isEmpty
        return c
    }

    func activity(_ a: Activity) -> ViewObject {
        let root = SiteAddresses.root(of: SiteAddresses.activity(a.slug))
        var c = base(root: root, title: a.title)
        c["activity"] = activityContext(a, root: root, onOwnPage: true)
        return c
    }

    func activitiesIndex() -> ViewObject {
        let root = SiteAddresses.root(of: SiteAddresses.activitiesIndex)
        var c = base(root: root, title: "Activity guides")
        c["activities"] = portal.activities.map { activitySummary($0, root: root) }
        return c
    }

    func print() -> ViewObject {
        let root = SiteAddresses.root(of: SiteAddresses.printCards)
        var c = base(root: root, title: "Printable activity cards")
        c["activities"] = portal.activities.map { activityContext($0, root: root, onOwnPage: false) }
        return c
    }
}
