import Foundation

/// `Content/sent/<program>.log`: what `tandem send` delivered, one line per attempt,
/// `<date> sent <Message-ID>` or `<date> failed <Message-ID>`. Ids and dates only (no
/// addresses, no links), so the file can be committed; a message counts as sent once a `sent`
/// line names it.
public struct SentLog: Sendable {
    public static let folder = "Content/sent"
    public static let header = "# Written by `tandem send`: one line per message, \"<date> sent|failed <Message-ID>\". Commit this file.\n"

    public var sent: Set<String> = []
    public var failed: Set<String> = []

    public static func path(program: String) -> String { "\(folder)/\(program).log" }

    /// Reads every log under `Content/sent/`, by program slug. A line that is not a log line is
    /// a positioned error.
    public static func loadAll(root: URL, bag: DiagnosticBag) -> [String: SentLog] {
        let fm = FileManager.default
        let dir = root.appendingPathComponent(folder)
        var logs: [String: SentLog] = [:]
        for name in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() where name.hasSuffix(".log") {
            let file = "\(folder)/\(name)"
            guard let data = fm.contents(atPath: dir.appendingPathComponent(name).path) else {
                bag.error("cannot read the sent log", at: SourceLocation(file: file))
                continue
            }
            logs[String(name.dropLast(4))] = parse(String(decoding: data, as: UTF8.self), file: file, bag: bag)
        }
        return logs
    }

    static func parse(_ text: String, file: String, bag: DiagnosticBag) -> SentLog {
        var log = SentLog()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            let at = { (column: Int) in SourceLocation(file: file, line: n + 1, column: column) }
            let hint = "each line is '<YYYY-MM-DD> sent <Message-ID>' or '<YYYY-MM-DD> failed <Message-ID>', as tandem send writes it"
            guard fields.count == 3 else {
                bag.error("not a sent-log line: expected a date, 'sent' or 'failed', and a Message-ID", at: at(1), hint: hint)
                continue
            }
            guard LocalDate(String(fields[0])) != nil else {
                bag.error("not a date: '\(fields[0])'", at: at(1), hint: hint)
                continue
            }
            let id = String(fields[2])
            guard id.count > 2, id.hasPrefix("<"), id.hasSuffix(">"), id.contains("@") else {
                bag.error("not a Message-ID: '\(id)'", at: at(fields[0].count + fields[1].count + 3), hint: hint)
                continue
            }
            switch fields[1] {
            case "sent": log.sent.insert(id)
            case "failed": log.failed.insert(id)
            default: bag.error("expected 'sent' or 'failed', found '\(fields[1])'", at: at(fields[0].count + 2), hint: hint)
            }
        }
        log.failed.subtract(log.sent)
        return log
    }
}

/// A message file of the outbox, as `tandem send` reads it back.
public struct OutboxFile: Sendable {
    public var date: LocalDate
    public var program: String
    /// Relative to the outbox.
    public var path: String
    public var messageID: String
    public var to: String
    public var from: String
    public var kind: String
    public var bytes: [UInt8]

    /// Every message dated up to `until`, in send order (date, program, kind, file name).
    public static func load(outbox: URL, until: LocalDate, bag: DiagnosticBag) -> [OutboxFile] {
        let fm = FileManager.default
        guard fm.fileExists(atPath: outbox.appendingPathComponent(Outbox.marker).path) else {
            bag.error("no outbox at '\(outbox.path)': run 'tandem build' with 'messages: true' in Content/portal.yaml first", at: nil)
            return []
        }
        var files: [OutboxFile] = []
        for day in ((try? fm.contentsOfDirectory(atPath: outbox.path)) ?? []).sorted() {
            guard let date = LocalDate(day), date <= until else { continue }
            let dayURL = outbox.appendingPathComponent(day)
            for program in ((try? fm.contentsOfDirectory(atPath: dayURL.path)) ?? []).sorted() {
                let programURL = dayURL.appendingPathComponent(program)
                for name in ((try? fm.contentsOfDirectory(atPath: programURL.path)) ?? []).sorted() where name.hasSuffix(".eml") {
                    let path = "\(day)/\(program)/\(name)"
                    guard let data = fm.contents(atPath: programURL.appendingPathComponent(name).path),
                          let file = parse([UInt8](data), date: date, program: program, path: path) else {
                        bag.error("not a message written by tandem build: \(outbox.lastPathComponent)/\(path)", at: nil,
                                  hint: "rebuild the portal to write the outbox again")
                        continue
                    }
                    files.append(file)
                }
            }
        }
        let order = Dictionary(uniqueKeysWithValues: MessageKind.allCases.enumerated().map { ($1.rawValue, $0) })
        return files.sorted {
            ($0.date, $0.program, order[$0.kind] ?? 99, $0.path) < ($1.date, $1.program, order[$1.kind] ?? 99, $1.path)
        }
    }

    /// Reads the headers Tandem wrote: Message-ID, the addresses of To and From, the kind.
    static func parse(_ bytes: [UInt8], date: LocalDate, program: String, path: String) -> OutboxFile? {
        guard let end = bytes.indices.first(where: { i in i + 3 < bytes.count && bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).replacingOccurrences(of: "\r\n ", with: " ")
        var fields: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        func address(_ value: String?) -> String? {
            guard let value, let open = value.lastIndex(of: "<"), let close = value.lastIndex(of: ">"), open < close else { return nil }
            let address = String(value[value.index(after: open)..<close])
            return Pages.isMailAddress(address) ? address : nil
        }
        guard let id = fields["message-id"], id.hasPrefix("<"), !id.contains(" "), let to = address(fields["to"]),
              let from = address(fields["from"]) else { return nil }
        return OutboxFile(date: date, program: program, path: path, messageID: id, to: to, from: from,
                          kind: fields["x-tandem-kind"] ?? "", bytes: bytes)
    }
}
