import Foundation

/// Writes round locks to `Content/matches/<program>/round-<n>.yaml`: deterministic YAML meant
/// to be read in review and diffed in git. Each file is written beside its target and renamed
/// into place, and nothing is ever written outside `Content/matches/`.
enum LockWriter {
    static func render(_ lock: RoundLock, title: String) -> String {
        var out = """
        # Locked matches of "\(commentText(title))", round \(lock.round).
        # Written by `tandem build`; later builds reuse these matches verbatim. When people join or
        # leave, only they and the partners they leave behind are matched again, and this file says so.
        # Raise the program's `round` to match everyone again without repeating these pairs.

        program: \(lock.program)
        round: \(lock.round)
        format: \(lock.format.rawValue)
        locked: \(lock.locked)

        """
        if let updated = lock.updated { out += "updated: \(updated)\n" }
        out += "matches:" + (lock.matches.isEmpty ? " []\n" : "\n")
        for unit in lock.matches {
            out += "  - members: [\(unit.members.joined(separator: ", "))]\n"
            out += "    kind: \(kind(unit.members.count, lock.format).rawValue)\n"
            if let score = unit.score { out += "    score: \(score)\n" }
            if let added = unit.added { out += "    added: \(added)\n" }
            if let pod = unit.pod { out += "    pod: \(pod)\n" }
            if let slot = unit.slot { out += "    slot: \(slot)\n" }
            if let slot = unit.alternateSlot { out += "    alternate_slot: \(slot)\n" }
        }
        let podSlots = lock.pods.filter { $0.slot != nil }
        if !podSlots.isEmpty {
            out += "pods:                         # each pod's meeting slot, kept for all its pod sessions\n"
            for pod in podSlots {
                out += "  - pod: \(pod.pod)\n    slot: \(pod.slot!)\n"
                if let alternate = pod.alternateSlot { out += "    alternate_slot: \(alternate)\n" }
            }
        }
        for (key, people) in [("sat_out", lock.satOut), ("paused", lock.paused), ("unmatched", lock.unmatched)] where !people.isEmpty {
            out += "\(key):\n"
            for p in people { out += "  - id: \(p.id)\n    reason: \(quote(p.reason.trimmedFast(newlines: true)))\n" }
        }
        if !lock.ended.isEmpty {
            out += "ended:                        # the reason is for admins: never shown to participants\n"
            for e in lock.ended {
                out += "  - members: [\(e.members.joined(separator: ", "))]\n    on: \(e.on)\n    reason: \(quote(e.reason))\n    rematch: \(e.rematch)\n"
            }
        }
        if !lock.dissolved.isEmpty {
            out += "dissolved:\n"
            for d in lock.dissolved {
                out += "  - members: [\(d.members.joined(separator: ", "))]\n    reason: \(quote(d.reason.trimmedFast(newlines: true)))\n"
                if let date = d.date { out += "    on: \(date)\n" }
            }
        }
        return out
    }

    static func kind(_ size: Int, _ format: ProgramFormat) -> UnitKind {
        switch format {
        case .pairs: return size == 3 ? .trio : .pair
        case .groups: return .group
        case .mentoring, .reverse: return .mentoring
        }
    }

    /// True for what may stand as itself in a YAML file: not a line break of YAML's
    /// (LF, CR, U+0085, U+2028, U+2029), not a character YAML forbids in a stream (C0 and C1
    /// controls but tab, DEL, U+FEFF, U+FFFE, U+FFFF). libyaml ends a comment at any of the
    /// line breaks and refuses the file on the others.
    static func standsForItself(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x20...0x7E, 0xA0...0x2027, 0x202A...0xFEFE, 0xFF00...0xFFFD, 0x10000...: return true
        default: return false
        }
    }

    /// Text for the comment line: anything that would end the line or that YAML refuses
    /// becomes a space.
    static func commentText(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.append(contentsOf: text.unicodeScalars.map { standsForItself($0) && $0 != "\t" ? $0 : " " })
        return out
    }

    /// A double-quoted YAML scalar: reads back as exactly `text`. (Reasons are written trimmed,
    /// as the lock loader reads every text, so a written file reads back as itself.)
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\u{85}": out += "\\N"
            case "\u{2028}": out += "\\L"
            case "\u{2029}": out += "\\P"
            case _ where scalar.value <= 0xFF && !standsForItself(scalar): out += String(format: "\\x%02X", scalar.value)
            case _ where !standsForItself(scalar): out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Writes every lock that changed. Returns the paths written, relative to the portal root.
    @discardableResult
    static func write(_ matches: [ProgramMatch], root: URL, bag: DiagnosticBag) -> [String] {
        var written: [String] = []
        for m in matches {
            guard m.round.needsWrite, let lock = m.round.lock else { continue }
            if write(render(lock, title: m.program.title), to: lock.file, root: root, bag: bag) { written.append(lock.file) }
        }
        return written
    }

    static func write(_ text: String, to path: String, root: URL, bag: DiagnosticBag) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix(LockLoader.folder + "/"), parts.count == 4, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            bag.error("refusing to write a lock file outside \(LockLoader.folder)/: \(path)", at: nil)
            return false
        }
        let files = ContentFiles(root: root)
        let target = root.appendingPathComponent(path)
        let folder = target.deletingLastPathComponent()
        // Checked before anything is created: a linked Content/matches/ or program folder
        // must not get a folder made at its far end.
        let matchesFolder = root.appendingPathComponent(LockLoader.folder)
        let matchesResolved = matchesFolder.resolvingSymlinksInPath().path
        guard files.isInsidePortal(matchesFolder), files.isInsidePortal(folder),
              folder.resolvingSymlinksInPath().path.hasPrefix(matchesResolved + "/") else {
            bag.error("refusing to write \(path): its folder leads outside \(LockLoader.folder)/ (symbolic link?)", at: nil)
            return false
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            bag.error("cannot create \(files.relative(folder)): \(error.localizedDescription)", at: nil)
            return false
        }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).tandem-\(getpid())")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
            return true
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            bag.error("cannot write the lock file: \(error.localizedDescription)", at: SourceLocation(file: path))
            return false
        }
    }
}
