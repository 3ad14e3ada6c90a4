import Foundation

/// A starter portal for `tandem init`: one program of a common kind, a starter set of activity
/// guides, a small example roster and a README for the admin. Each builds with no errors and
/// no warnings as it is.
public struct PortalTemplate: Sendable, Hashable {
    /// The name given to `--template`; also the folder under `Starters/` and the program's slug.
    public let name: String
    /// One line for `tandem init --list`.
    public let summary: String
    /// Guides copied from `Starters/activities/`; the program's agenda uses them in this order.
    public let activities: [String]

    public static let all: [PortalTemplate] = [
        PortalTemplate(
            name: "onboarding-buddies",
            summary: "New joiners paired with a settled colleague in the same office; five weekly 30-minute chats.",
            activities: ["quadrants", "show-and-tell", "lunch-and-learn", "job-shadowing", "question-prompts"]),
        PortalTemplate(
            name: "peer-circles",
            summary: "Circles of three or four colleagues who share a growth goal; five monthly one-hour sessions.",
            activities: ["card-deck-icebreaker", "smart-career-goals", "inside-out", "pyramid-of-success", "whats-your-plan"]),
        PortalTemplate(
            name: "coffee-roulette",
            summary: "A monthly coffee with someone from another department; light conversation, no homework.",
            activities: ["show-and-tell", "question-prompts", "bucket-list", "quadrants"]),
        PortalTemplate(
            name: "mentoring",
            summary: "Experienced colleagues mentor earlier-career ones outside their reporting line; six monthly hours.",
            activities: ["smart-career-goals", "pyramid-of-success", "whats-your-plan", "big-decision", "question-prompts", "job-shadowing"]),
    ]

    public static func named(_ name: String) -> PortalTemplate? {
        all.first { $0.name == name }
    }
}

public enum ScaffoldError: Error, CustomStringConvertible, Equatable {
    case notEmpty(String)
    case notAFolder(String)
    case missingStarter(String)
    case cannotWrite(String, reason: String)

    public var description: String {
        switch self {
        case .notEmpty(let path): "\(path) is not empty; 'tandem init' only writes into a new or empty folder"
        case .notAFolder(let path): "\(path) exists and is not a folder"
        case .missingStarter(let name): "the starter files for '\(name)' are missing next to the tandem executable"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}

/// Writes a starter portal into a folder.
public enum Scaffold {
    /// The starter files shipped with Tandem (`Sources/TandemKit/Scaffold/Starters`).
    static var starters: URL? {
        Bundle.module.url(forResource: "Starters", withExtension: nil)
    }

    /// Creates `directory` (or fills it if it exists and is empty, or holds only `.git`) with the
    /// template's portal.
    /// Refuses any folder that already holds something, so nothing is ever overwritten.
    /// - Returns: the paths written, relative to `directory`, sorted.
    @discardableResult
    public static func create(_ template: PortalTemplate, at directory: URL) throws -> [String] {
        let fm = FileManager.default
        let target = directory.standardizedFileURL
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ScaffoldError.notAFolder(target.path) }
            // A fresh clone (only `.git`) is fine: nothing of the template can clash with it.
            if let contents = try? fm.contentsOfDirectory(atPath: target.path), contents.contains(where: { $0 != ".git" }) {
                throw ScaffoldError.notEmpty(target.path)
            }
        }
        let files = try files(for: template)
        do {
            for (path, data) in files.sorted(by: { $0.key < $1.key }) {
                let url = target.appendingPathComponent(path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url, options: .withoutOverwriting)
            }
        } catch {
            throw ScaffoldError.cannotWrite(target.path, reason: error.localizedDescription)
        }
        return files.keys.sorted()
    }

    static let gitignore = """
        # Written by `tandem build` when messages are on: the messages to send, which may hold
        # secret page addresses. Review it, send it with `tandem send`, never commit it.
        /Outbox/
        /.Outbox.tandem-*

        """

    /// The template's files, keyed by their path in the new portal.
    static func files(for template: PortalTemplate) throws -> [String: Data] {
        guard let starters else { throw ScaffoldError.missingStarter(template.name) }
        let own = starters.appendingPathComponent(template.name)
        var files: [String: Data] = [:]
        let fm = FileManager.default
        guard let walker = fm.enumerator(at: own, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw ScaffoldError.missingStarter(template.name)
        }
        let prefix = own.standardizedFileURL.path + "/"
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            let path = String(url.standardizedFileURL.path.dropFirst(prefix.count))
            files[path] = try Data(contentsOf: url)
        }
        for slug in template.activities {
            let url = starters.appendingPathComponent("activities/\(slug).md")
            guard let data = fm.contents(atPath: url.path) else { throw ScaffoldError.missingStarter("\(template.name)/\(slug)") }
            files["Content/activities/\(slug).md"] = data
        }
        // The outbox holds every message (and, in unlisted portals, the secret page addresses).
        files[".gitignore"] = Data(Scaffold.gitignore.utf8)
        guard files["Content/portal.yaml"] != nil, files["Content/roster.yaml"] != nil else {
            throw ScaffoldError.missingStarter(template.name)
        }
        return files
    }
}
