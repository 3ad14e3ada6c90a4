import ArgumentParser
import Dispatch
import Foundation
import TandemKit
import TandemServe

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build, serve on 127.0.0.1, and rebuild and reload open pages on every change.",
        discussion: "Watches Content/ and Templates/. The preview is built into a temporary folder, never into Site/, and only the preview gets the reload script. A failed build keeps the last good site and shows the errors on every page and here.")

    @OptionGroup var options: PortalOptions
    @Option(name: .shortAndLong, help: "The port on 127.0.0.1 (0 picks a free one).") var port: UInt16 = 8000

    func run() throws {
        let root = options.root
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            var err = FileHandle.standardError
            print("tandem: error: no portal folder at \(root.path)", to: &err)
            throw ExitCode(1)
        }
        let server = PreviewServer(portal: root, port: port, onBuild: Self.report)
        let failed = Flag()
        let finished = DispatchSemaphore(value: 0)
        // The command line is synchronous; park this thread while the server runs on the
        // concurrency pool, until Ctrl-C (or SIGTERM) stops it.
        Task {
            defer { finished.signal() }
            do {
                let url = try await server.start()
                say("Serving \(root.path) at \(url)  (Ctrl-C to stop)")
            } catch {
                var err = FileHandle.standardError
                print("tandem: error: \(error)", to: &err)
                failed.set()
                return
            }
            await Interrupt.wait()
            say("\nStopping.")
            await server.stop()
        }
        finished.wait()
        if failed.isSet { throw ExitCode(1) }
    }

    /// One line per build on stdout; diagnostics on stderr, as `tandem build` prints them.
    @Sendable static func report(_ build: PreviewBuild) {
        let r = build.report
        emit(r.diagnostics)
        let seconds = String(format: "%.2f", r.totalSeconds)
        let cause = build.changed.isEmpty ? "" : "\(build.changed.prefix(3).joined(separator: ", "))\(build.changed.count > 3 ? " and \(build.changed.count - 3) more" : "") changed: "
        let stamp = Date.now.formatted(date: .omitted, time: .standard)
        for path in r.locksWritten { say("Locked matches → \(path)") }
        if r.succeeded {
            say("[\(stamp)] \(cause)built \(r.pages.formatted()) pages for \(r.participants.formatted()) participants in \(seconds) s")
        } else {
            let errors = r.diagnostics.count { $0.severity == .error }
            say("[\(stamp)] \(cause)build failed with \(errors) error\(errors == 1 ? "" : "s"); \(build.version == 1 ? "pages show the errors until it builds" : "still serving the last good site")")
        }
    }
}

/// Writes a line to stdout unbuffered, so that it shows at once even in a pipe or a log file.
private func say(_ line: String) {
    var out = FileHandle.standardOutput
    print(line, to: &out)
}

/// A one-way latch readable from any thread.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// Waits for SIGINT or SIGTERM, which are ignored by default handling so that the server can
/// close its socket and remove its temporary folder.
private enum Interrupt {
    static func wait() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let once = Once(done)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { once.resume() }
                source.resume()
                once.keep(source)
            }
        }
    }

    private final class Once: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var sources: [any DispatchSourceSignal] = []
        init(_ c: CheckedContinuation<Void, Never>) { continuation = c }
        func keep(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }
        func resume() {
            let c: CheckedContinuation<Void, Never>? = lock.withLock { defer { continuation = nil }; return continuation }
            c?.resume()
        }
    }
}
