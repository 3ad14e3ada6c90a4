/// A 128-bit fingerprint of a page's inputs, stable across runs and machines.
///
/// Written here because Swift's `Hasher` is seeded per process (its values cannot be kept
/// between builds) and a cryptographic digest would cost more than rendering the page. Two
/// independent 64-bit lanes (multiply–xorshift mixing, eight bytes at a time) make an
/// accidental collision between two versions of one page vanishingly unlikely; the inputs
/// are our own view models, not adversarial data.
struct Fingerprint: Hashable, Sendable {
    private(set) var a: UInt64 = 0x9E37_79B9_7F4A_7C15
    private(set) var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    init() {}
    init(a: UInt64, b: UInt64) { self.a = a; self.b = b }

    @inline(__always)
    mutating func combine(_ v: UInt64) {
        a = (a ^ v) &* 0x9E37_79B9_7F4A_7C15
        a ^= a >> 31
        b = (b &+ v) &* 0xC2B2_AE3D_27D4_EB4F
        b = b << 27 | b >> 37
    }

    mutating func combine(_ other: Fingerprint) {
        combine(other.a)
        combine(other.b)
    }

    @inline(__always)
    mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine(bytes: $0) }
    }

    @inline(__always)
    mutating func combine(bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        var i = 0
        let raw = UnsafeRawBufferPointer(bytes)
        while i + 8 <= n {
            combine(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        // The length goes in with the last, partial word.
        var tail = UInt64(n) << 56
        var shift: UInt64 = 0
        while i < n { tail |= UInt64(bytes[i]) << shift; shift += 8; i += 1 }
        combine(tail)
    }

    mutating func combine(_ value: ViewValue) {
        switch value {
        case let .text(s): combine(1); combine(s)
        case let .number(n): combine(2); combine(UInt64(bitPattern: Int64(n)))
        case let .flag(f): combine(f ? 3 : 4)
        case let .object(o): combine(o)
        case let .objects(list): combine(6); combine(UInt64(list.count)); for o in list { combine(o) }
        case let .texts(list): combine(7); combine(UInt64(list.count)); for s in list { combine(s) }
        case let .list(list): combine(8); combine(UInt64(list.count)); for v in list { combine(v) }
        }
    }

    mutating func combine(_ object: ViewObject) {
        combine(5 | UInt64(object.count) << 8)
        object.keys.withUnsafeBufferPointer { keys in
            object.values.withUnsafeBufferPointer { values in
                for i in 0..<keys.count {
                    combine(keys[i])
                    combine(values[i])
                }
            }
        }
    }
}
