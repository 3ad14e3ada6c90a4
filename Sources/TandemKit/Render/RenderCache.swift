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
/// The record is `.<output>.tandem-pages` beside the output, never inside the published
/// site (it lists every page, and unlisted portals keep their page names unguessable). Both
/// folders' files are recorded, since builds alternate between them.
final class RenderCache: @unchecked Sendable {
    struct Entry: Sendable {
        var inode: UInt64
        var size: Int64
        var ctime: Int64
        var fingerprint: Fingerprint
    }

    private let file: URL
    private let stagingPath: String
    private let salt: Fingerprint
    private var previous: [String: [Entry]] = [:]
    private var current: [String: Entry] = [:]
    private var written: [(path: String, fingerprint: Fingerprint)] = []
    private let outputPath: String
    private let lock = NSLock()
    static let magic = "tandem-pages 1"

    init(writer: SiteWriter, theme: Theme) {
        let output = writer.output
        file = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tandem-pages")
        stagingPath = writer.staging.path
        outputPath = output.path
        var salt = theme.fingerprint
        salt.combine(RenderCache.executableIdentity())
        self.salt = salt
        previous = RenderCache.read(file, salt: salt)
    }

    /// The page's fingerprint: its view model and template, salted.
    func fingerprint(_ model: ViewObject, template: String) -> Fingerprint {
        var f = salt
        f.combine(template)
        f.combine(model)
        return f
    }

    /// Whether the file at `path` in the folder being built already holds this page.
    func isCurrent(_ path: String, _ fingerprint: Fingerprint) -> Bool {
        guard let entries = previous[path], entries.contains(where: { $0.fingerprint == fingerprint }) else { return false }
        var info = stat()
        guard lstat(stagingPath + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        let seen = RenderCache.entry(info, fingerprint)
        guard entries.contains(where: { $0.fingerprint == fingerprint && $0.inode == seen.inode && $0.size == seen.size && $0.ctime == seen.ctime }) else { return false }
        record(path, seen)
        return true
    }

    /// Notes a page handed to the writer. Its file is looked at only in `save`, once the
    /// writer has finished: new files are written on a thread of their own.
    func wrote(_ path: String, _ fingerprint: Fingerprint) {
        lock.lock()
        written.append((path, fingerprint))
        lock.unlock()
    }

    private func record(_ path: String, _ entry: Entry) {
        lock.lock()
        current[path] = entry
        lock.unlock()
    }

    private static func entry(_ info: stat, _ fingerprint: Fingerprint) -> Entry {
        Entry(inode: UInt64(info.st_ino), size: Int64(info.st_size),
              ctime: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec), fingerprint: fingerprint)
    }

    /// Saves this build's records and, for the same pages, the other folder's. Call once the
    /// new site is in place and the writer has finished; a failed build saves nothing (the old records then simply no
    /// longer match the files it rewrote).
    func save() {
        // The folder built in is the output now; moving it changed no file's inode or ctime.
        for (path, fingerprint) in written {
            var info = stat()
            guard lstat(outputPath + "/" + path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            current[path] = RenderCache.entry(info, fingerprint)
        }
        var lines = [RenderCache.magic + " \(salt.a) \(salt.b)"]
        lines.reserveCapacity(current.count * 2 + 1)
        for (path, entry) in current {
            lines.append(RenderCache.line(path, entry))
            for other in previous[path] ?? [] where other.inode != entry.inode {
                lines.append(RenderCache.line(path, other))
                break
            }
        }
        // One temporary name: builds of one site hold its lock, and a killed build's leftover
        // is simply overwritten by the next.
        let temporary = file.deletingLastPathComponent().appendingPathComponent(file.lastPathComponent + ".new")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else { return }
        if rename(temporary.path, file.path) != 0 { unlink(temporary.path) }
    }

    private static func line(_ path: String, _ e: Entry) -> String {
        "\(e.inode) \(UInt64(bitPattern: e.size)) \(UInt64(bitPattern: e.ctime)) \(e.fingerprint.a) \(e.fingerprint.b) \(path)"
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
            // Five decimal numbers, then the path up to the end of the line.
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
                guard let inode = number(), let size = number(), let ctime = number(), let a = number(), let b = number() else { return [:] }
                let start = i
                while i < bytes.count, bytes[i] != 0x0A { i += 1 }
                guard i > start, i < bytes.count else { return [:] }
                let path = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                out[path, default: []].append(Entry(inode: inode, size: Int64(bitPattern: size), ctime: Int64(bitPattern: ctime),
                                                    fingerprint: Fingerprint(a: a, b: b)))
            }
            return out
        }
    }

    /// The running tandem binary's inode, size and modification time: a rebuilt tandem
    /// (another renderer) never trusts pages an earlier one wrote.
    static func executableIdentity() -> String {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return "unknown-\(UUID().uuidString)" }
        return "\(info.st_ino) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }
}
