import Foundation

/// What a message is about.
public enum MessageKind: String, CaseIterable, Sendable, Comparable {
    /// Who you are matched with and why, sent the day the round is locked (or the day a
    /// newcomer is matched), with the unit's calendar attached.
    case intro
    /// A roster change dissolved your match and you were matched again.
    case newPartner = "new-partner"
    /// The odd-count policy chose you to sit this round out.
    case satOut = "sat-out"
    /// Nobody allowed was free.
    case unmatched
    /// A number of days before each session (`reminders: 2d`).
    case reminder
    /// To matches the check-ins list as never having met (`follow_up: true`).
    case followUp = "follow-up"

    /// The flag a template tests (`{{#new_partner}}`): the name with `_` for `-`.
    var contextKey: String {
        switch self {
        case .newPartner: return "new_partner"
        case .satOut: return "sat_out"
        case .followUp: return "follow_up"
        default: return rawValue
        }
    }

    public static func < (a: MessageKind, b: MessageKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One message of the outbox, as written to `Outbox/<date>/<program>/<kind>-<id>[-<session>].eml`.
public struct OutboxMessage: Sendable {
    public var date: LocalDate
    public var kind: MessageKind
    public var program: String
    public var id: String
    public var name: String
    public var email: String
    /// The session a reminder is about: its number, or `pod-<n>` for a pod session.
    public var session: String?
    public var subject: String
    public var pageURL: String
    public var messageID: String
    /// Relative to the outbox folder.
    public var path: String
    public var bytes: [UInt8]
}

/// The outbox: every message the portal sends, as reviewable files beside the site.
/// Written by each successful build of a portal with `messages: true`; read by `tandem send`.
public enum Outbox {
    public static let marker = ".tandem-outbox"
    public static let listFile = "messages.csv"

    /// Where a build that writes `output` puts its outbox: beside it, never inside.
    public static func folder(beside output: URL) -> URL {
        output.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("Outbox")
    }

    /// An existing outbox that Tandem did not write is never replaced (checked before anything is written).
    static func check(_ folder: URL, bag: DiagnosticBag) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else { return }
        if !isDirectory.boolValue || !FileManager.default.fileExists(atPath: folder.appendingPathComponent(marker).path) {
            bag.error("'\(folder.path)' exists and was not written by tandem; move it away so that the outbox can be written there", at: nil)
        }
    }

    /// Renders every message of every program and writes the outbox; returns the number of
    /// messages. People whose address SMTP cannot carry as it is (not plain ASCII) get no
    /// message: a warning at their roster entry says so.
    ///
    /// A large portal has around ten messages per person, so they are rendered on every core
    /// (a task per person's match news, per unit's reminders) and each is written as soon as
    /// it is rendered: only the list of what was written is kept, for `messages.csv`. The
    /// folder is written like the site (`SiteWriter`): the outbox before last is rewritten in
    /// place, unchanged files are left alone, stale ones deleted, and the new outbox is
    /// swapped in whole, so an interrupted build never leaves half an outbox.
    static func write(model: SiteModel, theme: MessageTheme, to folder: URL, bag: DiagnosticBag) -> Int {
        let writer = SiteWriter(output: folder, marker: marker, markerText: markerText)
        writer.prepare(bag: bag)
        guard !bag.hasErrors else { return 0 }
        let pages = pages(model)
        let tasks = model.programs.flatMap { MessageBuilder(pages: pages, b: $0, theme: theme).tasks() }
        let results = PoolResults<[OutboxMessage]>(count: tasks.count)
        let pool = WorkPool()
        pool.add(tasks.indices.map { k in
            { @Sendable in
                var written = tasks[k]()
                for i in written.indices {
                    if Pages.isMailAddress(written[i].email) { writer.write(written[i].path, written[i].bytes) }
                    written[i].bytes = []
                }
                results.set(k, written)
            }
        })
        pool.run()
        var all: [OutboxMessage] = []
        var warned = Set<String>()
        for m in results.all.joined() {
            guard !Pages.isMailAddress(m.email) else { all.append(m); continue }
            if warned.insert(m.id).inserted, let p = model.portal.participant(m.id) {
                bag.warning("no messages for '\(m.id)': '\(m.email)' is not a plain ASCII address that SMTP can carry", at: p.fieldLocations["email"] ?? p.sourceLocation)
            }
        }
        all.sort { ($0.date, $0.program, $0.kind, $0.id, $0.path) < ($1.date, $1.program, $1.kind, $1.id, $1.path) }
        writer.write(listFile, csv(all))
        writer.commit(bag: bag)
        return all.count
    }

    static let markerText = "This folder is written by `tandem build` and replaced on every build. It may hold secret page addresses: never publish or commit it.\n"

    /// The pages messages link to and quote, without the build time: messages (and the
    /// calendars they carry, whose DTSTAMP would otherwise be the build's) change only when
    /// what they say changes.
    static func pages(_ model: SiteModel) -> Pages {
        var timeless = model
        timeless.now = nil
        return Pages(model: timeless)
    }

    /// `Outbox/messages.csv`: one row per message, for admins who mail-merge.
    static func csv(_ messages: [OutboxMessage]) -> String {
        var lines = ["date,kind,program,id,name,email,subject,page_url"]
        for m in messages {
            lines.append([m.date.description, m.kind.rawValue, m.program, m.id, m.name, m.email, m.subject, m.pageURL]
                .map(Pages.csvCell).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// The messages of one program.
struct MessageBuilder {
    let pages: Pages
    let b: BuiltProgram
    let theme: MessageTheme
    /// The host of the portal's address, for Message-IDs (parsed once, not per message).
    let host: String

    init(pages: Pages, b: BuiltProgram, theme: MessageTheme) {
        self.pages = pages
        self.b = b
        self.theme = theme
        host = URL(string: pages.portal.settings.baseURL ?? "https://tandem.invalid/")?.host ?? "tandem.invalid"
    }

    var program: Program { b.program }
    var settings: PortalSettings { pages.portal.settings }

    /// The program's messages as tasks for a pool, each rendering a few: one person's news of
    /// their matches, the sat-out and unmatched notes, one unit's or pod's reminders, the
    /// follow-ups. Everything a task needs from the rest of the program is worked out here.
    func tasks() -> [@Sendable () -> [OutboxMessage]] {
        let m = b.match
        let lockDay = m.round.lock?.locked ?? program.start
        let lock = m.round.lock
        // Members of published matches that broke up, with the day they broke up.
        var dissolvedOn: [String: LocalDate] = [:]
        for d in lock?.dissolved ?? [] {
            for id in d.members { dissolvedOn[id] = max(dissolvedOn[id] ?? lockDay, d.date ?? lockDay) }
        }
        let entries = Dictionary((lock?.matches ?? []).map { ($0.members.sorted(), $0) }, uniquingKeysWith: { a, _ in a })
        var tasks: [@Sendable () -> [OutboxMessage]] = []
        // The day each unit was made: the round's lock, or the day a roster change added it.
        let unitDay = m.units.map { unit -> LocalDate in
            let entry = entries[unit.members.map { m.people[$0].id }.sorted()]
            return entry?.added ?? (entry == nil ? lock?.updated ?? lockDay : lockDay)
        }
        // The day each person was first told of a match (reminders never come before it).
        var toldOn: [Int: LocalDate] = [:]
        for i in m.people.indices where !m.unitsOf[i].isEmpty {
            toldOn[i] = m.unitsOf[i].map { unitDay[$0] }.min()!
        }
        let told = toldOn, dissolved = dissolvedOn
        for i in m.people.indices where !m.unitsOf[i].isEmpty {
            tasks.append { [self] in
                let person = m.people[i]
                let days = m.unitsOf[i].map { unitDay[$0] }
                let first = told[i]!
                // A roster change that dissolved their match and made a new one: a new partner.
                let kind: MessageKind = first != lockDay && dissolved[person.id] != nil ? .newPartner : .intro
                // Each message shows the matches made that day, so a later one leaves it unchanged.
                let made = { (day: LocalDate) in m.unitsOf[i].filter { unitDay[$0] == day } }
                var out = [message(kind, person: i, date: first, units: made(first), context: matchContext(i, from: first, units: made(first)))]
                // A mentor given another mentee later hears of the new one on that day.
                for day in Set(days.filter { $0 > first }).sorted() {
                    var c = matchContext(i, from: day, units: made(day))
                    c["addedMatch"] = true
                    out.append(message(.newPartner, person: i, date: day, units: made(day), context: c))
                }
                return out
            }
        }
        // Paused people asked to rest: their page says so, and no message is sent to them.
        tasks.append { [self] in
            m.unmatched.filter { !$0.paused }.map { u in
                let person = m.people[u.person]
                var c = baseContext(u.person)
                c["reason"] = Explain.participantReason(u.reason)  // as their page says it: no rule counts
                return message(u.satOut ? .satOut : .unmatched, person: u.person, date: dissolved[person.id] ?? lockDay, context: c)
            }
        }
        if let days = program.reminderDays {
            for (u, unit) in m.units.enumerated() {
                tasks.append { [self] in
                    let sessions = b.sessions(ofUnit: u)
                    let unitURL = pages.absoluteURL(pages.addresses.unit(b, unit)) ?? ""
                    var out: [OutboxMessage] = []
                    for i in unit.members {
                        // A mentor with several mentees gets one reminder per mentee: the second
                        // and later ones are told apart by their position.
                        let position = m.unitsOf[i].firstIndex(of: u) ?? 0
                        let since = max(told[i] ?? lockDay, unitDay[u])
                        let peers = Explain.list(unit.members.filter { $0 != i }.map { m.people[$0].name })
                        // A skipped session has no reminder: its page says why it does not take place.
                        for s in sessions where s.date >= since && s.skipped == nil {
                            out.append(reminder(i, s, label: "Session \(s.number) of \(sessions.count)", peers: peers, url: unitURL,
                                                days: days, told: since, key: "\(s.number)", part: position))
                        }
                    }
                    return out
                }
            }
            // Pod sessions: each member of the pod, with the whole pod.
            for (k, pod) in m.pods.enumerated() {
                tasks.append { [self] in
                    let sessions = b.sessions(ofPod: k)
                    let members = pod.units.flatMap { m.units[$0].members }
                    let podURL = pages.absoluteURL(pages.addresses.pod(b, pod)) ?? ""
                    var out: [OutboxMessage] = []
                    for i in members {
                        let since = told[i] ?? lockDay
                        let peers = "your pod, " + Explain.list(members.filter { $0 != i }.map { m.people[$0].name })
                        // A skipped session has no reminder: its page says why it does not take place.
                        for s in sessions where s.date >= since && s.skipped == nil {
                            out.append(reminder(i, s, label: "Pod session \(s.number) of \(sessions.count)", peers: peers, url: podURL,
                                                days: days, told: since, key: "pod-\(s.number)", part: 0))
                        }
                    }
                    return out
                }
            }
        }
        tasks.append { [self] in followUps() }
        return tasks
    }

    /// A reminder of one session, `days` before it (never before the person was told of their match).
    private func reminder(_ i: Int, _ s: Session, label: String, peers: String, url: String, days: Int, told: LocalDate,
                          key: String, part: Int) -> OutboxMessage {
        let day = max(told, s.date.adding(days: -days))
        var c = baseContext(i)
        var session = sessionContext(s, count: 0, zone: b.match.people[i].timezone)
        session["label"] = label
        c["session"] = session
        c["peerNames"] = peers
        c["unitURL"] = url
        c["days"] = days
        c["daysText"] = day == s.date ? "today" : day.adding(days: 1) == s.date ? "tomorrow" : "in \(s.date.dayNumber - day.dayNumber) days"
        return message(.reminder, person: i, date: day, session: key, part: part, context: c)
    }

    /// Matches where somebody answered a check-in but nobody ever said they met, dated the
    /// day of the last answer.
    private func followUps() -> [OutboxMessage] {
        guard program.followUp, let imported = pages.portal.checkins[program.slug], let last = imported.rows.map(\.date).max() else { return [] }
        let m = b.match
        let index = m.people.positionsByID
        var heard = Set<Int>(), said = Set<Int>()
        for row in imported.rows {
            guard let i = index[row.participant] else { continue }
            heard.insert(i)
            if row.met { said.insert(i) }
        }
        var out: [OutboxMessage] = []
        for unit in m.units where unit.members.contains(where: heard.contains) && !unit.members.contains(where: said.contains) {
            for i in unit.members {
                var c = baseContext(i)
                c["peerNames"] = Explain.list(unit.members.filter { $0 != i }.map { m.people[$0].name })
                c["unitURL"] = pages.absoluteURL(pages.addresses.unit(b, unit)) ?? ""
                out.append(message(.followUp, person: i, date: last, context: c))
            }
        }
        return out
    }

    /// What every message shows: the portal, the program and the person with their page.
    private func baseContext(_ i: Int) -> ViewObject {
        let person = b.match.people[i]
        var summary = pages.programSummary(b, root: "")
        summary["url"] = pages.absoluteURL(SiteAddresses.program(program.slug)) ?? ""
        return [
            "portal": ["title": settings.title, "contact": settings.contact ?? ""] as ViewObject,
            "program": summary,
            "person": ["name": person.name, "firstName": Explain.firstName(person)] as ViewObject,
            "pageURL": pages.personURL(b, person) ?? "",
        ]
    }

    /// A session in the person's own time zone, with its activity and preparation.
    private func sessionContext(_ s: Session, count: Int, zone: String) -> ViewObject {
        let local = Scheduler.local(s.start, in: zone)
        var c: ViewObject = ["number": s.number, "count": count, "date": local.date.longText, "time": local.time,
                             "zone": zone, "length": Duration.words(minutes: s.minutes)]
        if let a = s.activity {
            c["activity"] = a.title
            c["activitySummary"] = a.summary
            c["activityURL"] = pages.absoluteURL(SiteAddresses.activity(a.slug)) ?? ""
            c["prep"] = a.prep ?? ""
        } else {
            c["activity"] = "Open conversation"
        }
        return c
    }

    /// Who, why and when: the person's matches as on their page, and the first session from `day` on.
    private func matchContext(_ i: Int, from day: LocalDate, units: [Int]) -> ViewObject {
        let m = b.match
        let me = m.people[i]
        let role = program.format.isMentoring ? me.roles[program.slug] : nil
        var c = baseContext(i)
        var matches: [ViewObject] = []
        var peerNames: [String] = []
        for u in units {
            let unit = m.units[u]
            let peers = unit.members.filter { $0 != i }.map { j -> ViewObject in
                let score = unit.pairScores.first { ($0.a == i && $0.b == j) || ($0.a == j && $0.b == i) }?.score
                peerNames.append(m.people[j].name)
                return pages.peerCard(viewer: me, peer: m.people[j], score: score, b: b, viewerRole: role, next: nil)
            }
            let label = unit.kind == .group ? "Your group" : unit.kind == .trio ? "Your trio"
                : role == .mentor ? "Your mentee" : role == .mentee ? "Your mentor" : "Your peer"
            var match: ViewObject = ["peers": peers, "kindLabel": label,
                                     "unitURL": pages.absoluteURL(pages.addresses.unit(b, unit)) ?? ""]
            let sessions = b.sessions(ofUnit: u)
            if let first = sessions.first(where: { $0.date >= day }) {
                match["next"] = sessionContext(first, count: sessions.count, zone: me.timezone)
                match["nextIsFirst"] = first.number == 1
            }
            matches.append(match)
        }
        c["matches"] = matches
        c["peerNames"] = Explain.list(peerNames)
        c["matchVerb"] = units.count == 1 && m.units[units[0]].members.count > 2
            ? "you meet with" : role == .mentee ? "your mentor is" : role == .mentor ? "you mentor" : "you are paired with"
        return c
    }

    /// Renders and wraps one message.
    /// `units`: the matches whose calendars an intro or new-partner message carries.
    private func message(_ kind: MessageKind, person i: Int, date: LocalDate, session: String? = nil, part: Int = 0,
                         units: [Int] = [], context: ViewObject) -> OutboxMessage {
        let person = b.match.people[i]
        var c = context
        c["kind"] = kind.rawValue
        c[kind.contextKey] = true
        let (subject, text, body) = theme.render(kind, c)
        let stamp = "\(date.year)\(date.month < 10 ? "0" : "")\(date.month)\(date.day < 10 ? "0" : "")\(date.day)"
        let suffix = (session.map { $0.hasPrefix("pod-") ? ".pod\($0.dropFirst(4))" : ".s\($0)" } ?? (kind == .newPartner || kind == .followUp ? ".d\(stamp)" : ""))
            + (part > 0 ? ".u\(part + 1)" : "")
        let messageID = "<tandem.\(program.slug).r\(program.round).\(kind.rawValue).\(person.id)\(suffix)@\(host)>"
        let instant = Scheduler.instant(date, (9, 0), program.timezone)
        var mime = MIME.Message(
            from: (settings.title, settings.contact ?? "noreply@\(host)"), to: (person.name, person.email),
            subject: subject, date: MIME.date(instant, offset: Zones.offset(program.timezone, at: instant) ?? 0),
            messageID: messageID, text: text,
            html: "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(Charts.escape(subject))</title></head>\n<body>\n\(body)</body></html>\n")
        mime.extraHeaders = [("X-Tandem-Program", program.slug), ("X-Tandem-Kind", kind.rawValue)]
        if kind == .intro || kind == .newPartner {
            for (n, u) in units.enumerated() {
                mime.attachments.append((n == 0 ? "\(program.slug).ics" : "\(program.slug)-\(n + 1).ics",
                                         "text/calendar; charset=utf-8; method=PUBLISH", pages.calendar(b, u)))
            }
        }
        let file = "\(kind.rawValue)-\(person.id)" + (session.map { "-\($0)" } ?? "") + (part > 0 ? "-\(part + 1)" : "") + ".eml"
        return OutboxMessage(date: date, kind: kind, program: program.slug, id: person.id, name: person.name, email: person.email,
                             session: session, subject: subject, pageURL: pages.personURL(b, person) ?? "", messageID: messageID,
                             path: "\(date)/\(program.slug)/\(file)", bytes: mime.bytes)
    }
}
