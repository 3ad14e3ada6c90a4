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
    private let stagingPath: String
    private let lockFile: URL
    private var lockDescriptor: Int32 = -1
    private let lock = NSLock()
    private var failures: [String] = []
    /// Files and folders already in the reused folder (fixed once `prepare` has run, then
    /// read without the lock), and which of them this build wrote. Files that were not
    /// there need no record: nothing has to be removed for them.
    private var existingFiles = Set<String>()
    private var existingDirectories = Set<String>()
    private var writtenFiles = Set<String>()
    private var writtenDirectories = Set<String>([""])
    /// Counts the files written, for a progress display.
    var progress: BuildProgress?

    init(output: URL) {
        self.output = output.standardizedFileURL
        let parent = self.output.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(self.output.lastPathComponent).tandem-back")
        stagingPath = staging.path
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
        if lockDescriptor < 0 {
            // Not a busy site: the folder the output sits in cannot be written at all.
            bag.error("cannot write beside the output folder: \(lockFile.path): \(String(cString: strerror(errno)))", at: nil,
                      hint: "tandem writes the site and its lock, kept build and page record in \(output.deletingLastPathComponent().path)")
            return
        }
        if flock(lockDescriptor, LOCK_EX | LOCK_NB) != 0 {
            bag.error(errno == EWOULDBLOCK ? "another tandem build is writing \(output.path) right now"
                                           : "cannot lock \(lockFile.path): \(String(cString: strerror(errno)))", at: nil)
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

    /// Why `output` may not hold the site, or nil: it must lie neither inside the portal's
    /// `Content/` or `Templates/` nor contain either (the swap would replace them). Paths
    /// are compared with symbolic links resolved, an output that does not exist yet by its
    /// nearest existing parent.
    static func forbiddenOutput(_ output: URL, root: URL) -> String? {
        func resolved(_ url: URL) -> String {
            var existing = url.standardizedFileURL
            var rest: [String] = []
            while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
                rest.insert(existing.lastPathComponent, at: 0)
                existing = existing.deletingLastPathComponent()
            }
            var path = existing.resolvingSymlinksInPath().path
            for part in rest { path += (path.hasSuffix("/") ? "" : "/") + part }
            return path
        }
        let out = resolved(output)
        for folder in ["Content", "Templates"] {
            // Also when the folder does not exist yet: a site written to Templates/ would
            // become the next build's theme.
            let inner = resolved(root.appendingPathComponent(folder))
            if out == inner || out.hasPrefix(inner + "/") {
                return "refusing to build into \(output.path): it is inside the portal's \(folder)/ folder"
            }
            if inner.hasPrefix(out + "/") || out == "/" {
                return "refusing to build into \(output.path): it contains the portal's \(folder)/ folder, which the new site would replace"
            }
        }
        return nil
    }

    /// Takes stock of the kept previous build. Anything in it that is not a plain file or
    /// folder (a link someone put there) is removed, so writes can never be redirected.
    private func adoptPreviousBuild() -> Bool {
        var info = stat()
        guard lstat(stagingPath, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return false }
        return walk("", stagingPath)
    }

    /// One folder of the kept build, with readdir: the entry types come with the names, so
    /// a 300,000-file site is taken stock of without a stat per file.
    private func walk(_ relative: String, _ full: String) -> Bool {
        guard let dir = opendir(full) else { return false }
        var folders: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let path = relative.isEmpty ? name : relative + "/" + name
            var type = Int(entry.pointee.d_type)
            if type == Int(DT_UNKNOWN) {
                var info = stat()
                guard lstat(full + "/" + name, &info) == 0 else { continue }
                type = info.st_mode & S_IFMT == S_IFDIR ? Int(DT_DIR) : info.st_mode & S_IFMT == S_IFREG ? Int(DT_REG) : Int(DT_LNK)
            }
            switch type {
            case Int(DT_DIR): folders.append(path)
            case Int(DT_REG): existingFiles.insert(path)
            default: unlink(full + "/" + name)
            }
        }
        closedir(dir)
        for folder in folders {
            existingDirectories.insert(folder)
            _ = walk(folder, stagingPath + "/" + folder)
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

    /// New files waiting for the writer thread, at most `queueLimit`: rendering goes on while
    /// the file system creates files (on ext4, creating a file holds its folder's lock, so
    /// rendering threads that create files themselves mostly wait for each other). Files the
    /// kept build had are compared and rewritten by the calling thread: that parallelises.
    private let queue = NSCondition()
    private var queued: [(path: String, bytes: [UInt8], mayExist: Bool)] = []
    private var writerRunning = false
    private let writerDone = DispatchSemaphore(value: 0)
    private static let queueLimit = 256

    /// Writes one file under the staging folder. `path` is relative and built from validated
    /// ids; anything that could climb out is refused. A new file is written by the writer
    /// thread, in the order of the calls (a path is either new or kept for the whole build,
    /// so two writes of one path never race); `commit` waits for all of them.
    func write(_ path: String, _ bytes: some Collection<UInt8>) {
        guard SiteWriter.isPlainRelativePath(path) else {
            record("refused to write outside the output folder: \(path)")
            return
        }
        guard claim(path) else { return }
        // Only what the kept build had is recorded: the rest is never removed.
        let mayExist = existingFiles.contains(path)
        if mayExist || !existingDirectories.isEmpty {
            noteWritten(file: mayExist ? path : nil, folder: SiteWriter.parent(path))
        }
        let array = bytes as? [UInt8] ?? Array(bytes)
        if mayExist {
            perform(path, array, mayExist: true)
            return
        }
        queue.lock()
        while queued.count >= SiteWriter.queueLimit { queue.wait() }
        queued.append((path, array, mayExist))
        if !writerRunning {
            writerRunning = true
            let thread = Thread { [self] in runWriter() }
            thread.name = "tandem-writer"
            thread.start()
        }
        queue.broadcast()
        queue.unlock()
    }

    private func runWriter() {
        var batch: [(path: String, bytes: [UInt8], mayExist: Bool)] = []
        while true {
            queue.lock()
            while queued.isEmpty && writerRunning { queue.wait() }
            if queued.isEmpty {
                queue.unlock()
                writerDone.signal()
                return
            }
            swap(&batch, &queued)
            queue.broadcast()
            queue.unlock()
            for item in batch { perform(item.path, item.bytes, mayExist: item.mayExist) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Waits until every queued file is written and the writer thread has ended.
    private func drain() {
        queue.lock()
        let running = writerRunning
        writerRunning = false
        queue.broadcast()
        queue.unlock()
        if running { writerDone.wait() }
    }

    private func perform(_ path: String, _ bytes: [UInt8], mayExist: Bool) {
        var mayExist = mayExist
        let full = stagingPath + "/" + path
        bytes.withUnsafeBufferPointer { buffer in
            var status = SiteWriter.writeFile(full, buffer, mayExist: mayExist)
            if status == EEXIST {
                // Written twice in this build: the second write compares as for a kept file.
                mayExist = true
                status = SiteWriter.writeFile(full, buffer, mayExist: true)
            }
            if status == ENOENT {
                makeFolders(SiteWriter.parent(path))
                status = SiteWriter.writeFile(full, buffer, mayExist: mayExist)
                if status == EEXIST { status = SiteWriter.writeFile(full, buffer, mayExist: true) }
            }
            if status != 0 { record("cannot write \(path): \(String(cString: strerror(status)))") }
            else { progress?.wroteFile() }
        }
    }

    /// Whether the kept build had a file at `path` (always false before `prepare`).
    func held(_ path: String) -> Bool { existingFiles.contains(path) }

    /// Counts a file already in the folder as written by this build and leaves it untouched
    /// (the render cache found it current).
    func keep(_ path: String) {
        guard claim(path) else { return }
        noteWritten(file: path, folder: SiteWriter.parent(path))
        progress?.wroteFile()
    }

    /// Every path written or kept by this build: page addresses are unique by construction
    /// (ids without '--', reserved guide names), and this is the net under that: a second
    /// output at one address fails the build instead of replacing the first.
    private var claimed = Set<String>()

    private func claim(_ path: String) -> Bool {
        lock.lock()
        let fresh = claimed.insert(path).inserted
        if !fresh { failures.append("two outputs at one address: \(path)") }
        lock.unlock()
        return fresh
    }

    /// Records that this build wrote `file` (nil: nothing to record for it) and the folders
    /// from `folder` up, so that `commit` keeps them.
    private func noteWritten(file: String?, folder: String) {
        lock.lock()
        if let file { writtenFiles.insert(file) }
        var folder = folder
        while !folder.isEmpty, writtenDirectories.insert(folder).inserted { folder = SiteWriter.parent(folder) }
        lock.unlock()
    }

    /// Relative, non-empty, no empty, '.' or '..' component, no NUL.
    static func isPlainRelativePath(_ path: String) -> Bool {
        var componentLength = 0, dots = 0
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "/"):
                if componentLength == 0 || componentLength == dots && dots <= 2 { return false }
                componentLength = 0; dots = 0
            case 0:
                return false
            default:
                componentLength += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        return componentLength > 0 && !(componentLength == dots && dots <= 2)
    }

    /// The folder part of a relative path ("" at the top).
    static func parent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(path[..<slash])
    }

    /// Creates a folder of the staging tree and the folders above it.
    private func makeFolders(_ relative: String) {
        guard !relative.isEmpty else { return }
        if mkdir(stagingPath + "/" + relative, 0o755) == 0 || errno == EEXIST { return }
        makeFolders(SiteWriter.parent(relative))
        mkdir(stagingPath + "/" + relative, 0o755)
    }

    /// Plain open/write/close: Foundation's Data.write syncs every file to disk, which costs
    /// more than rendering the page. The staging folder is swapped in whole, so a crash can
    /// only lose the new build, never the old site. Returns 0 or an errno value.
    ///
    /// A file the kept build did not have is created exclusively (it cannot be there: the
    /// folder was walked) and written with no further checks; EEXIST says it was written
    /// earlier in this build. A kept file that already has these bytes is left alone (no
    /// truncate, no new blocks, its modification time kept for uploads); one that does not
    /// is overwritten in place and cut to length.
    private static func writeFile(_ path: String, _ buffer: UnsafeBufferPointer<UInt8>, mayExist: Bool) -> Int32 {
        let fd = open(path, (mayExist ? O_RDWR | O_CREAT : O_WRONLY | O_CREAT | O_EXCL) | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { return errno }
        var status: Int32 = 0
        var oldSize = 0
        if mayExist {
            if buffer.count <= 1 << 20 {
                // One byte more than the new text: a longer file is told apart without fstat.
                let same = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: buffer.count + 1) { current -> Bool in
                    oldSize = readFully(fd, UnsafeMutableRawBufferPointer(current), offset: 0)
                    return oldSize == buffer.count && (buffer.isEmpty || memcmp(current.baseAddress!, buffer.baseAddress!, buffer.count) == 0)
                }
                if same { close(fd); return 0 }
            } else {
                var info = stat()
                oldSize = fstat(fd, &info) == 0 ? Int(info.st_size) : Int.max
            }
        }
        var offset = 0
        while offset < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + offset, buffer.count - offset, off_t(offset))
            if n < 0 { if errno == EINTR { continue }; status = errno; break }
            offset += n
        }
        if status == 0, oldSize > buffer.count, ftruncate(fd, off_t(buffer.count)) != 0 { status = errno }
        close(fd)
        return status
    }

    /// Reads from `offset` until the buffer is full or the file ends; returns the count read.
    private static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, offset: Int) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done
    }

    func write(_ path: String, _ text: String) { write(path, Array(text.utf8)) }

    func makeDirectory(_ path: String) {
        if !existingDirectories.isEmpty { noteWritten(file: nil, folder: path) }
        makeFolders(path)
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
        drain()
        for failure in failures.sorted() { bag.error(failure, at: nil) }
        guard !bag.hasErrors else { return }
        write(SiteWriter.marker, "This folder is generated by `tandem build` and is replaced on every build.\n")
        drain()
        for failure in failures.sorted() { bag.error(failure, at: nil) }
        guard !bag.hasErrors else { return }
        for stale in existingFiles.subtracting(writtenFiles) { unlink(stagingPath + "/" + stale) }
        for folder in existingDirectories.subtracting(writtenDirectories).sorted(by: >) { rmdir(stagingPath + "/" + folder) }
        do {
            try SiteWriter.exchange(staging, into: output)
        } catch {
            bag.error("cannot move the new site into place: \(error.localizedDescription)", at: nil)
        }
    }

    /// Puts the folder `staging` in place of `target` (which, if it exists, becomes `staging`):
    /// one atomic exchange (renameat2), or three renames where the file system lacks it.
    static func exchange(_ staging: URL, into target: URL) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: target.path) else { return try fm.moveItem(at: staging, to: target) }
        if tandem_exchange_paths(staging.path, target.path) != 0 {
            let retired = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).tandem-retired-\(getpid())")
            try fm.moveItem(at: target, to: retired)
            try fm.moveItem(at: staging, to: target)
            try fm.moveItem(at: retired, to: staging)
        }
    }

    /// A failed build leaves its partial files in the kept folder; the next build rewrites
    /// or deletes every one of them, so there is nothing to undo here but the writer thread.
    func discard() { drain() }
}
