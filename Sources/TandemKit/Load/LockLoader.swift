import Foundation

/// Reads `Content/matches/<program>/round-<n>.yaml`: the current round's locked matches and
/// the history of earlier rounds.
enum LockLoader {
    static let folder = "Content/matches"
    static let keys = ["program", "round", "format", "locked", "updated", "matches", "sat_out", "paused", "unmatched", "ended", "dissolved", "pods"]

    /// Lock files per program slug. Ids in the current round must be on the roster; earlier
    /// rounds may name people who have since left.
    static func load(_ portal: Portal, bag: DiagnosticBag) -> [String: ProgramLocks] {
        let files = ContentFiles(root: portal.root)
        let fm = FileManager.default
        let base = portal.root.appendingPathComponent(folder)
        guard let folders = try? fm.contentsOfDirectory(atPath: base.path) else { return [:] }
        let programs = Dictionary(uniqueKeysWithValues: portal.programs.map { ($0.slug, $0) })
        var result: [String: ProgramLocks] = [:]
        for name in folders.sorted() where !name.hasPrefix(".") {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: base.appendingPathComponent(name).path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            guard let program = programs[name] else {
                bag.warning("lock files for an unknown program '\(name)' are ignored", at: SourceLocation(file: "\(folder)/\(name)"),
                            hint: bag.hint(for: name, in: programs.keys.sorted()))
                continue
            }
            var locks = ProgramLocks()
            let names = (try? fm.contentsOfDirectory(atPath: base.appendingPathComponent(name).path)) ?? []
            for file in names.sorted() where !file.hasPrefix(".") {
                let path = "\(folder)/\(name)/\(file)"
                guard file.hasPrefix("round-"), file.hasSuffix(".yaml"), let round = Int(file.dropFirst(6).dropLast(5)), round >= 1 else {
                    bag.warning("ignored: lock files are named round-<n>.yaml", at: SourceLocation(file: path))
                    continue
                }
                if round > program.round {
                    bag.warning("ignored: '\(program.slug)' is at round \(program.round); raise its 'round' to use this file", at: SourceLocation(file: path))
                    continue
                }
                guard let lock = read(path, files: files, program: program, round: round, portal: portal, bag: bag) else { continue }
                if round == program.round { locks.current = lock } else { locks.earlier.append(lock) }
            }
            locks.earlier.sort { $0.round < $1.round }
            result[name] = locks
        }
        return result
    }

    static func read(_ path: String, files: ContentFiles, program: Program, round: Int, portal: Portal, bag: DiagnosticBag) -> RoundLock? {
        guard let text = files.text(path, bag: bag) else { return nil }
        let source = YAMLSource(file: path)
        guard let root = YAMLDocument.compose(text, source: source, bag: bag) else {
            if !bag.hasErrors { bag.error("the lock file is empty; delete it to match the round again", at: SourceLocation(file: path)) }
            return nil
        }
        guard let r = MappingReader(root, source: source, bag: bag, what: "a lock file") else { return nil }
        defer { r.finish(allowed: keys) }
        let errorsBefore = bag.errorCount
        let isCurrent = round == program.round
        var lock = RoundLock(program: program.slug, round: round, format: program.format, locked: LocalDate(dayNumber: 0),
                             matches: [], satOut: [], unmatched: [], dissolved: [], file: path)
        if let slug = r.string("program", required: true), slug != program.slug {
            bag.error("this file is in the folder of '\(program.slug)' but says program '\(slug)'", at: r.location(of: "program"))
        }
        if let n = r.int("round", required: true), n != round {
            bag.error("this file is named round-\(round).yaml but says round \(n)", at: r.location(of: "round"))
        }
        if let formatText = r.string("format"), formatText != program.format.rawValue, isCurrent {
            bag.error("round \(round) was locked as a '\(formatText)' program, but '\(program.slug)' is now '\(program.format.rawValue)'",
                      at: r.location(of: "format"), hint: "delete this file to match the round again")
        }
        lock.locked = r.date("locked", required: true) ?? lock.locked
        lock.updated = r.date("updated")

        // Only the current round must name people on the roster: history may name people who left.
        var seen: [String: SourceLocation] = [:]
        func person(_ id: String, at location: SourceLocation, repeatable: Bool = false) -> Bool {
            guard isCurrent else { return true }
            guard portal.participant(id) != nil else {
                // The roster comes from an HR export that no longer lists them: they left,
                // and their match is handled as when someone leaves the program.
                if let listing = portal.rosterListings.first {
                    bag.warning("'\(id)' is no longer in \(listing); handled as leaving the program", at: location,
                                hint: bag.hint(for: id, in: portal.participants.map(\.id)).map { "if this is a typo: \($0)" })
                    return true
                }
                let suggestion = bag.hint(for: id, in: portal.participants.map(\.id)).map { $0 + " " } ?? ""
                bag.error("unknown participant '\(id)'", at: location,
                          hint: suggestion + "if '\(id)' has left, delete them here; their partners are matched again on the next build")
                return false
            }
            if repeatable { return true }
            if let first = seen[id] {
                bag.error("'\(id)' appears twice in this round", at: location, hint: "first listed at \(first)")
                return false
            }
            seen[id] = location
            return true
        }

        for item in sequence(r, "matches") {
            guard let u = MappingReader(item, source: source, bag: bag, what: "a locked match") else { continue }
            defer { u.finish(allowed: ["members", "kind", "score", "added", "pod", "slot", "alternate_slot"]) }
            let members = u.stringList("members")
            if members.isEmpty { bag.error("a locked match needs 'members'", at: u.location) }
            // A mentor with capacity for several mentees leads several matches.
            var known = true
            for (k, m) in members.enumerated() { known = person(m.value, at: m.location, repeatable: k == 0 && program.format.isMentoring) && known }
            if isCurrent, known, program.format.isMentoring, !members.isEmpty {
                checkRoles(members, at: u.location, program: program, portal: portal, bag: bag)
            }
            if let kind = u.string("kind"), UnitKind(rawValue: kind) == nil {
                bag.error("unknown kind '\(kind)'", at: u.location(of: "kind"), hint: bag.hint(for: kind, in: ["pair", "trio", "group", "mentoring"]))
            }
            func slot(_ key: String) -> Slot? { readSlot(u, key, bag: bag) }
            var entry = LockedUnit(members: members.map(\.value), score: u.int("score"), added: u.date("added"),
                                   pod: u.int("pod", range: 1...100_000), memberLocations: members.map(\.location), location: u.location)
            entry.slot = slot("slot")
            entry.alternateSlot = entry.slot == nil ? nil : slot("alternate_slot")
            entry.slotLocation = u.has("slot") ? u.location(of: "slot") : nil
            lock.matches.append(entry)
        }
        // Each pod's slot: one line per pod, `- pod: 2` then `slot: wed 16:00 Europe/London`.
        let podNumbers = Set(lock.matches.compactMap(\.pod))
        var podSeen: [Int: SourceLocation] = [:]
        for item in sequence(r, "pods") {
            guard let p = MappingReader(item, source: source, bag: bag, what: "a pod's slot") else { continue }
            defer { p.finish(allowed: ["pod", "slot", "alternate_slot"]) }
            guard p.has("pod") else {
                bag.error("a pods entry needs 'pod': the pod's number, as on its matches", at: p.location,
                          hint: "write '- pod: 1' with 'slot: …' below it, or delete the entry to let the build choose")
                continue
            }
            guard let number = p.int("pod", range: 1...100_000) else { continue }
            if let first = podSeen[number] {
                bag.error("pod \(number) appears twice in 'pods'", at: p.location(of: "pod"), hint: "first listed at \(first); keep one of them")
                continue
            }
            podSeen[number] = p.location(of: "pod")
            // Moving every pair out of a pod by hand (see README, "Pods are locked too") leaves
            // its slot naming nobody: the build goes on without it and says so.
            if !podNumbers.contains(number) {
                bag.warning("no match in this round is in pod \(number): its slot is not used", at: p.location(of: "pod"),
                            hint: podNumbers.isEmpty ? "no match has a 'pod:' number; delete the 'pods' entries"
                                : "the pods are \(podNumbers.sorted().map(String.init).joined(separator: ", ")); delete this entry or correct its number")
                continue
            }
            let slot = readSlot(p, "slot", bag: bag)
            lock.pods.append(LockedPod(pod: number, slot: slot, alternateSlot: slot == nil ? nil : readSlot(p, "alternate_slot", bag: bag),
                                       slotLocation: p.has("slot") ? p.location(of: "slot") : nil, location: p.location))
        }
        lock.pods.sort { $0.pod < $1.pod }
        for (key, what) in [("sat_out", "someone who sat out"), ("paused", "someone paused"), ("unmatched", "someone unmatched")] {
            for item in sequence(r, key) {
                guard let p = MappingReader(item, source: source, bag: bag, what: what) else { continue }
                defer { p.finish(allowed: ["id", "reason"]) }
                guard let id = p.string("id", required: true) else { continue }
                _ = person(id, at: p.location(of: "id"))
                let entry = LockedPerson(id: id, reason: p.string("reason") ?? "", location: p.location)
                switch key {
                case "sat_out": lock.satOut.append(entry)
                case "paused": lock.paused.append(entry)
                default: lock.unmatched.append(entry)
                }
            }
        }
        for item in sequence(r, "ended") {
            guard let e = MappingReader(item, source: source, bag: bag, what: "an ended match") else { continue }
            defer { e.finish(allowed: ["members", "on", "reason", "rematch"]) }
            let members = e.stringList("members")
            if members.count < 2 {
                bag.error("an ended match needs 'members': the ids of the match, at least two", at: e.location,
                          hint: "copy the match's 'members' line from 'matches' above")
            }
            var known = true
            for m in members where isCurrent && portal.participant(m.value) == nil {
                known = false
                bag.error("unknown participant '\(m.value)' in an ended match", at: m.location,
                          hint: Suggest.hint(for: m.value, in: portal.participants.map(\.id)) ?? "list the ids of the match that ended")
            }
            if !e.has("on") {
                bag.error("an ended match needs 'on': the day it ended", at: e.location, hint: "add 'on: YYYY-MM-DD', on or after the day the round was locked")
            }
            let on = e.date("on")
            if let on, r.has("locked"), on < lock.locked {
                bag.error("an ended match cannot end on \(on), before the round was locked (\(lock.locked))", at: e.location(of: "on"),
                          hint: "use the day the match actually ended, on or after \(lock.locked)")
            }
            let rematch = e.bool("rematch") ?? true
            if let on, members.count >= 2, known {
                lock.ended.append(EndedMatch(members: members.map(\.value), on: on, reason: e.string("reason") ?? "", rematch: rematch,
                                             location: e.location, memberLocations: members.map(\.location)))
            }
        }
        for item in sequence(r, "dissolved") {
            guard let d = MappingReader(item, source: source, bag: bag, what: "a dissolved match") else { continue }
            defer { d.finish(allowed: ["members", "reason", "on"]) }
            lock.dissolved.append(DissolvedUnit(members: d.stringList("members").map(\.value), reason: d.string("reason") ?? "", date: d.date("on")))
        }
        return bag.errorCount == errorsBefore ? lock : nil
    }

    /// A slot line (`slot: tue 15:00 Europe/London`); an unreadable one is an error at its value.
    private static func readSlot(_ r: MappingReader, _ key: String, bag: DiagnosticBag) -> Slot? {
        guard let text = r.string(key) else { return nil }
        switch Slot.parse(text) {
        case let .success(slot): return slot
        case let .failure(problem):
            bag.error(problem.message, at: r.location(of: key),
                      hint: problem.hint ?? "write it as '<weekday> <HH:MM> <time zone>', e.g. 'tue 15:00 Europe/London', or delete the line to let the build choose")
            return nil
        }
    }

    /// A mentoring match is `[mentor, mentee]`: its first member must have the role mentor in
    /// this program and the second mentee, or a mentee could end up with two mentors.
    private static func checkRoles(_ members: [(value: String, location: SourceLocation)], at location: SourceLocation, program: Program,
                                   portal: Portal, bag: DiagnosticBag) {
        let hint = "a mentoring match lists the mentor first, then one mentee: members: [mentor, mentee]"
        guard members.count == 2 else {
            bag.error("a mentoring match has a mentor and one mentee, found \(members.count) member\(members.count == 1 ? "" : "s")", at: location, hint: hint)
            return
        }
        // Someone who has left the program is dissolved from the match by the next build,
        // whatever their role was.
        func enrolled(_ id: String) -> Bool { portal.participant(id)?.programs.contains(program.slug) ?? false }
        func role(_ id: String) -> MentoringRole? { portal.participant(id)?.roles[program.slug] }
        if enrolled(members[0].value), role(members[0].value) != .mentor {
            bag.error("'\(members[0].value)' is listed first, as the mentor, but is not a mentor in '\(program.slug)'", at: members[0].location, hint: hint)
        }
        if enrolled(members[1].value), role(members[1].value) == .mentor {
            bag.error("'\(members[1].value)' is listed as the mentee, but is a mentor in '\(program.slug)'", at: members[1].location, hint: hint)
        }
    }

    private static func sequence(_ r: MappingReader, _ key: String) -> [YAMLNode] {
        guard let node = r.node(key), !YAMLValue.isNull(node) else { return [] }
        guard let list = node.items else {
            r.bag.error("'\(key)' must be a list, found \(YAMLValue.describe(node))", at: r.source.location(node))
            return []
        }
        return list
    }
}
