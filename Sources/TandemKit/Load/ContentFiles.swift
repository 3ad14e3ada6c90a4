import Foundation

/// Reads portal files as text, reporting unreadable or non-UTF-8 files as diagnostics.
struct ContentFiles {
    let root: URL
    /// Where the fingerprint of every file read is noted (see `SourceDigests`); nil: nowhere.
    var digests: SourceDigests? = nil

    /// Larger than any real portal file (a 100,000-person roster is about 40 MB), small enough
    /// that a file written by mistake (a log, a database dump) is refused before it is read.
    static let maximumFileSize = 64_000_000

    func relative(_ url: URL) -> String {
        let base = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }

    func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// The text of a file with a UTF-8 BOM removed and CRLF line ends made LF.
    func text(_ relativePath: String, bag: DiagnosticBag) -> String? {
        guard let data = bytes(relativePath, bag: bag) else { return nil }
        guard let text = ContentFiles.decode(data, file: relativePath, bag: bag) else { return nil }
        digests?.note(relativePath, text)
        return text
    }

    /// The bytes of a binary portal file (an .xlsx roster source), with the same checks.
    func data(_ relativePath: String, bag: DiagnosticBag) -> [UInt8]? {
        guard let data = bytes(relativePath, bag: bag) else { return nil }
        if let digests {
            var f = Fingerprint()
            data.withUnsafeBufferPointer { f.combine(bytes: $0) }
            digests.note(relativePath, fingerprint: f)
        }
        return data
    }

    private func bytes(_ relativePath: String, bag: DiagnosticBag) -> [UInt8]? {
        let url = root.appendingPathComponent(relativePath)
        guard isInsidePortal(url) else {
            bag.error("refusing to read a file that leads outside the portal (symbolic link?)", at: SourceLocation(file: relativePath))
            return nil
        }
        // Only regular files: reading a FIFO or a device would block or never end.
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            bag.error("cannot read file: \(String(cString: strerror(errno)))", at: SourceLocation(file: relativePath))
            return nil
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            bag.error(info.st_mode & S_IFMT == S_IFDIR ? "expected a file, found a folder" : "expected a file, found a special file (pipe, socket or device)",
                      at: SourceLocation(file: relativePath))
            return nil
        }
        guard Int(info.st_size) <= ContentFiles.maximumFileSize else {
            bag.error("file is too large (\(Int(info.st_size) / 1_000_000) MB; the limit is \(ContentFiles.maximumFileSize / 1_000_000) MB)",
                      at: SourceLocation(file: relativePath), hint: "split the portal, or remove unused fields")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            bag.error("cannot read file", at: SourceLocation(file: relativePath))
            return nil
        }
        return [UInt8](data)
    }

    /// Bytes as text: a UTF-8 BOM removed, CRLF and CR line ends made LF; invalid UTF-8 and
    /// NUL bytes are reported at their position.
    static func decode(_ data: [UInt8], file: String, bag: DiagnosticBag) -> String? {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = ContentFiles.firstInvalidUTF8(bytes) {
            bag.error("file is not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)))",
                      at: position(of: bad, in: bytes, file: file), hint: "save the file as UTF-8")
            return nil
        }
        if let nul = bytes.firstIndex(of: 0) {
            bag.error("file contains a NUL byte; is it a binary file?", at: position(of: nul, in: bytes, file: file))
            return nil
        }
        if bytes.contains(0x0D) {
            // CRLF and lone CR become LF, on the bytes (Foundation's string replacement took
            // seconds on a 10 MB CRLF export).
            var out = [UInt8]()
            out.reserveCapacity(bytes.count)
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == 0x0D {
                    out.append(0x0A)
                    if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
                } else {
                    out.append(b)
                }
                i += 1
            }
            bytes = out
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// 1-based line and column (in characters) of a byte offset.
    private static func position(of offset: Int, in bytes: [UInt8], file: String) -> SourceLocation {
        let line = bytes[..<offset].count { $0 == 0x0A } + 1
        let lineStart = bytes[..<offset].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
        return SourceLocation(file: file, line: line, column: column)
    }

    /// Markdown files directly inside a folder, sorted by name.
    func markdownFiles(in folder: String) -> [String] {
        let url = root.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return [] }
        return names.filter { $0.hasSuffix(".md") && !$0.hasPrefix(".") }.sorted().map { "\(folder)/\($0)" }
    }

    /// Resolves symbolic links and checks the file stays within the portal root.
    func isInsidePortal(_ url: URL) -> Bool {
        let resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
        let base = root.resolvingSymlinksInPath().standardizedFileURL.path
        return resolved == base || resolved.hasPrefix(base + "/")
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            if b & 0xE0 == 0xC0 && b >= 0xC2 { length = 2 }
            else if b & 0xF0 == 0xE0 { length = 3 }
            else if b & 0xF8 == 0xF0 && b <= 0xF4 { length = 4 }
            else { return i }
            guard i + length <= n else { return i }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            let scalar: UInt32
            switch length {
            case 2: scalar = UInt32(b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
            case 3: scalar = UInt32(b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
            default: scalar = UInt32(b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6 | UInt32(bytes[i + 3] & 0x3F)
            }
            let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return i }
            i += length
        }
        return nil
    }
}

/// The fingerprint of each portal file a load read, by path: a build's render cache uses them
/// to tell that a program's sources are the ones its kept pages were made from.
final class SourceDigests: @unchecked Sendable {
    private let lock = NSLock()
    private var digests: [String: Fingerprint] = [:]
    /// The roster's entries (see `RosterLoader.entryDigests`).
    var rosterEntries: [Int: Fingerprint]?

    func note(_ path: String, _ text: String) {
        var f = Fingerprint()
        f.combine(text)
        lock.withLock { digests[path] = f }
    }

    func note(_ path: String, fingerprint: Fingerprint) {
        lock.withLock { digests[path] = fingerprint }
    }

    var all: [String: Fingerprint] { lock.withLock { digests } }
}
