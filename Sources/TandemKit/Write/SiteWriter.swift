import CTandemSupport
import Foundation

/// Builds the site in a temporary folder beside the output, then swaps it in, so a failed or
/// interrupted build leaves the previous site whole. Only a folder carrying Tandem's marker
/// file is ever replaced.
final class SiteWriter: @unchecked Sendable {
    static let marker = ".tandem-site"

    let output: URL
    let staging: URL
    private let lock = NSLock()
    private var failures: [String] = []

    init(output: URL) {
        self.output = output.standardizedFileURL
        let parent = self.output.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(self.output.lastPathComponent).tandem-staging-\(getpid())")
    }

    /// Checks the output can be replaced and prepares an empty staging folder.
    func prepare(bag: DiagnosticBag) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: output.path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue {
                bag.error("the output path \(output.path) is a file, not a folder", at: nil)
                return
            }
            let contents = (try? fm.contentsOfDirectory(atPath: output.path)) ?? []
            if !contents.isEmpty && !contents.contains(SiteWriter.marker) {
                bag.error("refusing to replace \(output.path): it is not empty and was not written by tandem (no \(SiteWriter.marker) file)", at: nil,
                          hint: "choose another folder with --output, or empty this one")
                return
            }
        }
        removeLeftovers()
        do {
            try fm.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            bag.error("cannot create the staging folder \(staging.path): \(error.localizedDescription)", at: nil)
        }
    }

    /// Staging and retired folders left by builds that were killed (their pid is gone).
    private func removeLeftovers() {
        let fm = FileManager.default
        let parent = output.deletingLastPathComponent()
        let prefix = ".\(output.lastPathComponent).tandem-"
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            let pidText = name.split(separator: "-").last.map(String.init) ?? ""
            if let pid = Int32(pidText), pid != getpid(), kill(pid, 0) == 0 { continue }
            try? fm.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    /// Writes one file under the staging folder. `path` is relative and built from validated
    /// ids; anything that could climb out is refused.
    func write(_ path: String, _ bytes: some Collection<UInt8>) {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            record("refused to write outside the output folder: \(path)")
            return
        }
        let full = staging.path + "/" + path
        if !SiteWriter.writeFile(full, bytes) {
            try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !SiteWriter.writeFile(full, bytes) {
                record("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Plain open/write/close: Foundation's Data.write syncs every file to disk, which costs
    /// more than rendering the page. The staging folder is swapped in whole, so a crash can
    /// only lose the new build, never the old site.
    private static func writeFile(_ path: String, _ bytes: some Collection<UInt8>) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let ok: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        if let ok { return ok }
        return writeFile(path, Array(bytes))
    }

    func write(_ path: String, _ text: String) { write(path, Array(text.utf8)) }

    func makeDirectory(_ path: String) {
        try? FileManager.default.createDirectory(at: staging.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    private func record(_ failure: String) {
        lock.lock()
        failures.append(failure)
        lock.unlock()
    }

    /// Moves the finished site into place: an atomic exchange when the kernel supports it,
    /// otherwise two renames.
    func commit(bag: DiagnosticBag) {
        for failure in failures.sorted() { bag.error(failure, at: nil) }
        guard !bag.hasErrors else { discard(); return }
        write(SiteWriter.marker, "This folder is generated by `tandem build` and is replaced on every build.\n")
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: output.path) {
                if tandem_exchange_paths(staging.path, output.path) == 0 {
                    try fm.removeItem(at: staging)
                } else {
                    let retired = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tandem-retired-\(getpid())")
                    try fm.moveItem(at: output, to: retired)
                    try fm.moveItem(at: staging, to: output)
                    try fm.removeItem(at: retired)
                }
            } else {
                try fm.moveItem(at: staging, to: output)
            }
        } catch {
            bag.error("cannot move the new site into place: \(error.localizedDescription)", at: nil)
            discard()
        }
    }

    func discard() {
        try? FileManager.default.removeItem(at: staging)
    }
}
