import Foundation
import Matching

/// `tandem match --json`: the candidate graph the solver saw and what it chose, so anyone can
/// check optimality with an independent solver.
public enum AuditJSON {
    public static func render(_ matches: [ProgramMatch]) -> String {
        var programs: [String] = []
        for m in matches {
            let ids = m.people.map(\.id)
            var fields = ["\"program\": \(quote(m.program.slug))", "\"format\": \(quote(m.program.format.rawValue))",
                          "\"round\": \(m.program.round)", "\"locked\": \(m.round.wasLocked)"]
            fields.append("\"vertices\": [" + ids.map(quote).joined(separator: ", ") + "]")
            fields.append("\"edges\": [" + m.edges.map { "[\(quote(ids[$0.u])), \(quote(ids[$0.v])), \($0.weight)]" }.joined(separator: ", ") + "]")
            if m.program.format == .pairs {
                fields.append("\"pairs\": [" + m.solverPairs.map { "[\(quote(ids[$0.a])), \(quote(ids[$0.b]))]" }.joined(separator: ", ") + "]")
            } else if m.program.format.isMentoring {
                fields.append("\"pairs\": [" + m.units.map { "[\(quote(ids[$0.members[0]])), \(quote(ids[$0.members[1]]))]" }.joined(separator: ", ") + "]")
            }
            if m.program.pods != nil {
                // Every unit in exactly one pod: [[["ada", "bo"], ["cy", "dee"]], …], by pod number.
                fields.append("\"pods\": [" + m.pods.map { pod in
                    "[" + pod.units.map { "[" + m.units[$0].members.map { quote(ids[$0]) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
                }.joined(separator: ", ") + "]")
            }
            if m.program.pods != nil {
                // Each pod's slot, by pod number: {"pod", "slot", "alternate_slot", "common_hours"}.
                fields.append("\"pod_slots\": [" + m.pods.indices.map { k -> String in
                    guard k < m.schedule.podSlots.count, let choice = m.schedule.podSlots[k] else { return "{\"pod\": \(m.pods[k].number), \"slot\": null}" }
                    return "{\"pod\": \(m.pods[k].number), \"slot\": \(quote(choice.slot.description)), \"alternate_slot\": \(choice.alternate.map { quote($0.description) } ?? "null"), \"common_hours\": \(choice.common)}"
                }.joined(separator: ", ") + "]")
            }
            fields.append("\"groups\": [" + m.units.map { "[" + $0.members.map { quote(ids[$0]) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]")
            // Each unit's slot, in the order of "groups": {"members", "slot", "alternate_slot", "common_hours"}.
            fields.append("\"slots\": [" + m.units.indices.map { u -> String in
                let members = "[" + m.units[u].members.map { quote(ids[$0]) }.joined(separator: ", ") + "]"
                guard u < m.schedule.slots.count, let choice = m.schedule.slots[u] else { return "{\"members\": \(members), \"slot\": null}" }
                return "{\"members\": \(members), \"slot\": \(quote(choice.slot.description)), \"alternate_slot\": \(choice.alternate.map { quote($0.description) } ?? "null"), \"common_hours\": \(choice.common)}"
            }.joined(separator: ", ") + "]")
            fields.append("\"unmatched\": [" + m.unmatched.map { "{\"id\": \(quote(ids[$0.person])), \"reason\": \(quote($0.reason))}" }.joined(separator: ", ") + "]")
            fields.append("\"objective\": \(m.objective)")
            if let info = m.candidates {
                // No candidate is ever sampled or cut: "approximation" stays null (a field kept
                // so that a reader checks it rather than assumes it).
                fields.append("\"candidates\": {\"method\": \(quote(info.method.rawValue)), \"k\": \(info.k.map(String.init) ?? "null"), "
                              + "\"exact\": \(info.exact), \"approximation\": null}")
            }
            if m.program.format == .pairs {
                if let c = m.certificate {
                    fields.append("\"certificate\": " + certificate(c, ids: ids))
                } else {
                    fields.append("\"certificate\": null, \"certificate_note\": "
                                  + quote(m.round.wasLocked ? "round \(m.program.round) is locked: its pairs come from the lock file, not from a solve in this run" : "no solve in this run"))
                }
            }
            programs.append("{" + fields.joined(separator: ", ") + "}")
        }
        return "{\"programs\": [\n" + programs.joined(separator: ",\n") + "\n]}"
    }

    /// The extra vertex that models a sit-out (not a valid participant id).
    static let sitOutVertex = "(sit-out)"

    /// The blossom duals proving `pairs` optimal on the candidate graph (README, "Certificate").
    static func certificate(_ c: PairingCertificate, ids: [String]) -> String {
        let d = c.duals
        func name(_ v: Int) -> String { quote(v < ids.count ? ids[v] : sitOutVertex) }
        var parts = ["\"form\": \"blossom-duals-1\""]
        parts.append("\"vertex_duals\": [" + d.vertexDual.map(String.init).joined(separator: ", ") + "]")
        parts.append("\"vertex_blossom\": [" + d.vertexBlossom.map(String.init).joined(separator: ", ") + "]")
        parts.append("\"blossoms\": [" + zip(d.blossomParent, d.blossomDual).map { "[\($0), \($1)]" }.joined(separator: ", ") + "]")
        parts.append("\"barrier\": [" + d.barrier.map(name).joined(separator: ", ") + "]")
        if let weight = c.sitOutWeight {
            parts.append("\"sit_out\": {\"weight\": \(weight), \"joined\": [" + c.sitOutJoined.map(name).joined(separator: ", ") + "], "
                         + "\"matched\": \(c.sitOutMate.map(name) ?? "null")}")
        } else {
            parts.append("\"sit_out\": null")
        }
        parts.append("\"floor\": \(c.floor.map(String.init) ?? "null")")
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// `tandem match`: a readable table per program.
public enum MatchTable {
    public static func render(_ matches: [ProgramMatch]) -> String {
        var out = ""
        for m in matches {
            out += "\(m.program.title) (\(m.program.slug), \(m.program.format.rawValue), round \(m.program.round)): "
            out += "\(m.people.count) enrolled, \(m.units.count) matches, total score \(m.objective)\n"
            if let lock = m.round.lock {
                out += m.round.wasLocked ? "  locked on \(lock.locked) in \(lock.file)\(m.round.needsWrite ? " (the roster changed: the next build updates it)" : "")\n"
                    : "  not locked yet: the next build (or --lock) writes \(lock.file)\n"
            }
            for unit in m.units.sorted(by: { ($1.score, $0.id) < ($0.score, $1.id) }) {
                let names = unit.members.map { m.people[$0].id }.joined(separator: " + ")
                let parts = unit.pairScores.flatMap(\.score.parts).reduce(into: [Criterion: Int]()) { $0[$1.criterion, default: 0] += $1.points }
                    .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
                    .map { "\(Explain.criterionLabel($0.key)) +\($0.value)" }.joined(separator: ", ")
                out += String(format: "  %5d  ", unit.score) + names + (parts.isEmpty ? "" : "  (\(parts))") + "\n"
            }
            for u in m.unmatched { out += "      -  \(m.people[u.person].id): \(u.reason)\n" }
            for pod in m.pods {
                out += "  pod \(pod.number): " + pod.units.map { m.units[$0].members.map { m.people[$0].id }.joined(separator: " + ") }.joined(separator: " | ") + "\n"
            }
            out += "\n"
        }
        return out
    }
}

/// `tandem check`: people with few or no allowed partners, naming the rules responsible.
public enum Feasibility {
    /// Fewer allowed partners than this (out of at least `crowd` candidates) is worth a warning.
    static let few = 2, crowd = 6

    public static func warn(_ matches: [ProgramMatch], bag: DiagnosticBag) {
        for m in matches where m.round.needsWrite {
            guard let lock = m.round.lock else { continue }
            bag.append(Diagnostic(.note, m.round.wasLocked
                ? "round \(lock.round) of '\(m.program.slug)' changed with the roster; the next build updates \(lock.file)"
                : "round \(lock.round) of '\(m.program.slug)' is not locked yet; the next build (or 'tandem match --lock') writes \(lock.file)",
                at: m.program.fieldLocations["round"] ?? SourceLocation(file: m.program.sourceFile)))
        }
        for m in matches { for note in m.round.checkNotes { bag.append(note) } }
        warnAboutPreferences(matches, bag: bag)
        for m in matches where !m.allowedCount.isEmpty && m.people.count > 1 {
            guard let table = m.table else { continue }
            let noun = m.program.format.isMentoring ? "mentor" : "partner"
            let resting = Set(m.unmatched.filter(\.paused).map(\.person))
            for (i, count) in m.allowedCount.enumerated() {
                if m.program.format.isMentoring && table.isMentor[i] { continue }
                if resting.contains(i) { continue }
                // Most people have plenty of partners: skip them before listing candidates.
                guard count <= few else { continue }
                let candidates = m.people.indices.filter { $0 != i && (!m.program.format.isMentoring || table.isMentor[$0]) }
                guard count == 0 || (count <= few && candidates.count >= crowd) else { continue }
                var byRule: [String: [Int]] = [:]
                for j in candidates {
                    let (x, y) = m.program.format.isMentoring ? (j, i) : (i, j)
                    if let rule = table.violatedRule(x, y) { byRule[rule, default: []].append(j) }
                }
                let reasons = byRule.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.map { rule, excluded -> String in
                    let amount = excluded.count == candidates.count ? "all \(excluded.count) candidates" : "\(excluded.count)"
                    var text = "\(amount) excluded by \(ruleName(rule, m.program))"
                    if rule == "max_timezone_gap" {
                        let zones = Set(excluded.map { m.people[$0].timezone }).sorted()
                        text = "\(amount) in \(Explain.list(zones.count > 3 ? Array(zones.prefix(3)) + ["elsewhere"] : zones)) excluded by \(ruleName(rule, m.program))"
                    }
                    return text
                }
                let id = m.people[i].id
                let head = count == 0 ? "\(id): no allowed \(noun) in '\(m.program.slug)'" : "\(id): only \(count) allowed \(noun)\(count == 1 ? "" : "s") in '\(m.program.slug)'"
                bag.warning(head + (reasons.isEmpty ? "" : ": " + reasons.joined(separator: ", ")), at: m.people[i].sourceLocation,
                            hint: count == 0 ? "they cannot be matched this round; relax a rule or enrol more people" : nil)
            }
        }
    }

    /// Requests (`prefer`) that cannot be granted: the person asked for shares none of the
    /// asker's programs, or a rule excludes the pair in every program they share.
    static func warnAboutPreferences(_ matches: [ProgramMatch], bag: DiagnosticBag) {
        var askers: [String: Participant] = [:]
        for m in matches { for p in m.people where !p.prefer.isEmpty { askers[p.id] = p } }
        for id in askers.keys.sorted() {
            let p = askers[id]!
            for (k, wanted) in p.prefer.enumerated() {
                let at = p.listLocations["prefer"].flatMap { k < $0.count ? $0[k] : nil } ?? p.sourceLocation
                var shared = 0
                var excluded: [String] = []
                for m in matches {
                    guard let x = Explain.index(of: id, in: m.people), let y = Explain.index(of: wanted, in: m.people), let table = m.table else { continue }
                    shared += 1
                    let rule: String?
                    if m.program.format.isMentoring {
                        rule = table.isMentor[x] == table.isMentor[y] ? "both \(table.isMentor[x] ? "mentors" : "mentees")"
                            : table.isMentor[x] ? table.violatedRule(x, y) : table.violatedRule(y, x)
                    } else {
                        rule = table.violatedRule(x, y)
                    }
                    if let rule { excluded.append("\(ruleName(rule, m.program)) in '\(m.program.slug)'") }
                }
                if shared == 0 {
                    bag.warning("'\(id)' asks to be matched with '\(wanted)', who is in none of their programs", at: at,
                                hint: "a request only counts within a program both take part in")
                } else if excluded.count == shared {
                    bag.warning("'\(id)' asks to be matched with '\(wanted)', but \(Explain.list(excluded)) \(excluded.count == 1 ? "excludes" : "exclude") the pair", at: at,
                                hint: "a request never overrides a rule")
                }
            }
        }
    }

    /// A rule as the program wrote it, with its parameter ("max_timezone_gap: 2h").
    static func ruleName(_ rule: String, _ program: Program) -> String {
        if rule == "ended" { return "an ended match" }
        return program.rules.first { $0.description == rule || $0.description.hasPrefix(rule + ":") }?.description ?? rule
    }
}
