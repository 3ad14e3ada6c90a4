import Dispatch
import Foundation
import TandemKit

/// One status line on stderr while a build runs: the stage, the files written so far and the
/// time taken. Shown only on a terminal, and only once the build has taken a second; the
/// line is cleared before anything else is printed, so output and diagnostics stay clean.
final class ProgressLine: @unchecked Sendable {
    let progress = BuildProgress()
    private let queue = DispatchQueue(label: "tandem.progress")
    private var timer: DispatchSourceTimer?
    private var shown = false
    private var last = ""
    private let start = DispatchTime.now()

    /// A progress line for stderr, or nil when stderr is not a terminal.
    static func forTerminal() -> ProgressLine? {
        isatty(STDERR_FILENO) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb" ? ProgressLine() : nil
    }

    func begin() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: start + .seconds(1), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.draw() }
        self.timer = timer
        timer.resume()
    }

    /// Stops drawing and clears the line; nothing is drawn after this returns.
    func end() {
        queue.sync {
            timer?.cancel()
            timer = nil
            if shown { Self.put("\r\u{1B}[2K") }
            shown = false
        }
    }

    private func draw() {
        guard timer != nil else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let text = ProgressLine.text(stage: progress.stage, files: progress.filesWritten, seconds: seconds)
        if text != last { Self.put("\r\u{1B}[2K" + text) }
        last = text
        shown = true
    }

    static func text(stage: String, files: Int, seconds: Double) -> String {
        let what: String
        switch stage {
        case "load": what = "reading the portal"
        case "templates": what = "reading the templates"
        case "match": what = "matching"
        case "schedule": what = "scheduling sessions"
        case "prepare": what = "taking stock of the previous site"
        case "render", "write": what = "writing the site"
        default: what = "building"
        }
        let count = files > 0 ? ", \(files.formatted()) files" : ""
        return "tandem: \(what)\(count) (\(String(format: "%.0f", seconds.rounded(.down))) s)"
    }

    private static func put(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
