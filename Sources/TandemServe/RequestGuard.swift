import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The public listener of `tandem serve`, in front of FlyingFox.
///
/// Why it exists: FlyingFox (0.27.1) reads a request line and every header line whole, with no
/// length limit, before any handler runs (`HTTPDecoder`: `bytes.lines.takeNext()`), byte by
/// byte through async sequences: a 1 MB request line kept a core busy for over 10 s, and there
/// is no setting to bound it. So Tandem accepts the connections itself and reads each request
/// head (request line and headers) with fixed bounds:
///
/// - a request line longer than `maxRequestLine` bytes is answered `414 URI Too Long` as soon
///   as that many bytes have arrived without a line end, and the connection is closed;
/// - a header line longer than `maxHeaderLine`, or a head longer than `maxHead` bytes, gets
///   `431 Request Header Fields Too Large`;
/// - a chunked request body gets `501`, a body longer than `maxBody` gets `413`.
///
/// Everything else is relayed byte for byte, both ways, to FlyingFox on an internal loopback
/// port; FlyingFox keeps answering (host checks, reload script, folders). Every request of a
/// keep-alive connection goes through the same checks.
///
/// So that the guard is no new denial of service itself: at most `maxConnections` connections
/// at a time (more are answered 503 and closed), two threads each with small stacks; a
/// connection idle for `idleTimeout`, or whose head takes longer than `headTimeout` to arrive,
/// is closed; after an error answer the rest of the client's input is drained for at most
/// `drainTimeout` / `drainLimit`, so the client reads the answer instead of a reset.
final class RequestGuard: @unchecked Sendable {
    /// FlyingFox's line reading is quadratic in the line's length (measured with a debug build:
    /// 1 KiB 0.08 s, 2 KiB 0.25 s, 4 KiB 0.8 s, 8 KiB 3.7 s), so lines are kept short.
    static let maxRequestLine = 4 * 1024
    static let maxHeaderLine = 4 * 1024
    static let maxHead = 16 * 1024
    static let maxBody = 1024 * 1024
    static let maxConnections = 64
    static let idleTimeout: Int32 = 30_000 // ms
    static let headTimeout: Int32 = 10_000 // ms
    static let drainTimeout: Int32 = 1_000 // ms
    static let drainLimit = 4 * 1024 * 1024

    private let listener: Int32
    /// The port the guard listens on (the real one when asked for 0).
    let port: UInt16
    private let upstreamPort: UInt16
    private let lock = NSLock()
    private var stopped = false
    private var connections: [ObjectIdentifier: Connection] = [:]

    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts accepting; requests that pass go
    /// to 127.0.0.1:`upstreamPort`.
    init(port: UInt16, upstreamPort: UInt16) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { throw GuardError.system("socket", errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw GuardError.system("bind", code)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "tandem.serve.guard"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Stops accepting and ends every open connection. Idempotent.
    func stop() {
        let open: [Connection] = lock.withLock {
            if stopped { return [] }
            stopped = true
            return Array(connections.values)
        }
        // Wakes the accept loop (on Linux, shutdown makes a blocked poll/accept return).
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in open { connection.abort() }
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, 200)
            if lock.withLock({ stopped }) { return }
            if ready <= 0 { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            Self.noSigPipe(client)
            let connection = Connection(client: client, owner: self)
            let admitted: Bool = lock.withLock {
                guard !stopped, connections.count < Self.maxConnections else { return false }
                connections[ObjectIdentifier(connection)] = connection
                return true
            }
            guard admitted else {
                connection.refuse(status: "503 Service Unavailable", message: "too many connections")
                continue
            }
            connection.start()
        }
    }

    fileprivate func finished(_ connection: Connection) {
        _ = lock.withLock { connections.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    fileprivate func connectUpstream() -> Int32? {
        let fd = socket(AF_INET, Self.streamType, 0)
        guard fd >= 0 else { return nil }
        var address = Self.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        Self.noSigPipe(fd)
        return fd
    }

    private static var streamType: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func noSigPipe(_ fd: Int32) {
        #if canImport(Darwin)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif
        // A peer that vanishes mid-send must give EPIPE, not kill the process (`send` below
        // also passes MSG_NOSIGNAL on Linux).
        var timeout = timeval(tv_sec: Int(idleTimeout / 1000), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    enum GuardError: Error, CustomStringConvertible {
        case system(String, Int32)
        var description: String {
            switch self { case .system(let call, let code): "\(call): \(String(cString: strerror(code)))" }
        }
    }
}

/// One client connection: a thread that checks each request head and forwards it, and a
/// thread that copies FlyingFox's answers back.
private final class Connection: @unchecked Sendable {
    private let client: Int32
    private var upstream: Int32 = -1
    private let owner: RequestGuard // kept alive until the last connection ends
    private let lock = NSLock()
    private var running = 0
    private var aborted = false
    private var closed = false
    /// Set when an error answer must follow FlyingFox's last answers on this connection.
    private var keepClientOpen = false
    private let responsesDone = DispatchSemaphore(value: 0)

    init(client: Int32, owner: RequestGuard) {
        self.client = client
        self.owner = owner
    }

    func start() {
        spawn { self.requests() }
    }

    /// Ends the connection from outside (the server stops).
    func abort() {
        lock.withLock {
            aborted = true
            guard !closed else { return }
            shutdown(client, Int32(SHUT_RDWR))
            if upstream >= 0 { shutdown(upstream, Int32(SHUT_RDWR)) }
        }
    }

    /// Answers at once and closes, for a connection that is not admitted.
    func refuse(status: String, message: String) {
        sendAll(client, Self.errorResponse(status: status, message: message))
        shutdown(client, Int32(SHUT_WR))
        close(client)
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        lock.withLock { running += 1 }
        let thread = Thread { [self] in
            body()
            let last: Bool = lock.withLock { running -= 1; return running == 0 }
            if last {
                lock.withLock {
                    closed = true
                    close(client)
                    if upstream >= 0 { close(upstream) }
                }
                owner.finished(self)
            }
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// Client to FlyingFox: each request head is checked before a byte of it is forwarded.
    private func requests() {
        var buffer: [UInt8] = []
        while true {
            switch readHead(&buffer) {
            case .closed:
                if upstream >= 0 { shutdown(upstream, Int32(SHUT_WR)) }
                return
            case .refuse(let status, let message):
                // Earlier requests of this connection may still be answered: let FlyingFox
                // finish them (it closes on end of input), so that the error answer follows
                // theirs instead of cutting into them.
                if upstream >= 0 {
                    lock.withLock { keepClientOpen = true }
                    shutdown(upstream, Int32(SHUT_WR))
                    _ = responsesDone.wait(timeout: .now() + .milliseconds(Int(RequestGuard.idleTimeout)))
                }
                sendAll(client, Self.errorResponse(status: status, message: message))
                lingeringClose()
                return
            case .head(let length, let bodyLength):
                if upstream < 0 {
                    guard let fd = owner.connectUpstream() else {
                        sendAll(client, Self.errorResponse(status: "502 Bad Gateway", message: "the preview server is not answering"))
                        lingeringClose()
                        return
                    }
                    let stillOpen: Bool = lock.withLock { if !aborted { upstream = fd }; return !aborted }
                    guard stillOpen else { close(fd); return }
                    spawn { self.responses() }
                }
                guard sendAll(upstream, Array(buffer[..<length])) else { return }
                buffer.removeFirst(length)
                guard forwardBody(bodyLength, from: &buffer) else { return }
            }
        }
    }

    /// FlyingFox to client, byte for byte, until either side closes.
    private func responses() {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(upstream, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            if !sendAll(client, Array(chunk[..<n])) { break }
        }
        // FlyingFox closed (Connection: close, its timeout, or the server stops): so does the
        // client's, unless an error answer is still to be sent.
        if !lock.withLock({ keepClientOpen }) { shutdown(client, Int32(SHUT_RDWR)) }
        responsesDone.signal()
    }

    private enum Head {
        case head(length: Int, body: Int)
        case refuse(String, String)
        case closed
    }

    /// Reads until `buffer` holds a whole request head, within the limits.
    private func readHead(_ buffer: inout [UInt8]) -> Head {
        let started = ContinuousClock.now
        var scanned = 0
        var lineEnds: [Int] = [] // index of each LF found so far
        while true {
            // Look for the end of the head in what has arrived.
            while scanned < buffer.count {
                if buffer[scanned] == UInt8(ascii: "\n") {
                    let lineStart = lineEnds.last.map { $0 + 1 } ?? 0
                    var lineLength = scanned - lineStart
                    if lineLength > 0, buffer[scanned - 1] == UInt8(ascii: "\r") { lineLength -= 1 }
                    if lineEnds.isEmpty, lineLength > RequestGuard.maxRequestLine { return Self.uriTooLong }
                    if !lineEnds.isEmpty, lineLength > RequestGuard.maxHeaderLine { return Self.headersTooLarge }
                    lineEnds.append(scanned)
                    if lineLength == 0, lineEnds.count > 1 { return Self.parse(buffer[...scanned], lineEnds: lineEnds) }
                    if lineLength == 0 { lineEnds.removeAll(); buffer.removeFirst(scanned + 1); scanned = 0; continue } // stray CRLF before a request
                }
                scanned += 1
            }
            // (+ 1: the CR of a line just at the limit may have come without its LF yet)
            if lineEnds.isEmpty, buffer.count > RequestGuard.maxRequestLine + 1 { return Self.uriTooLong }
            if let last = lineEnds.last, buffer.count - last - 1 > RequestGuard.maxHeaderLine + 1 { return Self.headersTooLarge }
            if buffer.count > RequestGuard.maxHead { return Self.headersTooLarge }
            // Wait for more: an idle keep-alive connection may wait `idleTimeout`, a head that
            // has begun must be complete within `headTimeout`.
            var wait = RequestGuard.idleTimeout
            if !buffer.isEmpty {
                let left = RequestGuard.headTimeout - milliseconds(since: started)
                if left <= 0 { return .closed }
                wait = min(wait, left)
            }
            var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, wait) > 0 else { return .closed }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return .closed }
            buffer += chunk[..<n]
        }
    }

    private static let uriTooLong = Head.refuse("414 URI Too Long", "the request line is longer than \(RequestGuard.maxRequestLine) bytes")
    private static let headersTooLarge = Head.refuse("431 Request Header Fields Too Large", "a header line is longer than \(RequestGuard.maxHeaderLine) bytes, or the request head than \(RequestGuard.maxHead)")

    /// The body length a head announces; chunked bodies and bodies over the limit are refused.
    private static func parse(_ head: ArraySlice<UInt8>, lineEnds: [Int]) -> Head {
        var body = 0
        var start = lineEnds[0] + 1
        for end in lineEnds.dropFirst() {
            let line = String(decoding: head[start..<end], as: UTF8.self)
            start = end + 1
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            switch name {
            case "transfer-encoding":
                return .refuse("501 Not Implemented", "request bodies with Transfer-Encoding are not accepted")
            case "content-length":
                guard let length = Int(value), length >= 0, body == 0 || body == length else {
                    return .refuse("400 Bad Request", "invalid Content-Length")
                }
                guard length <= RequestGuard.maxBody else {
                    return .refuse("413 Content Too Large", "the request body is longer than \(RequestGuard.maxBody) bytes")
                }
                body = length
            default: continue
            }
        }
        return .head(length: head.count, body: body)
    }

    /// Forwards `length` body bytes (from the buffer first, then from the client).
    private func forwardBody(_ length: Int, from buffer: inout [UInt8]) -> Bool {
        var left = length
        let buffered = min(left, buffer.count)
        if buffered > 0 {
            guard sendAll(upstream, Array(buffer[..<buffered])) else { return false }
            buffer.removeFirst(buffered)
            left -= buffered
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while left > 0 {
            var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, RequestGuard.idleTimeout) > 0 else { return false }
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, min($0.count, left), 0) }
            if n <= 0 { return false }
            guard sendAll(upstream, Array(chunk[..<n])) else { return false }
            left -= n
        }
        return true
    }

    /// After an error answer: stop writing, read and discard what the client still sends for a
    /// bounded time, so that closing with unread input does not reset the connection before
    /// the client has read the answer.
    private func lingeringClose() {
        if upstream >= 0 { shutdown(upstream, Int32(SHUT_RDWR)) }
        shutdown(client, Int32(SHUT_WR))
        let started = ContinuousClock.now
        var drained = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while drained < RequestGuard.drainLimit {
            let left = RequestGuard.drainTimeout - milliseconds(since: started)
            guard left > 0 else { return }
            var pfd = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, left) > 0 else { return }
            let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            drained += n
        }
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Int32 {
        let elapsed = (ContinuousClock.now - start).components
        return Int32(clamping: elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)
    }

    static func errorResponse(status: String, message: String) -> [UInt8] {
        let body = message + "\n"
        return Array("HTTP/1.1 \(status)\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
    }

    @discardableResult
    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, bytes.count - sent, flags) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
