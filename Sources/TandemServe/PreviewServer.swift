import FlyingFox
import FlyingSocks
import Foundation
import TandemKit

/// One finished build while serving: what the terminal prints after each rebuild.
public struct PreviewBuild: Sendable {
    /// Counts builds, failed ones included; open pages reload when it changes.
    public var version: Int
    public var report: BuildReport
    /// Portal-relative paths whose change caused this build (empty for the first build).
    public var changed: [String]
}

/// `tandem serve`: builds a portal into a private folder (never the portal's `Site/`), serves
/// that folder on 127.0.0.1 only, rebuilds when `Content/` or `Templates/` change, and tells
/// open pages to reload. A failed build keeps the last good site and shows its diagnostics on
/// every page until the portal builds again.
public actor PreviewServer {
    public let portal: URL
    private let requestedPort: UInt16
    private let watchInterval: Duration
    private let debounce: Duration
    private let onBuild: @Sendable (PreviewBuild) -> Void

    private let workspace: URL
    /// The built site; `Pipeline.build` swaps a new one in atomically.
    nonisolated public let siteFolder: URL
    private let state = PreviewState()
    private let buildQueue = DispatchQueue(label: "tandem.serve.build")
    private var server: HTTPServer?
    /// The public listener on 127.0.0.1:port, in front of `server`.
    private var requestGuard: RequestGuard?
    private var serverTask: Task<Void, any Error>?
    private var watchTask: Task<Void, Never>?

    /// - Parameters:
    ///   - port: 0 picks a free port.
    ///   - watchInterval: how often `Content/` and `Templates/` are scanned for changes.
    ///   - debounce: how long the files must stay unchanged before a rebuild starts, so that
    ///     an editor saving several files triggers one build.
    public init(portal: URL, port: UInt16 = 8000, watchInterval: Duration = .milliseconds(300),
                debounce: Duration = .milliseconds(300), onBuild: @escaping @Sendable (PreviewBuild) -> Void = { _ in }) {
        self.portal = portal.standardizedFileURL
        self.requestedPort = port
        self.watchInterval = watchInterval
        self.debounce = debounce
        self.onBuild = onBuild
        workspace = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-serve-\(UUID().uuidString)")
        siteFolder = workspace.appendingPathComponent("site")
    }

    /// Builds once, starts listening and watching. Returns the address to open.
    /// A first build with errors still starts the server: every page shows the diagnostics.
    @discardableResult
    public func start() async throws -> URL {
        guard server == nil else { throw PreviewError.alreadyRunning }
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        // Scan before the first build, so that an edit made while it runs is not missed.
        let scanner = ChangeScanner(portal: portal)
        var baseline = scanner.scan()
        let first = await rebuild(changed: [])
        scanner.absorb(first.locksWritten, into: &baseline)

        // FlyingFox answers on an internal loopback port; the public port is the RequestGuard's,
        // which bounds request heads before FlyingFox reads them (see RequestGuard).
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: 0)
        let handler = PreviewHandler(site: siteFolder, state: state)
        let server = HTTPServer(address: address, timeout: 30, logger: .disabled, handler: handler)
        self.server = server
        let failure = FirstError()
        serverTask = Task {
            do { try await server.run() } catch { failure.record(error); throw error }
        }
        // Wait until the socket listens, or until run() gives up.
        let deadline = ContinuousClock.now + .seconds(10)
        while await !server.isListening {
            if let error = failure.error {
                await stop()
                throw PreviewError.cannotListen(port: requestedPort, underlying: error)
            }
            if ContinuousClock.now > deadline {
                await stop()
                throw PreviewError.cannotListen(port: requestedPort, underlying: nil)
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        guard case .ip4(_, let internalPort)? = await server.listeningAddress else {
            await stop()
            throw PreviewError.cannotListen(port: requestedPort, underlying: nil)
        }
        do {
            requestGuard = try RequestGuard(port: requestedPort, upstreamPort: internalPort)
        } catch {
            await stop()
            throw PreviewError.cannotListen(port: requestedPort, underlying: error)
        }
        guard let url = await url else { throw PreviewError.cannotListen(port: requestedPort, underlying: nil) }

        let interval = watchInterval, debounce = debounce
        // Detached: scanning is blocking file I/O and has no business on this actor.
        watchTask = Task.detached { [weak self] in
            var known = baseline
            var pending = Set<String>()
            var lastChange: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let now = scanner.scan()
                if now != known {
                    pending.formUnion(ChangeScanner.difference(known, now))
                    known = now
                    lastChange = .now
                } else if let changedAt = lastChange, ContinuousClock.now - changedAt >= debounce {
                    lastChange = nil
                    let changed = pending.sorted()
                    pending = []
                    guard let self else { return }
                    let report = await self.rebuild(changed: changed)
                    scanner.absorb(report.locksWritten, into: &known)
                }
            }
        }
        return url
    }

    /// `http://127.0.0.1:PORT/` once listening.
    public var url: URL? {
        get async {
            guard case .ip4(let host, let port)? = await boundAddress else { return nil }
            return URL(string: "http://\(host):\(port)/")
        }
    }

    /// The address the public listening socket is bound to.
    public var boundAddress: Socket.Address? {
        get async { requestGuard.map { .ip4("127.0.0.1", port: $0.port) } }
    }

    /// How many builds have finished (failed ones included).
    public var version: Int { get async { await state.snapshot().version } }

    /// Stops watching and serving and removes the private site folder.
    public func stop() async {
        watchTask?.cancel()
        await watchTask?.value
        watchTask = nil
        requestGuard?.stop()
        requestGuard = nil
        // Open tabs hold keep-alive connections; a preview has nothing worth waiting for.
        if let server { await server.stop(timeout: 0) }
        serverTask?.cancel()
        _ = await serverTask?.result
        server = nil
        serverTask = nil
        try? FileManager.default.removeItem(at: workspace)
    }

    /// Builds into the private site folder off the cooperative pool (a build can take a while
    /// and the server must keep answering meanwhile).
    @discardableResult
    private func rebuild(changed: [String]) async -> BuildReport {
        let options = { var o = BuildOptions(root: portal, output: siteFolder, writeLocks: false); o.writeOutbox = false; return o }()
        let report = await withCheckedContinuation { (done: CheckedContinuation<BuildReport, Never>) in
            buildQueue.async { done.resume(returning: Pipeline.build(options)) }
        }
        let version = await state.record(report)
        onBuild(PreviewBuild(version: version, report: report, changed: changed))
        return report
    }
}

public enum PreviewError: Error, CustomStringConvertible {
    case alreadyRunning
    case cannotListen(port: UInt16, underlying: (any Error)?)

    public var description: String {
        switch self {
        case .alreadyRunning: "the preview server is already running"
        case .cannotListen(let port, let underlying):
            "cannot listen on 127.0.0.1:\(port)\(underlying.map { ": \($0)" } ?? "")" + (port == 0 ? "" : " (is the port in use? try --port 0)")
        }
    }
}

/// The error that ended the server's run, read from another task.
private final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    func record(_ error: any Error) { lock.withLock { if stored == nil { stored = error } } }
    var error: (any Error)? { lock.withLock { stored } }
}

/// What the request handlers need to know about the builds.
actor PreviewState {
    struct Snapshot: Sendable {
        var version = 0
        /// Errors and warnings of the latest build, when it failed.
        var failure: [Diagnostic]?
        var hasSite = false
    }

    private var current = Snapshot()

    func snapshot() -> Snapshot { current }

    func record(_ report: BuildReport) -> Int {
        current.version += 1
        if report.succeeded {
            current.failure = nil
            current.hasSite = true
        } else {
            current.failure = report.diagnostics
        }
        return current.version
    }
}
