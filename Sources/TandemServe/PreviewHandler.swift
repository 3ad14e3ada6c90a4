import FlyingFox
import Foundation
import TandemKit

/// Answers requests from the built site folder. HTML gets the reload script (and, after a failed
/// build, the diagnostics banner); nothing is ever read from outside the site folder.
struct PreviewHandler: HTTPHandler {
    let site: URL
    let state: PreviewState

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            return HTTPResponse(statusCode: .methodNotAllowed, headers: HTTPHeaders([.init("Allow"): "GET, HEAD"]))
        }
        // Pages name participants: answer only requests addressed to this machine, so that a
        // web page elsewhere cannot read them by pointing its own host name at 127.0.0.1.
        guard Self.isLocalHost(request.headers[.host]) else {
            return respond(request, .forbidden, type: "text/plain; charset=utf-8", Data("tandem serve answers only http://127.0.0.1 and http://localhost\n".utf8))
        }
        let snapshot = await state.snapshot()
        if request.path == LiveReload.versionPath {
            return respond(request, .ok, type: "text/plain; charset=utf-8", Data("\(snapshot.version)".utf8))
        }
        guard snapshot.hasSite else {
            let page = LiveReload.errorPage(snapshot.failure ?? [], version: snapshot.version)
            return respond(request, .internalServerError, type: "text/html; charset=utf-8", Data(page.utf8))
        }
        guard let relative = Self.sitePath(request.path) else {
            return notFound(request, snapshot)
        }
        var file = relative.isEmpty ? site : site.appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            return notFound(request, snapshot)
        }
        if isDirectory.boolValue {
            // Pages link relatively, so a folder must be addressed with its trailing slash.
            // FlyingFox's `path` is standardised, which drops a trailing slash: look at the
            // target as sent, or `/folder/` would be sent to itself forever.
            if !request.target.path().hasSuffix("/") {
                return HTTPResponse(statusCode: .movedPermanently, headers: HTTPHeaders([.location: request.path + "/"]))
            }
            file = file.appendingPathComponent("index.html")
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return notFound(request, snapshot)
        }
        let type = Self.contentType(file.pathExtension)
        if file.pathExtension == "html" {
            let page = LiveReload.inject(into: String(decoding: data, as: UTF8.self), version: snapshot.version, failure: snapshot.failure)
            return respond(request, .ok, type: type, Data(page.utf8))
        }
        return respond(request, .ok, type: type, data)
    }

    private func notFound(_ request: HTTPRequest, _ snapshot: PreviewState.Snapshot) -> HTTPResponse {
        let page = LiveReload.inject(into: LiveReload.notFoundPage(request.path), version: snapshot.version, failure: snapshot.failure)
        return respond(request, .notFound, type: "text/html; charset=utf-8", Data(page.utf8))
    }

    private func respond(_ request: HTTPRequest, _ status: HTTPStatusCode, type: String, _ body: Data) -> HTTPResponse {
        HTTPResponse(statusCode: status,
                     headers: [.contentType: type, .cacheControl: "no-store", .contentLength: "\(body.count)"],
                     body: request.method == .HEAD ? Data() : body)
    }

    /// Whether a Host header names the loopback interface (any port). No header (HTTP/1.0) is
    /// allowed: such clients are not browsers.
    static func isLocalHost(_ host: String?) -> Bool {
        guard let host = host?.trimmingCharacters(in: .whitespaces).lowercased() else { return true }
        let name: Substring
        if host.hasPrefix("[") {
            name = host.dropFirst().prefix { $0 != "]" }
        } else {
            name = host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        }
        return name == "127.0.0.1" || name == "localhost" || name == "::1"
    }

    /// The request path as a path inside the site folder, or nil if it tries to climb out.
    static func sitePath(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.contains("\\") || $0.contains("\0") }) else { return nil }
        return parts.joined(separator: "/")
    }

    static func contentType(_ pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "ics": "text/calendar; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "svg": "image/svg+xml"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "txt", "md": "text/plain; charset=utf-8"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "pdf": "application/pdf"
        case "woff2": "font/woff2"
        default: "application/octet-stream"
        }
    }
}

/// The serve-only additions to HTML: a reload script and, after a failed build, a banner.
/// `tandem build` never produces either.
public enum LiveReload {
    public static let versionPath = "/__tandem/version"

    /// Polls the build version once a second and reloads the page when it changes. Polling
    /// survives server restarts and needs no open connection per tab.
    public static func script(version: Int) -> String {
        """
        <script id="tandem-live-reload">
        (function () {
          var seen = "\(version)";
          function poll() {
            fetch("\(versionPath)", { cache: "no-store" })
              .then(function (r) { return r.text(); })
              .then(function (v) { if (v !== seen) { location.reload(); } else { setTimeout(poll, 1000); } })
              .catch(function () { setTimeout(poll, 2000); });
          }
          setTimeout(poll, 1000);
        })();
        </script>
        """
    }

    /// The banner listing the diagnostics of a failed build, escaped.
    public static func banner(_ diagnostics: [Diagnostic]) -> String {
        let errors = diagnostics.count { $0.severity == .error }
        let listed = diagnostics.prefix(50).map { "<li>\(escape($0.description))</li>" }.joined(separator: "\n")
        let more = diagnostics.count > 50 ? "<li>… and \(diagnostics.count - 50) more</li>\n" : ""
        return """
        <aside id="tandem-build-errors" role="alert" style="position:fixed;inset:0 0 auto 0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#5c0000;border-bottom:3px solid #b00020;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 2px 12px rgba(0,0,0,.25)">
        <p style="margin:0 0 .5rem;font-weight:bold">The last build failed with \(errors) error\(errors == 1 ? "" : "s"); this is the last good site. Fix the files and save: the page reloads by itself.</p>
        <ul style="margin:0;padding-left:1.25rem;white-space:pre-wrap">
        \(listed)
        \(more)</ul>
        </aside>
        """
    }

    /// Adds the script (and the banner, if the latest build failed) just before `</body>`.
    public static func inject(into html: String, version: Int, failure: [Diagnostic]?) -> String {
        var addition = failure.map(banner) ?? ""
        if !addition.isEmpty { addition += "\n" }
        addition += script(version: version) + "\n"
        guard let end = html.range(of: "</body>", options: [.caseInsensitive, .backwards]) else { return html + addition }
        var page = html
        page.insert(contentsOf: addition, at: end.lowerBound)
        return page
    }

    /// What every address shows while the portal has never built.
    public static func errorPage(_ diagnostics: [Diagnostic], version: Int) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Build failed · tandem serve</title></head>
        <body style="margin:0;padding-top:60vh;font-family:system-ui,sans-serif">
        <p style="padding:1rem 1.25rem">The portal has not built yet. The errors are listed above and in the terminal.</p>
        \(banner(diagnostics))
        \(script(version: version))
        </body>
        </html>
        """
    }

    static func notFoundPage(_ path: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Not found · tandem serve</title></head>
        <body style="font-family:system-ui,sans-serif;padding:1rem 1.25rem">
        <h1>Not found</h1>
        <p>The site has no page at <code>\(escape(path))</code>. <a href="/index.html">Go to the portal’s home page</a>.</p>
        </body>
        </html>
        """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
