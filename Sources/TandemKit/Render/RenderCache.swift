import Foundation

/// Skips rendering a page whose inputs are unchanged since the build that wrote the file now
/// in the folder being built in.
///
/// A rebuild happens in the previous site kept beside the output (see `SiteWriter`), so most
/// files there already hold what this build would render. For every HTML page the cache
/// records the fingerprint of its view model, salted with the theme's templates and the
/// tandem executable, together with the file's inode, size and change time (ctime, which no
/// program can set back) right after the build wrote it. A later build that computes the same
/// fingerprint for a page, and finds the file with the same inode, size and ctime, keeps it
/// as it is. Anything else, including a file touched by hand, a different theme or a new
/// tandem, is rendered and compared as usual.
///
/// An output whose declared sources (`SitePlan`, `Inputs`) are all unchanged goes further:
/// person, pair and pod pages and calendars are kept without even building their view
/// models. Their stamp (`stamp(_:of:portal:now:)`, then `stamp(_:showing:of:portal:)`) is
/// made from exactly the inputs the plan declares for them (the roster entries of the people
/// shown, the portal settings and URL secret, the program and activity files, the round's
/// matches, scores and schedule, the build time) and always the templates and the code (the
/// tandem binary and every library it has loaded, and the time-zone database). A file is kept
/// this way only if it was recorded under the same stamp and is still the file recorded
/// (inode, size and change time).
///
/// The record is `.<output>.tandem-pages` beside the output, never inside the published
/// site (it lists every page, and unlisted portals keep their page names unguessable). Both
/// folders' files are recorded, since builds alternate between them.
final class RenderCache: @unchecked Sendable {
    struct Entry: Sendable {
        var inode: UInt64
        var size: Int64
        var ctime: Int64
        var fingerprint: Fingerprint
        /// The stamp of the program whose sources made the file (zero for other files).
        var stamp = Fingerprint(a: 0, b: 0)
    }

    private let file: URL
    private let writer: SiteWriter
    private let stagingPath: String
    private let salt: Fingerprint
    private var previous: [String: [Entry]] = [:]
    private var current: [String: Entry] = [:]
    private var written: [(path: String, fingerprint: Fingerprint, stamp: Fingerprint)] = []
    private let outputPath: String
    private let lock = NSLock()
    static let magic = "tandem-pages 2"
    static let noStamp = Fingerprint(a: 0, b: 0)

    init(writer: SiteWriter, theme: Theme) {
        let output = writer.output
        file = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tandem-pages")
        self.writer = writer
        stagingPath = writer.staging.path
        outputPath = output.path
        var salt = theme.fingerprint
        salt.combine(RenderCache.executableIdentity())
        self.salt = salt
        previous = RenderCache.read(file, salt: salt)
    }

    /// Whether the folder being built in holds a recorded file at `path`: only then can a
    /// fingerprint keep it. A page new to that folder (every page of a first build, and of the
    /// second, which builds beside the first) is rendered without one; its record then says
    /// `noFingerprint`, and the first build that renders it again over the recorded file
    /// records its fingerprint. Fingerprinting every page of a 100,000-person first build would
    /// cost seconds, only for records that a stamp usually makes unnecessary.
    func canCompare(_ path: String) -> Bool {
        writer.held(path) && previous[path] != nil
    }

    /// What a page rendered without a fingerprint is recorded with; it matches no page.
    static let noFingerprint = Fingerprint(a: 0, b: 0)

    /// The page's fingerprint: its view model and template, salted.
    func fingerprint(_ model: ViewObject, template: String) -> Fingerprint {
        var f = salt
        f.combine(template)
        f.combine(model)
        return f
    }

    /// The stamp of an output's declared program-wide inputs (`SitePlan`; every one but whose
    /// roster entries it shows, which `stamp(_:showing:of:portal:)` adds); nil when an input
    /// cannot be stamped or a source is unknown, and then the output is not kept by stamp.
    /// Each input adds exactly what it names, so an output kept by stamp is one whose declared
    /// sources are unchanged.
    func stamp(_ inputs: Inputs, of b: BuiltProgram, portal: Portal, now: Int?) -> Fingerprint? {
        guard inputs.canStamp else { return nil }
        var f = salt
        f.combine("program outputs \(inputs.rawValue)")
        if inputs.contains(.shownPeople) {
            guard let roster = portal.sources[RosterLoader.path] else { return nil }
            // Without each entry's own digest, any roster edit changes every output.
            if portal.participantDigests == nil { f.combine(roster) }
        }
        if inputs.contains(.programFile) {
            guard let program = portal.sources[b.program.sourceFile] else { return nil }
            f.combine(program)
        }
        if inputs.contains(.settings) {
            f.combine(portal.sources[SettingsLoader.path] ?? RenderCache.noStamp)
            portal.settings.urlSecret.withUnsafeBufferPointer { f.combine(bytes: $0) }
        }
        if inputs.contains(.activities) {
            for a in portal.activities {
                guard let digest = portal.sources[a.sourceFile] else { return nil }
                f.combine(digest)
            }
        }
        if inputs.contains(.buildTime) { f.combine(now.map { UInt64(bitPattern: Int64($0)) } ?? UInt64.max) }
        if inputs.contains(.round) { combineRound(b, into: &f) }
        return f
    }

    /// The round's result: a lock file or earlier rounds can change it without any of the
    /// files above changing.
    private func combineRound(_ b: BuiltProgram, into f: inout Fingerprint) {
        let m = b.match
        f.combine(UInt64(m.people.count))
        for p in m.people { f.combine(p.id) }
        f.combine(UInt64(m.units.count))
        for unit in m.units {
            f.combine(unit.id)
            f.combine("\(unit.kind)")
            f.combine(UInt64(unit.members.count))
            for x in unit.members { f.combine(UInt64(x)) }
            f.combine(UInt64(bitPattern: Int64(unit.score)))
            for pair in unit.pairScores {
                f.combine(UInt64(pair.a) << 32 | UInt64(pair.b))
                f.combine(UInt64(bitPattern: Int64(pair.score.total)))
                f.combine(UInt64(bitPattern: Int64(pair.score.penalty)))
                for part in pair.score.parts {
                    f.combine("\(part.criterion)")
                    f.combine(UInt64(bitPattern: Int64(part.points)))
                }
            }
        }
        f.combine(UInt64(m.unmatched.count))
        for u in m.unmatched {
            f.combine(UInt64(u.person))
            f.combine(u.reason)
            f.combine(u.satOut ? 1 : 0)
            f.combine(u.paused ? 1 : 0)
        }
        f.combine(UInt64(m.pods.count))
        for pod in m.pods {
            f.combine(UInt64(pod.number))
            for u in pod.units { f.combine(UInt64(u)) }
        }
        // The schedule: lock-file slots, holidays, away dates and other programs' sessions
        // (nobody is double-booked) move a unit's dates without the sources above changing.
        func combine(_ sessions: [Session]) {
            f.combine(UInt64(sessions.count))
            for s in sessions {
                f.combine(UInt64(bitPattern: Int64(s.start)))
                f.combine(s.moved ?? "")
                f.combine(s.skipped ?? "-")
            }
        }
        // A unit's or pod's slot, as its pages describe it.
        func combine(_ choice: SlotChoice?) {
            guard let choice else { return }
            f.combine(choice.slot.description + " " + (choice.alternate?.description ?? "") + (choice.common ? " common" : ""))
            for o in choice.outside { f.combine(UInt64(o)) }
        }
        for u in m.units.indices {
            combine(b.sessions(ofUnit: u))
            combine(b.slot(ofUnit: u))
        }
        for k in m.pods.indices {
            combine(b.sessions(ofPod: k))
            combine(b.slot(ofPod: k))
        }
    }

    /// A page's stamp: its program's and the roster entries of the participants it shows
    /// (indices into the program's people).
    func stamp(_ program: Fingerprint, showing people: [Int], of b: BuiltProgram, portal: Portal) -> Fingerprint {
        var f = program
        guard let digests = portal.participantDigests else { return f }
        for i in Set(people).sorted() {
            f.combine(UInt64(i))
            f.combine(digests[b.match.people[i].id] ?? Fingerprint(a: 1, b: UInt64(i)))
        }
        return f
    }

    /// Whether the file at `path` in the folder being built was made from sources with this
    /// stamp and is untouched since; it is then kept as it is.
    func keeps(_ path: String, under stamp: Fingerprint) -> Bool {
        guard let kept = untouched(path, where: { $0.stamp == stamp }) else { return false }
        record(path, kept)
        return true
    }

    /// Whether the file at `path` in the folder being built already holds this page.
    /// `stamp`: the program stamp to record it under, if it is a program's page.
    func isCurrent(_ path: String, _ fingerprint: Fingerprint, stamp: Fingerprint = RenderCache.noStamp) -> Bool {
        guard fingerprint != RenderCache.noFingerprint,
              var kept = untouched(path, where: { $0.fingerprint == fingerprint }) else { return false }
        kept.stamp = stamp
        record(path, kept)
        return true
    }

    /// The recorded entry of `path` that satisfies `wanted` and still describes the file in
    /// the folder being built (same inode, size and change time).
    private func untouched(_ path: String, where wanted: (Entry) -> Bool) -> Entry? {
        guard let entries = previous[path], entries.contains(where: wanted) else { return nil }
        var info = stat()
        guard lstat(stagingPath + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let seen = RenderCache.entry(info, RenderCache.noStamp, stamp: RenderCache.noStamp)
        return entries.first { wanted($0) && $0.inode == seen.inode && $0.size == seen.size && $0.ctime == seen.ctime }
    }

    /// Notes a file handed to the writer. Its file is looked at only in `save`, once the
    /// writer has finished: new files are written on a thread of their own.
    func wrote(_ path: String, _ fingerprint: Fingerprint, stamp: Fingerprint = RenderCache.noStamp) {
        lock.lock()
        written.append((path, fingerprint, stamp))
        lock.unlock()
    }

    private func record(_ path: String, _ entry: Entry) {
        lock.lock()
        current[path] = entry
        lock.unlock()
    }

    private static func entry(_ info: stat, _ fingerprint: Fingerprint, stamp: Fingerprint) -> Entry {
        Entry(inode: UInt64(info.st_ino), size: Int64(info.st_size),
              ctime: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec), fingerprint: fingerprint, stamp: stamp)
    }

    /// Saves this build's records and, for the same pages, the other folder's. Call once the
    /// new site is in place and the writer has finished; a failed build saves nothing (the old records then simply no
    /// longer match the files it rewrote).
    func save() {
        // The folder built in is the output now; moving it changed no file's inode or ctime.
        // A 100,000-person site has 300,000 files to look at: on all cores.
        let seen = [Entry?](unsafeUninitializedCapacity: written.count) { buffer, count in
            nonisolated(unsafe) let base = buffer.baseAddress!
            let chunk = 4096
            DispatchQueue.concurrentPerform(iterations: (written.count + chunk - 1) / chunk) { c in
                for k in c * chunk..<min(written.count, (c + 1) * chunk) {
                    let (path, fingerprint, stamp) = written[k]
                    var info = stat()
                    let found = lstat(outputPath + "/" + path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
                    (base + k).initialize(to: found ? RenderCache.entry(info, fingerprint, stamp: stamp) : nil)
                }
            }
            count = written.count
        }
        for (k, entry) in seen.enumerated() { if let entry { current[written[k].path] = entry } }
        var out = Array((RenderCache.magic + " \(salt.a) \(salt.b)\n").utf8)
        out.reserveCapacity(current.count * 150)
        for (path, entry) in current {
            RenderCache.append(path, entry, to: &out)
            for other in previous[path] ?? [] where other.inode != entry.inode {
                RenderCache.append(path, other, to: &out)
                break
            }
        }
        // One temporary name: builds of one site hold its lock, and a killed build's leftover
        // is simply overwritten by the next.
        let temporary = file.deletingLastPathComponent().appendingPathComponent(file.lastPathComponent + ".new")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(out)) else { return }
        if rename(temporary.path, file.path) != 0 { unlink(temporary.path) }
    }

    /// One record line: seven decimal numbers, then the path (see `read`). Written digit by
    /// digit: a 100,000-person site has 600,000 lines, and string interpolation took seconds.
    private static func append(_ path: String, _ e: Entry, to out: inout [UInt8]) {
        for value in [e.inode, UInt64(bitPattern: e.size), UInt64(bitPattern: e.ctime), e.fingerprint.a, e.fingerprint.b, e.stamp.a, e.stamp.b] {
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
            withUnsafeMutableBytes(of: &digits) { raw in
                var v = value, n = 0
                repeat {
                    raw[23 - n] = UInt8(truncatingIfNeeded: v % 10) + 0x30
                    v /= 10
                    n += 1
                } while v > 0
                out.append(contentsOf: raw[(24 - n)...])
            }
            out.append(0x20)
        }
        out.append(contentsOf: path.utf8)
        out.append(0x0A)
    }

    /// Records written with the same salt; anything unreadable counts as no record.
    private static func read(_ file: URL, salt: Fingerprint) -> [String: [Entry]] {
        guard let data = FileManager.default.contents(atPath: file.path) else { return [:] }
        let header = Array((magic + " \(salt.a) \(salt.b)\n").utf8)
        return data.withUnsafeBytes { raw -> [String: [Entry]] in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= header.count, header.elementsEqual(bytes[0..<header.count]) else { return [:] }
            var out: [String: [Entry]] = [:]
            var i = header.count
            // Seven decimal numbers, then the path up to the end of the line.
            func number() -> UInt64? {
                var value: UInt64 = 0, digits = 0
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                    let (times, o1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times.addingReportingOverflow(UInt64(bytes[i] - 0x30))
                    guard !o1, !o2 else { return nil }
                    value = sum; digits += 1; i += 1
                }
                guard digits > 0, i < bytes.count, bytes[i] == 0x20 else { return nil }
                i += 1
                return value
            }
            while i < bytes.count {
                guard let inode = number(), let size = number(), let ctime = number(), let a = number(), let b = number(),
                      let stampA = number(), let stampB = number() else { return [:] }
                let start = i
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                guard i > start, i < bytes.count else { return [:] }
                let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                out[path, default: []].append(Entry(inode: inode, size: Int64(bitPattern: size), ctime: Int64(bitPattern: ctime),
                                                    fingerprint: Fingerprint(a: a, b: b), stamp: Fingerprint(a: stampA, b: stampB)))
            }
            return out
        }
    }

    /// The running code: the tandem binary and every library it has loaded (Foundation, its
    /// ICU time-zone data, cmark-gfm, ...), by inode, size and modification time, and the
    /// system time-zone database. Another build of any of them never trusts pages an earlier
    /// one wrote.
    static func executableIdentity() -> String {
        var paths = ["/proc/self/exe"]
        if let maps = RenderCache.readWhole("/proc/self/maps") {
            var libraries = Set<String>()
            // Code mappings only: data files the build has mapped (a roster, a kept page)
            // differ from build to build.
            for line in maps.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 2)
                guard fields.count > 1, fields[1].contains("x"), let slash = line.firstIndex(of: "/") else { continue }
                libraries.insert(String(line[slash...]))
            }
            paths += libraries.sorted()
        }
        paths += ["/usr/share/zoneinfo", "/usr/share/zoneinfo/tzdata.zi", "/etc/localtime"]
        var identity = ""
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                if path == "/proc/self/exe" { return "unknown-\(UUID().uuidString)" }
                identity += "\(path) -\n"
                continue
            }
            identity += "\(path) \(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)\n"
        }
        return identity
    }

    /// A file read to its end, a read at a time: /proc files report no size, and a single
    /// read of /proc/self/maps returns only its first page.
    static func readWhole(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
