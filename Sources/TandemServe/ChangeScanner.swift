import Foundation

/// Finds edits in a portal's `Content/` and `Templates/` by comparing file sizes and
/// modification times. Polling is portable and cheap for the few hundred files a portal has.
struct ChangeScanner: Sendable {
    struct Stamp: Equatable, Sendable {
        var modified: Date
        var size: Int
    }

    let portal: URL
    static let watched = ["Content", "Templates"]

    /// Every regular file under the watched folders, keyed by its portal-relative path.
    func scan() -> [String: Stamp] {
        var stamps: [String: Stamp] = [:]
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey, .isRegularFileKey]
        for folder in Self.watched {
            // Templates/ may be a link (the demo's points at the built-in theme).
            let top = portal.appendingPathComponent(folder).resolvingSymlinksInPath()
            guard let walker = FileManager.default.enumerator(at: top, includingPropertiesForKeys: keys) else { continue }
            let prefix = top.path.hasSuffix("/") ? top.path : top.path + "/"
            for case let url as URL in walker {
                guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else { continue }
                let path = url.path.hasPrefix(prefix) ? String(url.path.dropFirst(prefix.count)) : url.lastPathComponent
                stamps[folder + "/" + path] = Stamp(modified: values.contentModificationDate ?? .distantPast, size: values.fileSize ?? 0)
            }
        }
        return stamps
    }

    /// Takes files the build wrote itself (round locks under `Content/matches/`) into `stamps`,
    /// so that they do not trigger another build. An edit by hand still does.
    func absorb(_ paths: [String], into stamps: inout [String: Stamp]) {
        for path in paths {
            let url = portal.appendingPathComponent(path)
            guard let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .fileSizeKey]) else { continue }
            stamps[path] = Stamp(modified: values.contentModificationDate ?? .distantPast, size: values.fileSize ?? 0)
        }
    }

    /// Paths added, removed or changed between two scans.
    static func difference(_ old: [String: Stamp], _ new: [String: Stamp]) -> Set<String> {
        var changed = Set<String>()
        for (path, stamp) in new where old[path] != stamp { changed.insert(path) }
        for path in old.keys where new[path] == nil { changed.insert(path) }
        return changed
    }
}
