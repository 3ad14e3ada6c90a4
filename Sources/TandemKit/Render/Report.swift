import Foundation

/// The admin report and the CSV export of a program.
extension Pages {
    func report(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        let here = addresses.report(b.program.slug), root = SiteAddresses.root(of: here)
        var c = base(root: root, title: "Report: \(b.program.title)", noindex: true)
        c["program"] = programSummary(b, root: root)
        c["csvURL"] = SiteAddresses.link(from: here, to: addresses.matchesCSV(b.program.slug))
        let matchedPeople = Set(m.units.flatMap(\.members)).count
        let enrolled = m.people.count
        c["enrolled"] = enrolled
        c["matched"] = matchedPeople
        c["matchRate"] = enrolled == 0 ? "0%" : "\(Int((Double(matchedPeople) * 100 / Double(enrolled)).rounded()))%"
        c["unitCount"] = m.units.count
        let noCommon = m.schedule.withoutCommonSlot
        c["noCommonSlot"] = noCommon
        c["noCommonSlotText"] = noCommon == 0 ? "" : "\(noCommon) match\(noCommon == 1 ? " has" : "es have") no common working hour: they meet at the least-bad time, and their pages say why."
        c["objective"] = m.objective
        c["candidateEdges"] = m.edges.count
        // Large programs: say how the candidates were found (never sampled, so the matching is
        // optimal over everyone's exact top k).
        if let info = m.candidates, info.method != .complete, let k = info.k {
            c["candidateNote"] = "Candidates: each person's \(k) best allowed partners, found exactly "
                + (info.method == .pruned ? "by a threshold top-k" : "by scoring every pair") + "; nothing was sampled."
        }
        let pairScores = m.units.flatMap { $0.pairScores.map(\.score.total) }
        c["histogram"] = Charts.histogram(pairScores, label: "Pair scores")
        c["mixing"] = Charts.mixing(m)
        c["lowest"] = m.units.sorted { ($0.score, $0.id) < ($1.score, $1.id) }.prefix(10).map { unit -> ViewObject in
            [
                "names": Explain.list(unit.members.map { m.people[$0].name }),
                "url": SiteAddresses.link(from: here, to: addresses.unit(b, unit)),
                "score": unit.score,
                "breakdown": unit.pairScores.flatMap { $0.score.parts }.reduce(into: [Criterion: Int]()) { $0[$1.criterion, default: 0] += $1.points }
                    .sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                    .map { "\(Explain.criterionLabel($0.key)) \($0.value)" }.joined(separator: " · "),
            ]
        }
        c["unmatched"] = m.unmatched.filter { !$0.satOut && !$0.paused }.map { ["name": m.people[$0.person].name, "id": m.people[$0.person].id, "reason": $0.reason] as ViewObject }
        c["satOut"] = m.unmatched.filter(\.satOut).map { ["name": m.people[$0.person].name, "id": m.people[$0.person].id, "reason": $0.reason] as ViewObject }
        c["paused"] = m.unmatched.filter(\.paused).map { ["name": m.people[$0.person].name, "id": m.people[$0.person].id, "reason": $0.reason] as ViewObject }
        c["pausedCount"] = m.unmatched.count { $0.paused }
        var asked = 0, granted = 0
        for (i, person) in m.people.enumerated() where !person.prefer.isEmpty {
            let partners = Set(m.unitsOf[i].flatMap { m.units[$0].members })
            for id in person.prefer {
                guard let j = Explain.index(of: id, in: m.people) else { continue }
                asked += 1
                if partners.contains(j) { granted += 1 }
            }
        }
        c["preferAsked"] = asked
        c["preferGranted"] = granted
        c["hasPreferences"] = asked > 0
        c["hasUnmatched"] = !m.unmatched.isEmpty
        c["hasSatOut"] = m.unmatched.contains(where: \.satOut)
        c["hasPaused"] = m.unmatched.contains(where: \.paused)
        c["hasUnmatchedOnly"] = m.unmatched.contains { !$0.satOut && !$0.paused }
        for (key, value) in rounds(b).entries { c[key] = value }
        for (key, value) in rulePressure(b).entries { c[key] = value }
        for (key, value) in podReport(b).entries { c[key] = value }
        for (key, value) in checkins(b).entries { c[key] = value }
        var contribution: [Criterion: (count: Int, points: Int)] = [:]
        for unit in m.units {
            for pair in unit.pairScores {
                for part in pair.score.parts {
                    contribution[part.criterion, default: (0, 0)].count += 1
                    contribution[part.criterion, default: (0, 0)].points += part.points
                }
            }
        }
        let pairCount = max(1, m.units.reduce(0) { $0 + $1.pairScores.count })
        c["criteria"] = b.program.weights.map { w -> ViewObject in
            let used = contribution[w.criterion] ?? (0, 0)
            return ["name": Explain.criterionLabel(w.criterion), "key": w.criterion.rawValue, "weight": w.weight,
                    "pairs": used.count, "share": "\(used.count * 100 / pairCount)%", "points": used.points]
        }
        c["rules"] = b.program.rules.map { ["rule": $0.description] as ViewObject }
        return c
    }

    /// The round's lock, what changed since it was locked, and repeats of earlier rounds.
    /// Everything here comes from the lock as written, so the report is the same whether
    /// this build wrote the lock or read it back.
    func rounds(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        var c: ViewObject = [:]
        let names = Dictionary(uniqueKeysWithValues: portal.participants.map { ($0.id, $0.name) })
        func who(_ ids: [String]) -> String { Explain.list(ids.map { names[$0] ?? $0 }) }
        if let lock = m.round.lock {
            c["lockFile"] = lock.file
            c["lockedOn"] = lock.locked.longText
            c["updatedOn"] = lock.updated?.longText ?? ""
            let added = lock.matches.filter { $0.added != nil }
            c["keptCount"] = lock.matches.count - added.count
            c["added"] = added.map { ["names": who($0.members), "date": $0.added!.description] as ViewObject }
            c["dissolved"] = lock.dissolved.map { ["names": who($0.members), "reason": $0.reason, "date": $0.date?.description ?? ""] as ViewObject }
            c["ended"] = lock.ended.map { e -> ViewObject in
                ["names": who(e.members), "reason": e.reason.isEmpty ? "no reason given" : e.reason, "date": e.on.description,
                 "rematch": e.rematch ? "matched again among those free" : "not matched again this round"]
            }
            c["hasEnded"] = !lock.ended.isEmpty
            c["hasChanges"] = !added.isEmpty || !lock.dissolved.isEmpty || !lock.ended.isEmpty
            c["hasAdded"] = !added.isEmpty
            c["hasDissolved"] = !lock.dissolved.isEmpty
        }
        c["earlierRounds"] = m.round.earlierRounds.map(String.init).joined(separator: ", ")
        c["hasEarlierRounds"] = !m.round.earlierRounds.isEmpty
        c["repeatCount"] = m.round.repeats.count
        c["repeats"] = m.round.repeats.map { ["names": Explain.list([m.people[$0.a].name, m.people[$0.b].name]), "round": $0.round] as ViewObject }
        c["repeatPenalty"] = ScoringTable.repeatPenalty
        c["hasRepeats"] = !m.round.repeats.isEmpty
        return c
    }

    /// How many candidate pairs each hard rule removes, and who is left with few options.
    func rulePressure(_ b: BuiltProgram) -> ViewObject {
        let m = b.match
        var c: ViewObject = [:]
        if let table = m.table, table.count <= CandidateGraph.completeLimit {
            var excluded: [String: Int] = [:]
            var possible = 0
            for x in 0..<table.count {
                for y in (x + 1)..<max(x + 1, table.count) {
                    if b.program.format.isMentoring && table.isMentor[x] == table.isMentor[y] { continue }
                    possible += 1
                    let (a, d) = table.isMentor[y] ? (y, x) : (x, y)
                    if let rule = table.violatedRule(a, d) { excluded[rule, default: 0] += 1 }
                }
            }
            c["ruleExclusions"] = excluded.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map {
                ["rule": Feasibility.ruleName($0.key, b.program), "pairs": $0.value, "share": "\($0.value * 100 / max(1, possible))%"] as ViewObject
            }
            c["possiblePairs"] = possible
            c["hasRuleExclusions"] = !excluded.isEmpty
        }
        let mentoring = b.program.format.isMentoring
        let resting = Set(m.unmatched.filter(\.paused).map(\.person))
        let few = m.allowedCount.enumerated().filter { $0.element <= Feasibility.few && !(mentoring && m.table?.isMentor[$0.offset] == true) && !resting.contains($0.offset) }
            .map { ["name": m.people[$0.offset].name, "count": $0.element] as ViewObject }
        c["pressure"] = few
        c["hasPressure"] = !few.isEmpty
        c["partnerNoun"] = mentoring ? "mentor" : "partner"
        return c
    }

    /// One row per person and match. Cells that a spreadsheet would run as a formula are
    /// prefixed with an apostrophe.
    func csv(_ b: BuiltProgram) -> String {
        let m = b.match
        var lines = ["id,name,email,program,round,partner_ids,score,page_url"]
        for (i, p) in m.people.enumerated() {
            let units = m.unitsOf[i].map { m.units[$0] }
            // Empty without base_url: a relative address would mean nothing in a spreadsheet.
            let page = personURL(b, p) ?? ""
            if units.isEmpty {
                lines.append([p.id, p.name, p.isPrivate("email") ? "" : p.email, b.program.slug, "\(b.program.round)", "", "", page].map(Pages.csvCell).joined(separator: ","))
            }
            for unit in units {
                let partners = unit.members.filter { $0 != i }.map { m.people[$0].id }.joined(separator: " ")
                lines.append([p.id, p.name, p.isPrivate("email") ? "" : p.email, b.program.slug, "\(b.program.round)", partners, "\(unit.score)", page]
                    .map(Pages.csvCell).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A participant's page under base_url (nil without one).
    func personURL(_ b: BuiltProgram, _ p: Participant) -> String? {
        absoluteURL(addresses.person(b, p))
    }

    static func csvCell(_ value: String) -> String {
        var v = value
        if let first = v.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}

/// Inline SVG charts: no scripts, no external requests, readable when printed.
enum Charts {
    static func histogram(_ values: [Int], label: String) -> String {
        guard let lo = values.min(), let hi = values.max() else { return "<p>No matches yet.</p>" }
        let bins = min(12, max(1, hi - lo + 1))
        let width = Double(hi - lo + 1) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int(Double(v - lo) / width))] += 1 }
        let top = counts.max() ?? 1
        let w = 600.0, h = 200.0, barW = w / Double(bins)
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(w)) \(Int(h) + 30)\" role=\"img\" aria-label=\"\(label): \(values.count) values from \(lo) to \(hi)\">"
        for (i, n) in counts.enumerated() {
            let bh = Double(n) / Double(top) * (h - 20)
            let x = Double(i) * barW
            let from = lo + Int((Double(i) * width).rounded(.down))
            svg += "<rect x=\"\(fmt(x + 2))\" y=\"\(fmt(h - bh))\" width=\"\(fmt(barW - 4))\" height=\"\(fmt(bh))\"><title>\(n) with score from \(from)</title></rect>"
            if n > 0 { svg += "<text x=\"\(fmt(x + barW / 2))\" y=\"\(fmt(h - bh - 4))\" text-anchor=\"middle\">\(n)</text>" }
            svg += "<text x=\"\(fmt(x + barW / 2))\" y=\"\(Int(h) + 18)\" text-anchor=\"middle\">\(from)</text>"
        }
        return svg + "</svg>"
    }

    /// A department × department heat map of who was matched with whom.
    static func mixing(_ m: ProgramMatch) -> String {
        let departments = Array(Set(m.people.filter { !$0.isPrivate("department") }.map(\.department))).sorted()
        guard departments.count > 1 else { return "<p>Everyone enrolled is in one department.</p>" }
        let index = Dictionary(uniqueKeysWithValues: departments.enumerated().map { ($1, $0) })
        var grid = [[Int]](repeating: [Int](repeating: 0, count: departments.count), count: departments.count)
        for unit in m.units {
            for pair in unit.pairScores {
                guard let a = index[m.people[pair.a].department], let b = index[m.people[pair.b].department],
                      !m.people[pair.a].isPrivate("department"), !m.people[pair.b].isPrivate("department") else { continue }
                grid[a][b] += 1
                if a != b { grid[b][a] += 1 }
            }
        }
        let top = max(1, grid.flatMap { $0 }.max() ?? 1)
        let cell = 34, labelW = 150, n = departments.count
        var svg = "<svg class=\"chart heat\" viewBox=\"0 0 \(labelW + cell * n) \(labelW + cell * n)\" role=\"img\" aria-label=\"Matches between departments\">"
        for (i, d) in departments.enumerated() {
            let name = escape(d)
            svg += "<text x=\"\(labelW - 6)\" y=\"\(labelW + cell * i + cell / 2 + 4)\" text-anchor=\"end\">\(name)</text>"
            svg += "<text transform=\"translate(\(labelW + cell * i + cell / 2 + 4),\(labelW - 6)) rotate(-60)\">\(name)</text>"
            for j in 0..<n {
                let v = grid[i][j]
                let opacity = v == 0 ? 0.04 : 0.15 + 0.85 * Double(v) / Double(top)
                svg += "<rect x=\"\(labelW + cell * j)\" y=\"\(labelW + cell * i)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" fill-opacity=\"\(fmt(opacity))\"><title>\(name) × \(escape(departments[j])): \(v)</title></rect>"
                if v > 0 { svg += "<text class=\"count\" x=\"\(labelW + cell * j + cell / 2 - 1)\" y=\"\(labelW + cell * i + cell / 2 + 4)\" text-anchor=\"middle\">\(v)</text>" }
            }
        }
        return svg + "</svg>"
    }

    static func fmt(_ x: Double) -> String { String(format: "%.1f", x) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
