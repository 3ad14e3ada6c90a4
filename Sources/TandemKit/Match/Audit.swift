import Foundation
import Matching

/// `tandem match --json`: the candidate graph the solver saw and what it chose, so anyone can
/// check optimality with an independent solver.
public enum AuditJSON {
    public static func render(_ matches: [ProgramMatch]) -> String {
        var programs: [String] = []
        for m in matches {
            let ids = m.people.map(\.id)
            var fields = ["\"program\": \(quote(m.program.slug))", "\"format\": \(quote(m.program.format.rawValue))"]
            fields.append("\"vertices\": [" + ids.map(quote).joined(separator: ", ") + "]")
            fields.append("\"edges\": [" + m.edges.map { "[\(quote(ids[$0.u])), \(quote(ids[$0.v])), \($0.weight)]" }.joined(separator: ", ") + "]")
            if m.program.format == .pairs {
                fields.append("\"pairs\": [" + m.solverPairs.map { "[\(quote(ids[$0.a])), \(quote(ids[$0.b]))]" }.joined(separator: ", ") + "]")
            } else if m.program.format.isMentoring {
                fields.append("\"pairs\": [" + m.units.map { "[\(quote(ids[$0.members[0]])), \(quote(ids[$0.members[1]]))]" }.joined(separator: ", ") + "]")
            }
            fields.append("\"groups\": [" + m.units.map { "[" + $0.members.map { quote(ids[$0]) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]")
            fields.append("\"unmatched\": [" + m.unmatched.map { "{\"id\": \(quote(ids[$0.person])), \"reason\": \(quote($0.reason))}" }.joined(separator: ", ") + "]")
            fields.append("\"objective\": \(m.objective)")
            programs.append("{" + fields.joined(separator: ", ") + "}")
        }
        return "{\"programs\": [\n" + programs.joined(separator: ",\n") + "\n]}"
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
            for unit in m.units.sorted(by: { ($1.score, $0.id) < ($0.score, $1.id) }) {
                let names = unit.members.map { m.people[$0].id }.joined(separator: " + ")
                let parts = unit.pairScores.flatMap(\.score.parts).reduce(into: [Criterion: Int]()) { $0[$1.criterion, default: 0] += $1.points }
                    .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
                    .map { "\(Explain.criterionLabel($0.key)) +\($0.value)" }.joined(separator: ", ")
                out += String(format: "  %5d  ", unit.score) + names + (parts.isEmpty ? "" : "  (\(parts))") + "\n"
            }
            for u in m.unmatched { out += "      -  \(m.people[u.person].id): \(u.reason)\n" }
            out += "\n"
        }
        return out
    }
}

/// `tandem check`: people with few or no allowed partners, naming the rules responsible.
public enum Feasibility {
    public static func warn(_ matches: [ProgramMatch], bag: DiagnosticBag) {
        for m in matches where !m.allowedCount.isEmpty && m.people.count > 1 {
            let table = ScoringTable(program: m.program, people: m.people)
            for (i, count) in m.allowedCount.enumerated() where count <= 1 {
                if m.program.format.isMentoring && m.people[i].roles[m.program.slug] == .mentor { continue }
                var byRule: [String: Int] = [:]
                for j in m.people.indices where j != i {
                    if m.program.format.isMentoring && table.isMentor[i] == table.isMentor[j] { continue }
                    let (x, y) = table.isMentor[j] ? (j, i) : (i, j)
                    if let rule = table.violatedRule(x, y) { byRule[rule, default: 0] += 1 }
                }
                let rules = byRule.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.value) excluded by \($0.key)" }
                bag.warning("'\(m.people[i].id)' has \(count == 0 ? "no" : "only one") allowed \(m.program.format.isMentoring ? "mentor" : "partner") in '\(m.program.slug)'\(rules.isEmpty ? "" : ": " + rules.joined(separator: ", "))",
                            at: m.people[i].sourceLocation)
            }
        }
    }
}
