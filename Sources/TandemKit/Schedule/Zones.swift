import Foundation

/// Memoised time-zone look-ups. Creating a `TimeZone` reads the tz database from disk, and a
/// large portal asks for the same few zones and instants hundreds of thousands of times.
/// The cache holds pure function results only, so sharing it between threads is safe.
enum Zones {
    private struct Key: Hashable { let zone: String; let instant: Int }
    private static let lock = NSLock()
    nonisolated(unsafe) private static var zones: [String: TimeZone?] = [:]
    nonisolated(unsafe) private static var offsets: [Key: Int] = [:]

    static func zone(_ identifier: String) -> TimeZone? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = zones[identifier] { return cached }
        let zone = TimeZone(identifier: identifier)
        zones[identifier] = zone
        return zone
    }

    /// Seconds east of UTC at an instant; nil for an unknown zone.
    static func offset(_ identifier: String, at instant: Int) -> Int? {
        let key = Key(zone: identifier, instant: instant)
        lock.lock()
        if let cached = offsets[key] { lock.unlock(); return cached }
        lock.unlock()
        guard let zone = zone(identifier) else { return nil }
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
        lock.lock()
        offsets[key] = offset
        lock.unlock()
        return offset
    }
}
