import Dispatch
import Foundation

/// Reads `Content/roster.yaml` into participants.
enum RosterLoader {
    static let path = "Content/roster.yaml"

    static let keys = ["id", "name", "email", "pronouns", "title", "department", "team", "manager", "location",
                       "timezone", "seniority", "joined", "programs", "roles", "capacity", "skills", "goals",
                       "interests", "groups", "avoid", "link", "bio", "private", "working_hours", "working_days", "away", "pause", "skip_rounds", "prefer"]
    /// Fields an admin may mark private: used for matching, never rendered.
    static let privatable = ["pronouns", "title", "department", "team", "manager", "location", "timezone",
                             "seniority", "joined", "skills", "goals", "interests", "groups", "email", "link", "bio", "avoid"]

    static func load(_ files: ContentFiles, bag: DiagnosticBag, lost: LostIDs? = nil) -> [Participant] {
        guard files.exists(path) else {
            bag.error("the portal has no roster; create \(path) with a 'participants:' list", at: SourceLocation(file: path))
            return []
        }
        guard let text = files.text(path, bag: bag) else { return [] }
        guard let digests = files.digests else { return parse(text, bag: bag, lost: lost) }
        // The entries' fingerprints are worked out beside the parse (half a second for a
        // 100,000-person roster, all of it on one core).
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            digests.rosterEntries = entryDigests(text)
            done.signal()
        }
        let participants = parse(text, bag: bag, lost: lost)
        done.wait()
        return participants
    }

    /// Participants from the roster's text, duplicates reported; in file order.
    static func parse(_ text: String, bag: DiagnosticBag, splitAbove minimumSize: Int = 256 * 1024, lost: LostIDs? = nil) -> [Participant] {
        let chunks = splitLargeRoster(text, minimumSize: minimumSize)
        // Parse in parallel, merge serially in file order.
        let bags = chunks.map { _ in DiagnosticBag() }
        nonisolated(unsafe) var parsed = [[Participant]](repeating: [], count: chunks.count)
        parsed.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
                out[i] = i == 0
                    ? parseWholeRoster(chunks[i].text, bag: bags[i], lost: lost)
                    : parseItems(chunks[i].text, source: YAMLSource(file: path, lineOffset: chunks[i].lineOffset), bag: bags[i], lost: lost)
            }
        }
        for b in bags { bag.merge(b) }
        var participants: [Participant] = []
        participants.reserveCapacity(parsed.reduce(0) { $0 + $1.count })
        var firstSeen: [String: Int] = [:]
        firstSeen.reserveCapacity(participants.capacity)
        for chunk in parsed {
            for p in chunk {
                if let earlier = firstSeen[p.id] {
                    bag.error("duplicate participant id '\(p.id)'", at: p.fieldLocations["id"],
                              hint: "first used at \(participants[earlier].fieldLocations["id"]!)")
                    continue
                }
                firstSeen[p.id] = participants.count
                participants.append(p)
            }
        }
        return participants
    }

    private static func parseWholeRoster(_ text: String, bag: DiagnosticBag, lost: LostIDs?) -> [Participant] {
        let source = YAMLSource(file: path)
        guard let root = YAMLDocument.compose(text, source: source, bag: bag) else {
            if !bag.hasErrors { bag.error("the roster is empty; it needs a 'participants:' list", at: SourceLocation(file: path)) }
            return []
        }
        guard let top = MappingReader(root, source: source, bag: bag, what: "the roster") else { return [] }
        top.finish(allowed: ["participants"])
        guard let listNode = top.node("participants") else {
            bag.error("the roster is missing the required key 'participants'", at: top.location)
            return []
        }
        guard listNode.kind == .sequence else {
            bag.error("'participants' must be a list, found \(YAMLValue.describe(listNode))", at: source.location(listNode))
            return []
        }
        return listNode.children.compactMap { participant($0, source: source, bag: bag, lost: lost) }
    }

    /// The entries of a roster.yaml that only adds hand-kept fields to the people of the roster
    /// sources: each entry needs only its id. Returns each entry with the keys it gives.
    static func parseOverlay(_ text: String, bag: DiagnosticBag) -> [(Participant, Set<String>)] {
        let source = YAMLSource(file: path)
        guard let root = YAMLDocument.compose(text, source: source, bag: bag) else { return [] }
        guard let top = MappingReader(root, source: source, bag: bag, what: "the roster") else { return [] }
        top.finish(allowed: ["participants"])
        guard let listNode = top.node("participants"), !YAMLValue.isNull(listNode) else { return [] }
        guard listNode.kind == .sequence else {
            bag.error("'participants' must be a list, found \(YAMLValue.describe(listNode))", at: source.location(listNode))
            return []
        }
        var result: [(Participant, Set<String>)] = []
        var firstSeen: [String: SourceLocation] = [:]
        for node in listNode.children {
            guard let p = participant(node, source: source, bag: bag, partial: true) else { continue }
            let keys = MappingReader(node, source: source, bag: DiagnosticBag(), what: "")?.keys ?? []
            if let first = firstSeen[p.id] {
                bag.error("duplicate participant id '\(p.id)'", at: p.fieldLocations["id"], hint: "first used at \(first)")
                continue
            }
            firstSeen[p.id] = p.fieldLocations["id"]
            result.append((p, Set(keys).subtracting(["id"])))
        }
        return result
    }

    private static func parseItems(_ text: String, source: YAMLSource, bag: DiagnosticBag, lost: LostIDs?) -> [Participant] {
        guard let root = YAMLDocument.compose(text, source: source, bag: bag) else { return [] }
        guard root.kind == .sequence else {
            bag.error("expected a list of participants", at: source.location(root))
            return []
        }
        return root.children.compactMap { participant($0, source: source, bag: bag, lost: lost) }
    }

    /// Large rosters are cut between top-level list items so the pieces parse in parallel; the
    /// first piece is a whole roster document (header, `participants:`, the first items).
    /// Only the plain layout (`participants:` then `- ` items at one indentation) is cut;
    /// anything else is parsed whole, so diagnostics never depend on the cut.
    /// Works on the UTF-8 bytes: a 40 MB roster is scanned once, without Character breaking.
    static func splitLargeRoster(_ text: String, minimumSize: Int = 256 * 1024) -> [(text: String, lineOffset: Int)] {
        let whole = [(text, 0)]
        guard text.utf8.count >= minimumSize else { return whole }
        var text = text
        return text.withUTF8 { bytes -> [(text: String, lineOffset: Int)] in
            let lines = LineTable(bytes)
            guard let starts = plainItemStarts(bytes, lines) else { return whole }
            let pieces = min(starts.count, max(2, ProcessInfo.processInfo.activeProcessorCount * 4))
            guard pieces > 1 else { return whole }
            var chunks: [(String, Int)] = []
            for k in 0..<pieces {
                // The first piece keeps the header, so it is checked like the rest.
                let from = k == 0 ? 0 : starts[k * starts.count / pieces]
                let to = k == pieces - 1 ? bytes.count : lines.start(starts[(k + 1) * starts.count / pieces]) - 1
                chunks.append((String(decoding: UnsafeBufferPointer(rebasing: bytes[lines.start(from)..<to]), as: UTF8.self), from))
            }
            return chunks
        }
    }

    /// The fingerprint of each participant's entry (its lines up to the next entry), by the
    /// 1-based line it starts on; nil unless the roster has the plain layout, where an entry's
    /// text is all that makes it. The render cache uses them to re-render only the pages
    /// that show an edited participant.
    static func entryDigests(_ text: String) -> [Int: Fingerprint]? {
        var text = text
        return text.withUTF8 { bytes -> [Int: Fingerprint]? in
            let lines = LineTable(bytes)
            guard let starts = plainItemStarts(bytes, lines) else { return nil }
            var digests: [Int: Fingerprint] = [:]
            digests.reserveCapacity(starts.count)
            for (k, line) in starts.enumerated() {
                let end = k + 1 < starts.count ? lines.start(starts[k + 1]) : bytes.count
                var f = Fingerprint()
                f.combine(bytes: UnsafeBufferPointer(rebasing: bytes[lines.start(line)..<end]))
                digests[line + 1] = f
            }
            return digests
        }
    }

    /// The lines (0-based) where top-level list items start, when the roster is just
    /// `participants:` and `- ` items at one indentation (comments and blank lines aside) and
    /// no alias can name an anchor in another item; nil for anything else.
    static func plainItemStarts(_ bytes: UnsafeBufferPointer<UInt8>, _ lines: LineTable) -> [Int]? {
        if bytes.contains(UInt8(ascii: "&")) && bytes.contains(UInt8(ascii: "*")) { return nil }
        func isBlank(_ i: Int) -> Bool { lines.firstNonBlank(i) == nil }
        func isComment(_ i: Int) -> Bool { lines.firstNonBlank(i).map { bytes[$0] == UInt8(ascii: "#") } ?? false }
        let header = "participants:".utf8
        guard let h = (0..<lines.count).first(where: { lines.hasPrefix($0, header) }),
              (0..<h).allSatisfy({ isBlank($0) || lines.hasPrefix($0, "#".utf8) }),
              lines.firstNonBlank(h, from: header.count) == nil,
              let first = ((h + 1)..<lines.count).first(where: { !isBlank($0) && !isComment($0) })
        else { return nil }
        let indent = lines.leadingSpaces(first)
        let itemPrefix = Array(repeating: UInt8(ascii: " "), count: indent) + "- ".utf8
        guard lines.hasPrefix(first, itemPrefix) else { return nil }
        var starts: [Int] = []
        for i in first..<lines.count {
            if lines.hasPrefix(i, itemPrefix) { starts.append(i); continue }
            let spaces = lines.leadingSpaces(i)
            let contentStart = lines.start(i) + spaces
            if contentStart == lines.end(i) || bytes[contentStart] == UInt8(ascii: "#") { continue }
            if spaces <= indent { return nil }
        }
        return starts
    }

    /// Where each line of a text starts (lines end at LF, which is not part of them).
    struct LineTable {
        let bytes: UnsafeBufferPointer<UInt8>
        private var starts: [Int] = [0]

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            for i in bytes.indices where bytes[i] == 0x0A { starts.append(i + 1) }
        }

        var count: Int { starts.count }
        func start(_ line: Int) -> Int { starts[line] }
        func end(_ line: Int) -> Int { line + 1 < starts.count ? starts[line + 1] - 1 : bytes.count }

        func hasPrefix(_ line: Int, _ prefix: some Collection<UInt8>) -> Bool {
            end(line) - start(line) >= prefix.count && bytes[start(line)...].starts(with: prefix)
        }

        func leadingSpaces(_ line: Int) -> Int {
            var i = start(line)
            while i < end(line), bytes[i] == UInt8(ascii: " ") { i += 1 }
            return i - start(line)
        }

        /// The first byte of the line that is not an ASCII space or tab, skipping `offset`
        /// bytes; other Unicode spaces count as content, so such lines are never cut at.
        func firstNonBlank(_ line: Int, from offset: Int = 0) -> Int? {
            var i = start(line) + offset
            while i < end(line), bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
            return i < end(line) ? i : nil
        }
    }

    /// Lowercase letters, digits and single '-' between them: no leading or trailing '-' and
    /// no '--', because pair and group pages join their members' ids with '--' ('ada--bo'),
    /// which must name one set of people only.
    static func isValidID(_ id: String) -> Bool {
        // On the bytes: every id of a roster is checked, and `contains("--")` goes through Foundation.
        var previous: UInt8 = UInt8(ascii: "-"), count = 0
        for b in id.utf8 {
            let letter = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            guard letter || (b == UInt8(ascii: "-") && previous != UInt8(ascii: "-")) else { return false }
            previous = b
            count += 1
        }
        return count > 0 && count <= 64 && previous != UInt8(ascii: "-")
    }

    static func usesIDCharacters(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// `partial`: an entry of a roster.yaml that adds to the roster sources; only `id` is required.
    private static func participant(_ node: YAMLNode, source: YAMLSource, bag: DiagnosticBag, partial: Bool = false, lost: LostIDs? = nil) -> Participant? {
        guard let r = MappingReader(node, source: source, bag: bag, what: "a participant") else { return nil }
        defer { r.finish(allowed: keys) }
        let errorsBefore = bag.errorCount
        guard let id = r.string("id", required: true) else { return nil }
        if !usesIDCharacters(id) {
            bag.error("participant id '\(id)' may only use lowercase letters, digits and '-'", at: r.location(of: "id"),
                      hint: "ids appear in page addresses, e.g. 'ada-lovelace'")
        } else if !isValidID(id) {
            bag.error("participant id '\(id)' may not start or end with '-' or contain '--'", at: r.location(of: "id"),
                      hint: "pair and group pages join ids with '--' (ada--bo.html), so such an id could give two matches one address")
        }
        let name = r.string("name", required: !partial) ?? id
        let email = r.string("email", required: !partial) ?? ""
        if !email.isEmpty && !isPlausibleEmail(email) {
            bag.error("'\(email)' does not look like an email address", at: r.location(of: "email"))
        }
        let timezone = r.string("timezone", required: !partial) ?? (partial ? "" : "UTC")
        if !partial || r.has("timezone") { ZoneName.check(timezone, at: r.location(of: "timezone"), bag: bag) }
        var link = r.string("link")
        if let l = link, !isSafeLink(l) {
            bag.error("'link' must be an http:// or https:// address", at: r.location(of: "link"))
            link = nil
        }
        var roles: [String: MentoringRole] = [:]
        var roleLocations: [String: SourceLocation] = [:]
        if let roleMap = r.mapping("roles", what: "'roles'") {
            for program in roleMap.keys {
                guard let value = roleMap.string(program) else { continue }
                guard let role = MentoringRole(rawValue: value) else {
                    bag.error("role must be 'mentor' or 'mentee', found '\(value)'", at: roleMap.location(of: program),
                              hint: bag.hint(for: value, in: MentoringRole.allCases.map(\.rawValue)))
                    continue
                }
                roles[program] = role
                roleLocations[program] = roleMap.keyLocation(of: program)
            }
        }
        let privateItems = r.stringList("private")
        for item in privateItems where !privatable.contains(item.value) {
            bag.error("'\(item.value)' cannot be marked private", at: item.location,
                      hint: bag.hint(for: item.value, in: privatable) ?? "private fields: \(privatable.joined(separator: ", "))")
        }
        func list(_ key: String) -> [String] {
            // Lists are short: a linear look beats hashing, up to a point.
            var result: [String] = []
            var seen = Set<String>()
            for item in r.stringValues(key) {
                let value = item.lowercased()
                if result.count < 16 ? !result.contains(value) : seen.insert(value).inserted {
                    result.append(value)
                    if result.count == 16 { seen = Set(result) }
                }
            }
            return result
        }
        let programs = r.stringList("programs")
        let avoid = r.stringList("avoid")
        var p = Participant(
            id: id, name: name, email: email, pronouns: r.string("pronouns"),
            title: r.string("title") ?? "", department: r.string("department", required: !partial) ?? "",
            team: r.string("team"), manager: r.string("manager"), location: r.string("location", required: !partial) ?? "",
            timezone: timezone, seniority: r.int("seniority", range: 0...20), joined: r.date("joined"),
            programs: programs.map(\.value), roles: roles, capacity: r.int("capacity", range: 1...50) ?? 1,
            skills: list("skills"), goals: list("goals"), interests: list("interests"), groups: list("groups"),
            avoid: avoid.map(\.value), link: link, bio: r.string("bio"),
            privateFields: Set(privateItems.map(\.value)), sourceLocation: r.location)
        p.pause = r.bool("pause") ?? false
        p.fieldLocations["pause"] = r.location(of: "pause")
        if let skips = r.mapping("skip_rounds", what: "'skip_rounds'") {
            for program in skips.keys {
                p.fieldLocations["skip_rounds.\(program)"] = skips.keyLocation(of: program)
                guard let node = skips.node(program), !YAMLValue.isNull(node) else { continue }
                let items = node.kind == .sequence ? Array(node.children) : [node]
                var rounds: [Int] = []
                for item in items {
                    guard let text = item.string, let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                        bag.error("rounds to skip must be whole numbers from 1, found \(YAMLValue.describe(item))", at: source.location(item),
                                  hint: "write the round numbers as a list, e.g. 'skip_rounds: { \(program): [3] }'")
                        continue
                    }
                    if !rounds.contains(n) { rounds.append(n) }
                }
                p.skipRounds[program] = rounds.sorted()
            }
        }
        let prefer = r.stringList("prefer")
        p.prefer = prefer.map(\.value)
        p.listLocations["prefer"] = prefer.map(\.location)
        checkControlCharacters(p, r, bag: bag)
        Bidi.isolateDisplayFields(&p)
        p.fieldLocations["id"] = r.location(of: "id")
        p.week = WeekReader.read(r)
        p.away = WeekReader.away(r)
        p.fieldLocations["manager"] = r.location(of: "manager")
        p.fieldLocations["capacity"] = r.location(of: "capacity")
        p.fieldLocations["email"] = r.location(of: "email")
        for (program, loc) in roleLocations { p.fieldLocations["roles.\(program)"] = loc }
        p.listLocations["programs"] = programs.map(\.location)
        p.listLocations["avoid"] = avoid.map(\.location)
        if bag.errorCount > errorsBefore && !isValidID(id) {
            lost?.insert(id)
            return nil
        }
        return p
    }

    /// The first control character of a text other than tab and line feed (C0, DEL, C1
    /// including U+0085), or nil. Such characters make HTML pages invalid and calendars
    /// unreadable (RFC 5545 forbids them), so the roster refuses them rather than have
    /// every output strip them.
    static func controlCharacter(in text: String) -> Unicode.Scalar? {
        var text = text
        let plain = text.withUTF8 { bytes in
            bytes.allSatisfy { $0 >= 0x20 ? $0 != 0x7F && $0 != 0xC2 && $0 != 0xE2 : $0 == 0x09 || $0 == 0x0A }
        }
        if plain { return nil }
        return text.unicodeScalars.first { s in
            s.value < 0x20 ? s != "\t" && s != "\n" : (0x7F...0x9F).contains(s.value) || Bidi.isFormattingControl(s)
        }
    }

    private static func checkControlCharacters(_ p: Participant, _ r: MappingReader, bag: DiagnosticBag) {
        func report(_ key: String, _ scalar: Unicode.Scalar, at location: SourceLocation) {
            let code = "U+" + String(format: "%04X", scalar.value)
            if Bidi.isFormattingControl(scalar) {
                bag.error("'\(key)' contains the bidirectional control \(code), which would reorder the text around it on other people's pages",
                          at: location, hint: "remove it; names in right-to-left scripts need no control characters (Tandem isolates them itself)")
            } else {
                bag.error("'\(key)' contains the control character \(code), which pages and calendars cannot show",
                          at: location, hint: "remove it (escapes such as \\e, \\v or \\x1B in quoted text make one); tabs and line breaks are allowed")
            }
        }
        let fields: [(String, String?)] = [("name", p.name), ("email", p.email), ("pronouns", p.pronouns), ("title", p.title),
                                          ("department", p.department), ("team", p.team), ("manager", p.manager), ("location", p.location),
                                          ("bio", p.bio), ("link", p.link)]
        for (key, value) in fields {
            // An address that is not plausible is reported as such already.
            if key == "email", !isPlausibleEmail(p.email) { continue }
            if let value, let c = controlCharacter(in: value) { report(key, c, at: r.location(of: key)) }
        }
        for key in ["skills", "goals", "interests", "groups"] {
            let values: [String] = key == "skills" ? p.skills : key == "goals" ? p.goals : key == "interests" ? p.interests : p.groups
            guard values.contains(where: { controlCharacter(in: $0) != nil }) else { continue }
            for item in r.stringList(key) {
                if let c = controlCharacter(in: item.value) { report(key, c, at: item.location) }
            }
        }
    }

    static func isPlausibleEmail(_ s: String) -> Bool {
        // Printable ASCII only (the usual case): the same test on bytes.
        var s = s
        if let plain = s.withUTF8({ bytes -> Bool? in
            guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0 else { return false }
            let domain = bytes[(at + 1)...]
            return !domain.contains(UInt8(ascii: "@")) && domain.contains(UInt8(ascii: "."))
                && !bytes.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") }
        }) {
            return plain
        }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" })
    }

    static func isSafeLink(_ s: String) -> Bool {
        let lower = s.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return false }
        return !s.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" })
    }
}

/// IANA time zone names. Only names spelled like one reach Foundation, which looks them up as
/// files under the zoneinfo folder; a name such as '../../etc/passwd' never does.
enum ZoneName {
    static func isWellFormed(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && !name.hasPrefix("/")
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/_+-".unicodeScalars.contains($0) }
    }

    static func isKnown(_ name: String) -> Bool { isWellFormed(name) && Zones.zone(name) != nil }

    static func check(_ name: String, at location: SourceLocation, bag: DiagnosticBag) {
        guard !isKnown(name) else { return }
        bag.error("unknown time zone '\(name)'", at: location,
                  hint: bag.hint(for: name, in: TimeZone.knownTimeZoneIdentifiers) ?? "use an IANA name such as Europe/London")
    }
}

/// The ids of roster entries left out because of their errors (filled from parallel chunks).
final class LostIDs: @unchecked Sendable {
    private let lock = NSLock()
    private var set: Set<String> = []
    func insert(_ id: String) { lock.withLock { _ = set.insert(id) } }
    var ids: Set<String> { lock.withLock { set } }
}
