import CTandemSupport
import Foundation

/// Builds the site in a folder beside the output, then swaps it in atomically, so a failed or
/// interrupted build leaves the previous site whole. Only a folder carrying Tandem's marker
/// file is ever replaced.
///
/// The folder it builds in is the previous build's site, kept after the swap
/// (`.<name>.tandem-back`): every file is rewritten in place and whatever this build did not
/// write is deleted before the swap. Rewriting existing files instead of creating tens of
/// thousands of new ones right after deleting as many saves most of the file-system cost of a
/// large rebuild (ext4, for one, searches past recently freed inodes on every create).
final class SiteWriter: @unchecked Sendable {
    static let marker = ".tandem-site"

    let output: URL
    let staging: URL
    private let lockFile: URL
    private var lockDescriptor: Int32 = -1
    private let lock = NSLock()
    private var failures: [String] = []
    /// Files and folders already in the reused folder, and what this build wrote.
    private var existingFiles = Set<String>()
    private var existingDirectories = Set<String>()
    private var writtenFiles = Set<String>()
    private var writtenDirectories = Set<String>([""])

    init(output: URL) {
        self.output = output.standardizedFileURL
        let parent = self.output.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(self.output.lastPathComponent).tandem-back")
        lockFile = parent.appendingPathComponent(".\(self.output.lastPathComponent).tandem-lock")
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    /// Checks the output can be replaced and prepares the folder to build in.
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
        do {
            try fm.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            bag.error("cannot create \(output.deletingLastPathComponent().path): \(error.localizedDescription)", at: nil)
            return
        }
        // One build at a time per output: the folder it builds in is shared.
        lockDescriptor = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lockDescriptor < 0 || flock(lockDescriptor, LOCK_EX | LOCK_NB) != 0 {
            bag.error("another tandem build is writing \(output.path) right now", at: nil)
            return
        }
        removeLeftovers()
        if !adoptPreviousBuild() {
            try? fm.removeItem(at: staging)
            do {
                try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            } catch {
                bag.error("cannot create the staging folder \(staging.path): \(error.localizedDescription)", at: nil)
            }
        }
    }

    /// Takes stock of the kept previous build. Anything in it that is not a plain file or
    /// folder (a link someone put there) is removed, so writes can never be redirected.
    private func adoptPreviousBuild() -> Bool {
        var info = stat()
        guard lstat(staging.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return false }
        guard let walker = FileManager.default.enumerator(atPath: staging.path) else { return false }
        while let path = walker.nextObject() as? String {
            guard lstat(staging.path + "/" + path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: existingDirectories.insert(path)
            case S_IFREG: existingFiles.insert(path)
            default:
                unlink(staging.path + "/" + path)
            }
        }
        return true
    }

    /// Staging and retired folders of older Tandem versions or of builds that were killed
    /// (their pid is gone).
    private func removeLeftovers() {
        let fm = FileManager.default
        let parent = output.deletingLastPathComponent()
        let prefix = ".\(output.lastPathComponent).tandem-"
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            guard name.hasPrefix(prefix + "staging-") || name.hasPrefix(prefix + "retired-") else { continue }
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
        lock.lock()
        writtenFiles.insert(path)
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty, writtenDirectories.insert(folder).inserted { folder = (folder as NSString).deletingLastPathComponent }
        lock.unlock()
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
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let ok: Bool? = bytes.withContiguousStorageIfAvailable { buffer in
            // The folder holds an earlier build: a file that already has these bytes is left
            // alone (no truncate, no new blocks, its modification time kept for uploads).
            var info = stat()
            if fstat(fd, &info) == 0, Int(info.st_size) == buffer.count, buffer.count <= 1 << 20 {
                var current = [UInt8](repeating: 0, count: buffer.count)
                let n = buffer.isEmpty ? 0 : current.withUnsafeMutableBytes { pread(fd, $0.baseAddress, buffer.count, 0) }
                if n == buffer.count, current.elementsEqual(buffer) {
                    return true
                }
            }
            guard ftruncate(fd, 0) == 0 else { return false }
            var offset = 0
            while offset < buffer.count {
                let n = pwrite(fd, buffer.baseAddress! + offset, buffer.count - offset, off_t(offset))
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
        lock.lock()
        var folder = path
        while !folder.isEmpty, writtenDirectories.insert(folder).inserted { folder = (folder as NSString).deletingLastPathComponent }
        lock.unlock()
        try? FileManager.default.createDirectory(at: staging.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    private func record(_ failure: String) {
        lock.lock()
        failures.append(failure)
        lock.unlock()
    }

    /// Removes what the previous build had and this one did not write, then moves the
    /// finished site into place: an atomic exchange when the kernel supports it (the old site
    /// becomes the next build's folder), otherwise two renames.
    func commit(bag: DiagnosticBag) {
        for failure in failures.sorted() { bag.error(failure, at: nil) }
        guard !bag.hasErrors else { return }
        write(SiteWriter.marker, "This folder is generated by `tandem build` and is replaced on every build.\n")
        for stale in existingFiles.subtracting(writtenFiles) { unlink(staging.path + "/" + stale) }
        for folder in existingDirectories.subtracting(writtenDirectories).sorted(by: >) { rmdir(staging.path + "/" + folder) }
        let fm = FileManager.default
        do {
            if fm.fileExists(atPath: output.path) {
                if tandem_exchange_paths(staging.path, output.path) != 0 {
                    let retired = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).tandem-retired-\(getpid())")
                    try fm.moveItem(at: output, to: retired)
                    try fm.moveItem(at: staging, to: output)
                    try fm.moveItem(at: retired, to: staging)
                }
            } else {
                try fm.moveItem(at: staging, to: output)
            }
        } catch {
            bag.error("cannot move the new site into place: \(error.localizedDescription)", at: nil)
        }
    }

    /// A failed build leaves its partial files in the kept folder; the next build rewrites
    /// or deletes every one of them, so there is nothing to undo here.
    func discard() {}
}
