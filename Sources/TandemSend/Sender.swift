import Foundation
import TandemKit

/// `tandem send`: every outbox message dated up to a day that no sent log names yet, over
/// SMTP, each recorded (and flushed to disk) in `Content/sent/<program>.log` before the next
/// one goes, so a killed run resumes where it stopped and a second run sends nothing.
public struct Sender {
    public var root: URL
    public var outbox: URL
    /// `smtp://host:port` or `smtps://host:port`.
    public var server: String
    /// The envelope sender; default: each message's From address.
    public var from: String?
    public var until: LocalDate
    /// The date written in the sent log.
    public var today: LocalDate
    public var dryRun = false
    /// Seconds to wait between two messages (`--rate`).
    public var interval: Double = 0
    public var user: String?
    public var password: String?

    public init(root: URL, outbox: URL, server: String, from: String?, until: LocalDate, today: LocalDate) {
        self.root = root
        self.outbox = outbox
        self.server = server
        self.from = from
        self.until = until
        self.today = today
    }

    /// Checks an `--smtp` address: nil when usable, else why not.
    public static func problem(server: String) -> String? {
        let lower = server.lowercased()
        guard lower.hasPrefix("smtp://") || lower.hasPrefix("smtps://") else {
            return "--smtp must be smtp://host:port or smtps://host:port, found '\(server)'"
        }
        guard let url = URL(string: server), let host = url.host, !host.isEmpty else {
            return "--smtp has no host: '\(server)'"
        }
        return nil
    }

    /// `5/s`, `100/m`, `1000/h` → seconds between messages.
    public static func interval(rate: String) -> Double? {
        let parts = rate.split(separator: "/")
        guard parts.count == 2, let n = Double(parts[0]), n > 0, n.isFinite else { return nil }
        switch parts[1] {
        case "s": return 1 / n
        case "m": return 60 / n
        case "h": return 3600 / n
        default: return nil
        }
    }

    public struct Result {
        public var sent = 0
        public var failed = 0
        public var skipped = 0
        /// Diagnostics that stopped the run before anything was sent.
        public var diagnostics: [Diagnostic] = []
        /// A problem with the server that stopped the run.
        public var fatal: String?
        public var succeeded: Bool { failed == 0 && fatal == nil && !diagnostics.contains { $0.severity == .error } }
    }

    /// Runs the send; `say` prints progress and refusals (stdout, stderr).
    public func run(say: (String) -> Void, complain: (String) -> Void) -> Result {
        var result = Result()
        let bag = DiagnosticBag()
        let logs = SentLog.loadAll(root: root, bag: bag)
        let files = bag.hasErrors ? [] : OutboxFile.load(outbox: outbox, until: until, bag: bag)
        guard !bag.hasErrors else {
            result.diagnostics = bag.sorted()
            return result
        }
        let pending = files.filter { !(logs[$0.program]?.sent.contains($0.messageID) ?? false) }
        result.skipped = files.count - pending.count
        if dryRun {
            for f in pending { say("would send \(f.path) to \(f.to)") }
            return result
        }
        guard !pending.isEmpty else { return result }
        guard let client = SMTPClient(url: server, user: user, password: password) else {
            result.fatal = "cannot start libcurl"
            return result
        }
        var writers: [String: LogWriter] = [:]
        for (n, f) in pending.enumerated() {
            if n > 0 && interval > 0 { Thread.sleep(forTimeInterval: interval) }
            let outcome = client.send(f.bytes, from: from ?? f.from, to: f.to)
            let status: String
            switch outcome {
            case .sent:
                status = "sent"
                result.sent += 1
            case let .refused(reply):
                complain("tandem: \(f.to): \(reply)")
                status = "failed"
                result.failed += 1
            case let .fatal(message):
                // Nothing is recorded for this message: the next run tries it again.
                result.fatal = "\(server): \(message)"
                return result
            }
            do {
                if writers[f.program] == nil { writers[f.program] = try LogWriter(root: root, program: f.program) }
                try writers[f.program]!.append("\(today) \(status) \(f.messageID)\n")
            } catch {
                result.fatal = "cannot record in \(SentLog.path(program: f.program)): \(error)"
                return result
            }
        }
        return result
    }
}

/// Appends lines to a sent log, each flushed to disk (fsync) before `append` returns.
final class LogWriter {
    struct Failure: Error, CustomStringConvertible { let description: String }
    private let fd: Int32

    init(root: URL, program: String) throws {
        let dir = root.appendingPathComponent(SentLog.folder)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = root.appendingPathComponent(SentLog.path(program: program)).path
        let isNew = !FileManager.default.fileExists(atPath: path)
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        if isNew {
            try append(SentLog.header)
            // The new file's name must survive a crash too.
            let dirFD = open(dir.path, O_RDONLY | O_DIRECTORY)
            if dirFD >= 0 { fsync(dirFD); close(dirFD) }
        }
    }

    deinit { close(fd) }

    func append(_ line: String) throws {
        let bytes = Array(line.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: String(cString: strerror(errno)))
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw Failure(description: String(cString: strerror(errno))) }
    }
}
