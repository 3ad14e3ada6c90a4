import Foundation

/// The check-in section of the admin report: meetings held per session, pairs that never met,
/// the average rating over time, and the comments. Comments appear here and nowhere else.
extension Pages {
    /// The session whose date is nearest to `date` (the earlier one on a tie).
    static func nearestSession(_ date: LocalDate, _ sessions: [Session]) -> Int? {
        sessions.indices.min { (abs(sessions[$0].date.dayNumber - date.dayNumber), $0) < (abs(sessions[$1].date.dayNumber - date.dayNumber), $1) }
    }

    func checkins(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        var c: ViewObject = ["checkinFile": portal.checkins[b.program.slug]?.file ?? "\(CheckinLoader.folder)/\(b.program.slug).csv"]
        guard let imported = portal.checkins[b.program.slug], !b.sessions.isEmpty else {
            c["hasCheckins"] = false
            return c
        }
        let index = m.people.positionsByID
        let n = b.sessions.count
        var respondents = [Set<Int>](repeating: [], count: n)
        var said = [Set<Int>](repeating: [], count: n)
        var responses = [Int](repeating: 0, count: n)
        var noCount = [Int](repeating: 0, count: n)
        var ratings = [[Int]](repeating: [], count: n)
        var comments: [(row: Checkin, session: Int)] = []
        var answersOf: [Int: [(session: Int, row: Checkin)]] = [:]
        for row in imported.rows {
            guard let person = index[row.participant], let k = Pages.nearestSession(row.date, b.sessions) else { continue }
            answersOf[person, default: []].append((k, row))
            responses[k] += 1
            respondents[k].insert(person)
            if row.met { said[k].insert(person) } else { noCount[k] += 1 }
            if let r = row.rating { ratings[k].append(r) }
            if row.comment != nil { comments.append((row, k)) }
        }
        func names(_ unit: MatchUnit) -> String { Explain.list(unit.members.map { m.people[$0].name }) }
        let report = addresses.report(b.program.slug)
        var averages: [Double?] = []
        // Sessions after the last one anybody answered for are still to come: left out of the table.
        let answered = (responses.lastIndex { $0 > 0 } ?? -1) + 1
        c["checkinSessions"] = (0..<n).map { k -> ViewObject in
            let held = m.units.count { $0.members.contains { said[k].contains($0) } }
            let heard = m.units.count { $0.members.contains { respondents[k].contains($0) } }
            let average = ratings[k].isEmpty ? nil : Double(ratings[k].reduce(0, +)) / Double(ratings[k].count)
            averages.append(average)
            return ["number": k + 1, "date": b.sessions[k].date.shortText, "responses": responses[k], "noes": noCount[k],
                    "held": held, "heard": heard, "units": m.units.count,
                    "rating": average.map { String(format: "%.1f", $0) } ?? "–", "ratings": ratings[k].count]
        }.prefix(answered).map { $0 }
        let everSaid = said.reduce(into: Set<Int>()) { $0.formUnion($1) }
        let everHeard = respondents.reduce(into: Set<Int>()) { $0.formUnion($1) }
        let neverMet = m.units.filter { u in u.members.contains { everHeard.contains($0) } && !u.members.contains { everSaid.contains($0) } }
        let silent = m.units.filter { u in !u.members.contains { everHeard.contains($0) } }
        c["neverMet"] = neverMet.map { ["names": names($0), "url": SiteAddresses.link(from: report, to: addresses.unit(b, $0))] as ViewObject }
        c["silent"] = silent.map { ["names": names($0), "url": SiteAddresses.link(from: report, to: addresses.unit(b, $0))] as ViewObject }
        c["hasNeverMet"] = !neverMet.isEmpty
        c["hasSilent"] = !silent.isEmpty
        c["ratingChart"] = Charts.line(averages, label: "Average rating per session")
        c["comments"] = comments.sorted { ($0.row.date.dayNumber, $0.row.location) < ($1.row.date.dayNumber, $1.row.location) }.map { entry -> ViewObject in
            ["date": entry.row.date.shortText, "session": entry.session + 1,
             "name": portal.participant(entry.row.participant)?.name ?? entry.row.participant, "text": Bidi.isolateFreeText(entry.row.comment ?? "")]
        }
        c["hasComments"] = !comments.isEmpty
        let health = matchHealth(b, answersOf: answersOf)
        c["health"] = health
        c["hasHealth"] = !health.isEmpty
        c["healthMissed"] = b.program.healthMissed
        c["checkinRows"] = imported.rows.count
        c["hasCheckins"] = true
        return c
    }
}

extension Pages {
    /// Matches to look at: their answers say "did not meet" `health_missed` times in a row
    /// (the latest answers; a session nobody in the match answered for neither counts nor
    /// breaks the run), or their average rating is 2 or below. Only answers given since the
    /// match was made count (a match added after the round was locked starts afresh). Each
    /// comes with an `ended:` entry to paste into the lock file, dated the day of the match's
    /// latest answer (or the day the round was locked, if later), so the report does not
    /// depend on the build date.
    func matchHealth(_ b: BuiltProgram, answersOf: [Int: [(session: Int, row: Checkin)]]) -> [ViewObject] {
        let m = b.match
        let addedOn = Dictionary((m.round.lock?.matches ?? []).compactMap { e in e.added.map { (e.members, $0) } }, uniquingKeysWith: { a, _ in a })
        var out: [ViewObject] = []
        let report = addresses.report(b.program.slug)
        for unit in m.units {
            let since = addedOn[unit.members.map { m.people[$0].id }]
            let answers = unit.members.flatMap { answersOf[$0] ?? [] }.filter { since == nil || $0.row.date >= since! }
            guard !answers.isEmpty else { continue }
            var met: [Int: Bool] = [:]
            for a in answers { met[a.session] = (met[a.session] ?? false) || a.row.met }
            var run = 0
            for k in met.keys.sorted() { run = met[k]! ? 0 : run + 1 }
            let ratings = answers.compactMap(\.row.rating)
            let lastAnswer = answers.map(\.row.date).max()
            let average = ratings.isEmpty ? nil : Double(ratings.reduce(0, +)) / Double(ratings.count)
            var why: [String] = []
            if run >= b.program.healthMissed { why.append("did not meet \(run) times in a row") }
            if let average, average <= 2 { why.append("average rating \(String(format: "%.1f", average))") }
            guard !why.isEmpty else { continue }
            let ids = unit.members.map { m.people[$0].id }
            var on = lastAnswer ?? m.round.lock?.locked ?? b.program.start
            if let locked = m.round.lock?.locked, on < locked { on = locked }
            let reason = Explain.list(why)
            let entry = "ended:\n  - members: [\(ids.joined(separator: ", "))]\n    on: \(on)\n    reason: \(LockWriter.quote(reason))\n    rematch: true"
            out.append(["names": Explain.list(unit.members.map { m.people[$0].name }), "url": SiteAddresses.link(from: report, to: addresses.unit(b, unit)),
                        "why": reason, "entry": entry])
        }
        return out
    }
}

extension Charts {
    /// A line through the values that exist (sessions without ratings leave a gap), on a fixed
    /// 1–5 scale, with a labelled point per value.
    static func line(_ values: [Double?], label: String, scale: ClosedRange<Double> = 1...5) -> String {
        let given = values.enumerated().compactMap { k, v in v.map { (k, $0) } }
        guard !given.isEmpty else { return "<p>No ratings yet.</p>" }
        let w = 600.0, h = 200.0, left = 40.0, top = 14.0, bottom = 30.0
        let step = values.count > 1 ? (w - left - 20) / Double(values.count - 1) : 0
        func x(_ k: Int) -> Double { values.count > 1 ? left + Double(k) * step : left + (w - left) / 2 }
        func y(_ v: Double) -> Double { top + (scale.upperBound - v) / (scale.upperBound - scale.lowerBound) * (h - top - bottom) }
        let summary = given.map { "session \($0.0 + 1): \(String(format: "%.1f", $0.1))" }.joined(separator: ", ")
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(escape(label)): \(summary)\">"
        for tick in Int(scale.lowerBound)...Int(scale.upperBound) {
            let ty = y(Double(tick))
            svg += "<line class=\"grid\" x1=\"\(fmt(left))\" y1=\"\(fmt(ty))\" x2=\"\(fmt(w - 10))\" y2=\"\(fmt(ty))\"/>"
            svg += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(ty + 4))\" text-anchor=\"end\">\(tick)</text>"
        }
        for k in values.indices {
            svg += "<text x=\"\(fmt(x(k)))\" y=\"\(fmt(h - 8))\" text-anchor=\"middle\">\(k + 1)</text>"
        }
        // One polyline per run of consecutive sessions with ratings.
        var runs: [[(Int, Double)]] = []
        for point in given {
            if let last = runs.last?.last, last.0 == point.0 - 1 { runs[runs.count - 1].append(point) } else { runs.append([point]) }
        }
        for run in runs where run.count > 1 {
            svg += "<polyline class=\"line\" points=\"" + run.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ") + "\"/>"
        }
        for (k, v) in given {
            svg += "<circle class=\"point\" cx=\"\(fmt(x(k)))\" cy=\"\(fmt(y(v)))\" r=\"5\"><title>Session \(k + 1): \(String(format: "%.1f", v))</title></circle>"
        }
        return svg + "</svg>"
    }
}
