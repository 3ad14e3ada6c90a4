import ArgumentParser
import Foundation
import TandemKit
import TandemSend

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send the outbox's messages over SMTP, each exactly once (recorded in Content/sent/).")

    @OptionGroup var options: PortalOptions
    @Option(help: "The mail server: smtp://host:port (STARTTLS when offered) or smtps://host:port.") var smtp: String
    @Option(help: "The envelope sender (default: each message's From, the portal's contact).") var from: String?
    @Option(help: "Send messages dated up to this day, YYYY-MM-DD (default: today, or SOURCE_DATE_EPOCH's day).") var until: String?
    @Option(help: "The outbox folder (default: PORTAL/Outbox).") var outbox: String?
    @Option(help: "At most this many messages per second, minute or hour: 5/s, 100/m.") var rate: String?
    @Flag(help: "Print what would be sent; send and record nothing.") var dryRun = false

    func run() throws {
        var err = FileHandle.standardError
        func fail(_ message: String) -> ExitCode {
            print("tandem: error: \(message)", to: &err)
            return ExitCode(1)
        }
        if let problem = Sender.problem(server: smtp) { throw fail(problem) }
        let now = BuildOptions.sourceDateEpoch() ?? Int(Date().timeIntervalSince1970)
        let today = LocalDate(dayNumber: Int((Double(now) / 86_400).rounded(.down)))
        var untilDay = today
        if let until {
            guard let day = LocalDate(until) else { throw fail("--until must be a date such as 2027-01-04, found '\(until)'") }
            untilDay = day
        }
        var interval = 0.0
        if let rate {
            guard let seconds = Sender.interval(rate: rate) else { throw fail("--rate must be a number per second, minute or hour such as 5/s or 100/m, found '\(rate)'") }
            interval = seconds
        }
        if let from, !from.contains("@") || from.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" }) {
            throw fail("--from must be an address such as people@example.com, found '\(from)'")
        }
        var sender = Sender(root: options.root, outbox: outbox.map { URL(fileURLWithPath: $0) } ?? options.root.appendingPathComponent("Outbox"),
                            server: smtp, from: from, until: untilDay, today: today)
        sender.dryRun = dryRun
        sender.interval = interval
        let environment = ProcessInfo.processInfo.environment
        sender.user = environment["TANDEM_SMTP_USER"].flatMap { $0.isEmpty ? nil : $0 }
        sender.password = environment["TANDEM_SMTP_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let result = sender.run(say: { print($0) }, complain: { print($0, to: &err) })
        emit(result.diagnostics)
        if !result.diagnostics.isEmpty && !result.succeeded { throw ExitCode(1) }
        if let fatal = result.fatal {
            print("tandem: error: \(fatal)", to: &err)
            if result.sent + result.failed > 0 { print("tandem: \(result.sent) sent and recorded before that; run 'tandem send' again to go on", to: &err) }
            throw ExitCode(1)
        }
        let already = result.skipped > 0 ? ", \(result.skipped) sent before" : ""
        if dryRun {
            print("Dry run: nothing sent\(already).")
        } else {
            print("Sent \(result.sent) message\(result.sent == 1 ? "" : "s")\(result.failed > 0 ? ", \(result.failed) failed" : "")\(already) via \(smtp).")
        }
        if result.failed > 0 { throw ExitCode(1) }
    }
}
