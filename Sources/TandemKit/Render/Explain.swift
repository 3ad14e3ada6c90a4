import Foundation

/// Plain-language reasons for a match, seen from one member's side. Criteria that rest on a
/// field either person marked private are left out, so nothing private leaks into a page.
enum Explain {
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return "\(items[0]) and \(items[1])"
        default: return items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    private static func common(_ a: [String], _ b: [String]) -> [String] {
        // Roster lists hold a handful of items: comparing them directly beats hashing.
        if b.count <= 16 { return a.filter { b.contains($0) } }
        let set = Set(b)
        return a.filter { set.contains($0) }
    }

    static func firstName(_ p: Participant) -> String {
        let utf8 = p.name.utf8
        if utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII: the first run of non-spaces, as splitting on " " gives.
            guard let start = utf8.firstIndex(where: { $0 != 0x20 }) else { return p.name }
            let end = utf8[start...].firstIndex(of: 0x20) ?? utf8.endIndex
            return String(p.name[start..<end])
        }
        // A name isolated at load (see `Bidi`): the first word of what is inside, isolated
        // again, so that the isolate is never left open.
        let scalars = p.name.unicodeScalars
        if scalars.first == Bidi.firstStrongIsolate, scalars.last == Bidi.popDirectionalIsolate, scalars.count >= 2 {
            let inner = String(String.UnicodeScalarView(scalars.dropFirst().dropLast()))
            return Bidi.isolate(String(inner.split(separator: " ").first ?? Substring(inner)))
        }
        return String(p.name.split(separator: " ").first ?? Substring(p.name))
    }

    /// Sentences explaining why `viewer` was matched with `peer`, strongest reason first.
    static func reasons(viewer: Participant, peer: Participant, score: PairScore, program: Program, viewerIsMentor: Bool? = nil) -> [(text: String, points: Int)] {
        let them = firstName(peer)
        func open(_ field: String) -> Bool { !viewer.isPrivate(field) && !peer.isPrivate(field) }
        var out: [(String, Int)] = []
        for part in score.parts {
            var sentences: [String] = []
            switch part.criterion {
            case .goalsSkills:
                guard open("goals") && open("skills") else { continue }
                let mine = common(viewer.goals, peer.skills)
                let theirs = common(peer.goals, viewer.skills)
                if !mine.isEmpty { sentences.append("You want to grow in \(list(mine)) — \(them) listed \(mine.count == 1 ? "it" : "them") as \(mine.count == 1 ? "a skill" : "skills").") }
                if !theirs.isEmpty { sentences.append("\(them) wants to grow in \(list(theirs)) — you listed \(theirs.count == 1 ? "it" : "them") as \(theirs.count == 1 ? "a skill" : "skills").") }
            case .sharedGoals:
                guard open("goals") else { continue }
                sentences.append("You both want to grow in \(list(common(viewer.goals, peer.goals))).")
            case .sharedSkills:
                guard open("skills") else { continue }
                sentences.append("You both bring \(list(common(viewer.skills, peer.skills))).")
            case .interests:
                guard open("interests") else { continue }
                sentences.append("You share an interest in \(list(common(viewer.interests, peer.interests))).")
            case .sharedGroups:
                guard open("groups") else { continue }
                sentences.append("You are both part of \(list(common(viewer.groups, peer.groups))).")
            case .differentDepartment:
                guard open("department") else { continue }
                sentences.append("You work in different parts of the company (\(viewer.department) and \(peer.department)), so each of you gets to see a new side of it.")
            case .sameDepartment:
                guard open("department") else { continue }
                sentences.append("You both work in \(viewer.department).")
            case .sameLocation:
                guard open("location") else { continue }
                sentences.append("You are both based in \(viewer.location), so you can meet in person.")
            case .differentLocation:
                guard open("location") else { continue }
                sentences.append("You work from different offices (\(viewer.location) and \(peer.location)) and can compare how things are done.")
            case .sameTimezone:
                guard open("timezone") else { continue }
                sentences.append(viewer.timezone == peer.timezone || part.points == 2 * program.weight(.sameTimezone)
                    ? "You share a time zone, which makes meetings easy to fit in."
                    : "Your working hours overlap comfortably.")
            case .similarSeniority:
                guard open("seniority") else { continue }
                sentences.append("You are at a similar stage in your careers.")
            case .seniorityGap:
                guard open("seniority") else { continue }
                if let viewerIsMentor {
                    sentences.append(viewerIsMentor
                        ? "You have a few more years of experience to share with \(them)."
                        : "\(them) is further along in their career and can share what they have learned.")
                } else {
                    sentences.append("You are at different career stages, so you bring different perspectives.")
                }
            case .tenureGap:
                guard open("joined"), let a = viewer.joined, let b = peer.joined else { continue }
                sentences.append(a < b
                    ? "You have been at the company longer than \(them) and can help them find their feet."
                    : "\(them) has been at the company since \(LocalDate.monthNames[b.month - 1]) \(b.year) and knows how things work here.")
            }
            for s in sentences { out.append((s, part.points)) }
        }
        return out
    }

    /// The reason someone has no match, as their own page says it. The matcher's reason
    /// names the rules that excluded their candidates and how many ("avoid excludes 1"); a
    /// count can give away someone else's private field (an avoid list, a private team or
    /// time zone), so the page keeps only the sentence before the details. The report and
    /// the lock file keep the whole reason.
    static func participantReason(_ reason: String) -> String {
        guard let open = reason.range(of: " (") else { return reason }
        return String(reason[..<open.lowerBound])
    }

    /// Short phrases for "what you have in common".
    static func commonGround(_ a: Participant, _ b: Participant) -> [String] {
        func open(_ field: String) -> Bool { !a.isPrivate(field) && !b.isPrivate(field) }
        var items: [String] = []
        if open("interests") { items += common(a.interests, b.interests) }
        if open("goals") { items += common(a.goals, b.goals).map { "growing in \($0)" } }
        if open("skills") { items += common(a.skills, b.skills).map { "experience in \($0)" } }
        if open("groups") { items += common(a.groups, b.groups) }
        if open("location") && a.location == b.location && !a.location.isEmpty { items.append("the \(a.location) office") }
        return items
    }

    static func criterionLabel(_ c: Criterion) -> String {
        switch c {
        case .goalsSkills: return "goals met by skills"
        case .sharedGoals: return "shared goals"
        case .sharedSkills: return "shared skills"
        case .interests: return "shared interests"
        case .sharedGroups: return "shared resource groups"
        case .sameDepartment: return "same department"
        case .differentDepartment: return "different departments"
        case .sameLocation: return "same location"
        case .differentLocation: return "different locations"
        case .sameTimezone: return "time zones"
        case .similarSeniority: return "similar seniority"
        case .seniorityGap: return "seniority gap"
        case .tenureGap: return "tenure gap"
        }
    }
}
