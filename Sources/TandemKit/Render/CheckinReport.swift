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
        var c: ViewObject = ["checkinFile": "\(CheckinLoader.folder)/\(b.program.slug).csv"]
        guard let imported = portal.checkins[b.program.slug], !b.sessions.isEmpty else {
            c["hasCheckins"] = false
            return c
        }
        let index = Dictionary(uniqueKeysWithValues: m.people.enumerated().map { ($1.id, $0) })
        let n = b.sessions.count
        var respondents = [Set<Int>](repeating: [], count: n)
        var said = [Set<Int>](repeating: [], count: n)
        var responses = [Int](repeating: 0, count: n)
        var noCount = [Int](repeating: 0, count: n)
        var ratings = [[Int]](repeating: [], count: n)
        var comments: [(row: Checkin, session: Int)] = []
        for row in imported.rows {
            guard let person = index[row.participant], let k = Pages.nearestSession(row.date, b.sessions) else { continue }
            responses[k] += 1
            respondents[k].insert(person)
            if row.met { said[k].insert(person) } else { noCount[k] += 1 }
            if let r = row.rating { ratings[k].append(r) }
            if row.comment != nil { comments.append((row, k)) }
        }
        func names(_ unit: MatchUnit) -> String { Explain.list(unit.members.map { m.people[$0].name }) }
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
        c["neverMet"] = neverMet.map { ["names": names($0), "url": "pairs/\(unitFile(b, $0)).html"] as ViewObject }
        c["silent"] = silent.map { ["names": names($0), "url": "pairs/\(unitFile(b, $0)).html"] as ViewObject }
        c["hasNeverMet"] = !neverMet.isEmpty
        c["hasSilent"] = !silent.isEmpty
        c["ratingChart"] = Charts.line(averages, label: "Average rating per session")
        c["comments"] = comments.sorted { ($0.row.date.dayNumber, $0.row.location) < ($1.row.date.dayNumber, $1.row.location) }.map { entry -> ViewObject in
            ["date": entry.row.date.shortText, "session": entry.session + 1,
             "name": portal.participant(entry.row.participant)?.name ?? entry.row.participant, "text": Bidi.isolateFreeText(entry.row.comment ?? "")]
        }
        c["hasComments"] = !comments.isEmpty
        c["checkinRows"] = imported.rows.count
        c["hasCheckins"] = true
        return c
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
