import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import FlyingFox
import Testing
import TandemKit
@testable import TandemServe

/// A scaffolded coffee-roulette portal: a real, small portal that builds with no diagnostics.
private func starterPortal() throws -> URL {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-serve-test-\(UUID().uuidString)")
    try Scaffold.create(PortalTemplate.named("coffee-roulette")!, at: root)
    return root
}

private let session: URLSession = {
    let config = URLSessionConfiguration.ephemeral
    config.requestCachePolicy = .reloadIgnoringLocalCacheData
    config.timeoutIntervalForRequest = 5
    return URLSession(configuration: config)
}()

private func get(_ url: URL) async throws -> (status: Int, body: String, type: String?) {
    let (data, response) = try await session.data(from: url)
    let http = try #require(response as? HTTPURLResponse)
    return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
}

/// Polls until `check` holds, for at most `limit`; returns whether it did.
private func eventually(within limit: Duration = .seconds(10), _ check: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if await check() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await check()
}

private func edit(_ file: URL, _ transform: (String) -> String) throws {
    let text = try String(contentsOf: file, encoding: .utf8)
    try Data(transform(text).utf8).write(to: file)
}

@Suite("tandem serve")
struct ServeTests {
    private func startServer(_ root: URL) async throws -> (PreviewServer, URL) {
        let server = PreviewServer(portal: root, port: 0, watchInterval: .milliseconds(100), debounce: .milliseconds(100))
        let url = try await server.start()
        return (server, url)
    }

    @Test("serves the site on loopback only, with the reload script in HTML")
    func servesOnLoopback() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)

        guard case .ip4(let host, let port)? = await server.boundAddress else {
            Issue.record("not bound to an IPv4 address")
            await server.stop()
            return
        }
        #expect(host == "127.0.0.1")
        #expect(port != 0)
        #expect(url.absoluteString == "http://127.0.0.1:\(port)/")

        let index = try await get(url.appendingPathComponent("index.html"))
        #expect(index.status == 200)
        #expect(index.type == "text/html; charset=utf-8")
        #expect(index.body.contains("Example Co Coffee Roulette"))
        #expect(index.body.contains("<script id=\"tandem-live-reload\">"))
        #expect(index.body.range(of: "tandem-live-reload")!.lowerBound < index.body.range(of: "</body>")!.lowerBound)

        let person = try await get(url.appendingPathComponent("programs/coffee-roulette/people/alex-moreau.html"))
        #expect(person.status == 200)
        #expect(person.body.contains("Alex Moreau"))
        #expect(person.body.contains("tandem-live-reload"))

        let home = try await get(url)
        #expect(home.status == 200 && home.body.contains("Example Co Coffee Roulette"))

        let css = try await get(url.appendingPathComponent("assets/style.css"))
        #expect(css.status == 200)
        #expect(css.type == "text/css; charset=utf-8")
        #expect(!css.body.contains("tandem-live-reload"))

        let missing = try await get(url.appendingPathComponent("programs/nope.html"))
        #expect(missing.status == 404)

        let version = try await get(url.appendingPathComponent("__tandem/version"))
        #expect(version.body == "1")

        // The preview is built beside the portal, never into its Site/, and the files on disk
        // carry no script: it is added to responses only.
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("Site").path))
        let onDisk = try String(contentsOf: server.siteFolder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(!onDisk.contains("tandem-live-reload"))

        let stopping = ContinuousClock.now
        await server.stop()
        #expect(ContinuousClock.now - stopping < .seconds(3), "stops promptly")
        #expect(!FileManager.default.fileExists(atPath: server.siteFolder.path))
        await #expect(throws: (any Error).self) { try await get(url.appendingPathComponent("index.html")) }
    }

    @Test("picks up an edit to a program file within a few seconds")
    func reloadsOnEdit() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)

        let program = root.appendingPathComponent("Content/programs/coffee-roulette.md")
        try edit(program) { $0.replacingOccurrences(of: "title: Coffee Roulette\n", with: "title: Lunch Lottery\n") }
        let updated = await eventually {
            (try? await get(url.appendingPathComponent("index.html")).body.contains("Lunch Lottery")) ?? false
        }
        #expect(updated)
        // Open pages reload once the version moves on, which is after the new site is in place.
        #expect(await eventually { (try? await get(url.appendingPathComponent("__tandem/version")).body) == "2" })
        let page = try await get(url.appendingPathComponent("programs/coffee-roulette/index.html"))
        #expect(page.body.contains("Lunch Lottery"))
        await server.stop()
    }

    @Test("a preview never locks a round, and builds once")
    func previewDoesNotLock() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, _) = try await startServer(root)
        let locks = root.appendingPathComponent("Content/matches")
        #expect(!FileManager.default.fileExists(atPath: locks.path), "serve must not write Content/matches/")
        try await Task.sleep(for: .milliseconds(800))
        #expect(await server.version == 1)
        await server.stop()
    }

    @Test("a failed build keeps the last good site and shows its diagnostics, escaped")
    func keepsLastGoodSite() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)

        let program = root.appendingPathComponent("Content/programs/coffee-roulette.md")
        try edit(program) { $0.replacingOccurrences(of: "cadence: monthly", with: "cadence: <b>monthy</b>") }
        #expect(await eventually { await server.version >= 2 })
        let broken = try await get(url.appendingPathComponent("index.html"))
        #expect(broken.status == 200)
        #expect(broken.body.contains("Example Co Coffee Roulette"), "still the last good site")
        #expect(broken.body.contains("id=\"tandem-build-errors\""))
        #expect(broken.body.contains("unknown cadence"))
        #expect(broken.body.contains("&lt;b&gt;monthy&lt;/b&gt;"))
        #expect(!broken.body.contains("<b>monthy</b>"))

        try edit(program) { $0.replacingOccurrences(of: "cadence: <b>monthy</b>", with: "cadence: monthly") }
        #expect(await eventually { await server.version >= 3 })
        let fixed = try await get(url.appendingPathComponent("index.html"))
        #expect(!fixed.body.contains("tandem-build-errors"))
        await server.stop()
    }

    @Test("a portal that never built shows the diagnostics on every page")
    func neverBuilt() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        try edit(root.appendingPathComponent("Content/roster.yaml")) { $0.replacingOccurrences(of: "    department: Engineering\n    team: Web\n", with: "    departmnet: Engineering\n    team: Web\n") }
        let (server, url) = try await startServer(root)

        let page = try await get(url.appendingPathComponent("index.html"))
        #expect(page.status == 500)
        #expect(page.body.contains("tandem-build-errors"))
        #expect(page.body.contains("departmnet"))
        #expect(page.body.contains("tandem-live-reload"))
        await server.stop()
    }

    @Test("a port that is taken is reported, not ignored")
    func portTaken() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (first, _) = try await startServer(root)
        guard case .ip4(_, let port)? = await first.boundAddress else { Issue.record("no address"); return }
        let second = PreviewServer(portal: root, port: port)
        let error = await #expect(throws: PreviewError.self) { try await second.start() }
        #expect("\(error.map { "\($0)" } ?? "")".contains("cannot listen on 127.0.0.1:\(port)"))
        await first.stop()
    }

    @Test("tandem build output never contains the reload script")
    func buildHasNoScript() throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let report = Pipeline.build(BuildOptions(root: root))
        #expect(report.succeeded)
        let site = root.appendingPathComponent("Site")
        let walker = try #require(FileManager.default.enumerator(atPath: site.path))
        var checked = 0
        while let path = walker.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: site.appendingPathComponent(path).path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            #expect(!text.contains("tandem-live-reload") && !text.contains("__tandem") && !text.contains("<script"), "\(path)")
            checked += 1
        }
        #expect(checked > 10)
    }

    /// One request on a fresh connection, as sent (no redirect followed): the status line
    /// and the headers.
    /// Runs on a thread of its own: blocking socket calls on the tests' cooperative threads
    /// would starve the server under test.
    private func rawRequest(port: UInt16, path: String) async -> (status: String, headers: [String]) {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.blockingRequest(port: port, path: path)) }.start()
        }
    }

    private static func blockingRequest(port: UInt16, path: String) -> (status: String, headers: [String]) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return ("socket() failed", []) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return ("connect() failed", []) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[..<n]
        }
        let head = String(decoding: response, as: UTF8.self).components(separatedBy: "\r\n\r\n").first ?? ""
        let lines = head.components(separatedBy: "\r\n")
        return (lines.first ?? "", Array(lines.dropFirst()))
    }

    /// Sends `request` on a fresh connection (from a thread of its own, while the answer is
    /// read) and reads until the server closes: the status line, the whole response, and
    /// whether the connection was closed by the server (rather than the 10 s read timeout).
    private func exchange(port: UInt16, _ request: [UInt8]) async -> (status: String, response: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Self.blockingExchange(port: port, request)) }.start()
        }
    }

    private static func blockingExchange(port: UInt16, _ request: [UInt8]) -> (status: String, response: String, closed: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return ("socket() failed", "", false) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return ("connect() failed", "", false) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The server may answer and stop reading before all is sent: a failed send is fine.
        let sender = Thread {
            var sent = 0
            while sent < request.count {
                let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
        }
        sender.start()
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var closed = false
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { closed = true; break }
            if n < 0 { break }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        return (text.components(separatedBy: "\r\n").first ?? "", text, closed)
    }

    @Test("an over-long request line gets 414 at once, and the connection closes")
    func requestLineTooLong() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)
        let port = UInt16(url.port ?? 0)
        let request = Array("GET /\(String(repeating: "a", count: 1_000_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        let answer = await exchange(port: port, request)
        #expect(answer.status == "HTTP/1.1 414 URI Too Long", "\(answer.status)")
        #expect(answer.response.contains("Connection: close"))
        #expect(answer.closed, "the server closes the connection")
        // Just over the limit is refused, just under it reaches FlyingFox (a 404 for no such page).
        let over = await exchange(port: port, Array("GET /\(String(repeating: "b", count: RequestGuard.maxRequestLine)) HTTP/1.1\r\n".utf8))
        #expect(over.status == "HTTP/1.1 414 URI Too Long", "\(over.status)")
        let underPath = "/" + String(repeating: "c", count: RequestGuard.maxRequestLine - "GET / HTTP/1.1".utf8.count)
        let under = await exchange(port: port, Array("GET \(underPath) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        #expect(under.status.hasPrefix("HTTP/1.1 404 "), "\(under.status)")
        // On a keep-alive connection, the 414 follows the answer to the request before it.
        let pipelined = await exchange(port: port, Array("GET /__tandem/version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8) + request)
        #expect(pipelined.status == "HTTP/1.1 200 OK", "\(pipelined.status)")
        #expect(pipelined.response.contains("\r\n\r\n1HTTP/1.1 414 URI Too Long\r\n"), "\(pipelined.response.prefix(300))")
        #expect(pipelined.closed)
        // The server still answers afterwards.
        #expect(try await get(url.appendingPathComponent("index.html")).status == 200)
        await server.stop()
    }

    @Test("a huge header block gets 431, and the connection closes")
    func headersTooLarge() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)
        let port = UInt16(url.port ?? 0)
        let headers = (0..<2_000).map { "X-Filler-\($0): \(String(repeating: "z", count: 100))\r\n" }.joined()
        let answer = await exchange(port: port, Array("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)\r\n".utf8))
        #expect(answer.status == "HTTP/1.1 431 Request Header Fields Too Large", "\(answer.status)")
        #expect(answer.closed)
        // One header line over its limit is refused too, even in a short head.
        let long = "X-Long: \(String(repeating: "y", count: RequestGuard.maxHeaderLine))\r\n"
        let longLine = await exchange(port: port, Array("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\(long)\r\n".utf8))
        #expect(longLine.status == "HTTP/1.1 431 Request Header Fields Too Large", "\(longLine.status)")
        let chunked = await exchange(port: port, Array("POST /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".utf8))
        #expect(chunked.status.hasPrefix("HTTP/1.1 501 "), "\(chunked.status)")
        await server.stop()
    }

    @Test("requests that pass the guard reach the site, several on one connection")
    func throughTheGuard() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)
        let port = UInt16(url.port ?? 0)
        // Two requests on one keep-alive connection, the second closing it.
        let request = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
            + "GET /__tandem/version HTTP/1.1\r\nHost: localhost:\(port)\r\nConnection: close\r\n\r\n"
        let answer = await exchange(port: port, Array(request.utf8))
        #expect(answer.status == "HTTP/1.1 200 OK", "\(answer.status)")
        #expect(answer.response.contains("Example Co Coffee Roulette"))
        #expect(answer.response.contains("<script id=\"tandem-live-reload\">"))
        #expect(answer.response.components(separatedBy: "HTTP/1.1 200 OK").count == 3, "both requests answered")
        #expect(answer.response.hasSuffix("\r\n\r\n1"), "the version comes last")
        #expect(answer.closed)
        // The host check still applies behind the guard.
        let rebound = await exchange(port: port, Array("GET /index.html HTTP/1.1\r\nHost: evil.example:\(port)\r\nConnection: close\r\n\r\n".utf8))
        #expect(rebound.status.hasPrefix("HTTP/1.1 403 "), "\(rebound.status)")
        await server.stop()
    }

    @Test("a folder is answered with its index.html at its address with a slash, and redirected there without one")
    func folderAddresses() async throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let (server, url) = try await startServer(root)
        let port = UInt16(url.port ?? 0)
        for folder in ["/programs/coffee-roulette", "/activities"] {
            let withSlash = await rawRequest(port: port, path: folder + "/")
            #expect(withSlash.status.hasPrefix("HTTP/1.1 200 "), "\(folder)/: \(withSlash.status)")
            let without = await rawRequest(port: port, path: folder)
            #expect(without.status.hasPrefix("HTTP/1.1 301 "), "\(folder): \(without.status)")
            #expect(without.headers.contains { $0.lowercased() == "location: \(folder)/" }, "\(folder): \(without.headers)")
        }
        let page = try await get(url.appendingPathComponent("programs/coffee-roulette/"))
        #expect(page.status == 200 && page.body.contains("tandem-live-reload"))
        await server.stop()
    }
}

@Suite("serve helpers")
struct ServeHelperTests {
    @Test("the script goes just before </body>, or at the end without one")
    func inject() {
        let page = LiveReload.inject(into: "<html><body><p>Hi</p></body></html>", version: 7, failure: nil)
        #expect(page.hasPrefix("<html><body><p>Hi</p><script id=\"tandem-live-reload\">"))
        #expect(page.hasSuffix("</script>\n</body></html>"))
        #expect(page.contains("var seen = \"7\""))
        #expect(LiveReload.inject(into: "<p>x</p>", version: 1, failure: nil).hasPrefix("<p>x</p><script"))
    }

    @Test("the banner escapes diagnostics")
    func banner() {
        let d = Diagnostic(.error, "bad <script>alert('x')</script> & more", at: SourceLocation(file: "Content/roster.yaml", line: 3, column: 5))
        let html = LiveReload.banner([d])
        #expect(html.contains("Content/roster.yaml:3:5: error: bad &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
        #expect(!html.contains("<script>"))
    }

    @Test("request paths never leave the site folder")
    func paths() {
        #expect(PreviewHandler.sitePath("/") == "")
        #expect(PreviewHandler.sitePath("/programs/x/index.html") == "programs/x/index.html")
        #expect(PreviewHandler.sitePath("/../etc/passwd") == nil)
        #expect(PreviewHandler.sitePath("/a/./b") == nil)
        #expect(PreviewHandler.sitePath("/a/..") == nil)
    }

    @Test("only requests addressed to loopback are answered")
    func hostCheck() async throws {
        #expect(PreviewHandler.isLocalHost("127.0.0.1:8000"))
        #expect(PreviewHandler.isLocalHost("localhost:51234"))
        #expect(PreviewHandler.isLocalHost("LOCALHOST"))
        #expect(PreviewHandler.isLocalHost("[::1]:8000"))
        #expect(PreviewHandler.isLocalHost(nil))
        #expect(!PreviewHandler.isLocalHost("evil.example:8000"))
        #expect(!PreviewHandler.isLocalHost("127.0.0.1.evil.example"))
        #expect(!PreviewHandler.isLocalHost("192.168.1.20:8000"))

        let handler = PreviewHandler(site: FileManager.default.temporaryDirectory.appendingPathComponent("tandem-none"), state: PreviewState())
        let rebound = HTTPRequest(method: .GET, version: .http11, path: "/index.html", query: [],
                                  headers: HTTPHeaders([.host: "evil.example:8000"]), body: HTTPBodySequence(data: Data()))
        #expect(try await handler.handleRequest(rebound).statusCode == .forbidden)
        let local = HTTPRequest(method: .GET, version: .http11, path: "/__tandem/version", query: [],
                                headers: HTTPHeaders([.host: "127.0.0.1:8000"]), body: HTTPBodySequence(data: Data()))
        #expect(try await handler.handleRequest(local).statusCode == .ok)
    }

    @Test("the scanner sees added, changed and removed files")
    func scanner() throws {
        let root = try starterPortal()
        defer { try? FileManager.default.removeItem(at: root) }
        let scanner = ChangeScanner(portal: root)
        let before = scanner.scan()
        #expect(before["Content/roster.yaml"] != nil)
        try Data("---\ntitle: X\n---\n".utf8).write(to: root.appendingPathComponent("Content/activities/new.md"))
        try FileManager.default.removeItem(at: root.appendingPathComponent("Content/activities/quadrants.md"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Templates"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: root.appendingPathComponent("Templates/layout.mustache"))
        let after = scanner.scan()
        #expect(ChangeScanner.difference(before, after) == ["Content/activities/new.md", "Content/activities/quadrants.md", "Templates/layout.mustache"])
    }
}
