import Foundation

/// Bidirectional text in what people write about themselves. A name in a right-to-left
/// script beside English text ("Meeting plan: Alex and <Hebrew name>") is reordered with its
/// neighbours unless it is isolated; an explicit control (an unterminated U+202E RIGHT-TO-LEFT
/// OVERRIDE) reverses everything after it.
///
/// The roster refuses the explicit controls (U+202A–U+202E, U+2066–U+2069) at their position
/// (see `RosterLoader.controlCharacter`), and every display text that contains a right-to-left
/// letter is wrapped in U+2068 FIRST STRONG ISOLATE … U+2069 POP DIRECTIONAL ISOLATE when the
/// roster is loaded. The isolate is the plain-text form of `<bdi>`: it travels with the text
/// into every output, including `<title>`, attribute values, calendars and the CSV, where
/// markup cannot go. Text without right-to-left letters is left as it is (it cannot reorder
/// its neighbours in a left-to-right page), so ordinary names come out byte for byte unchanged.
enum Bidi {
    static let firstStrongIsolate: Unicode.Scalar = "\u{2068}"
    static let popDirectionalIsolate: Unicode.Scalar = "\u{2069}"

    /// LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
    static func isFormattingControl(_ s: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
    }

    /// Letters of the right-to-left scripts (bidi classes R and AL): Hebrew, Arabic, Syriac,
    /// Thaana, NKo, Samaritan, Mandaic and their presentation forms; and the marks that act like
    /// them (U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK).
    static func isRightToLeft(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0590...0x08FF, 0xFB1D...0xFDFF, 0xFE70...0xFEFE, 0x10800...0x10FFF, 0x1E800...0x1EFFF, 0x200F, 0x061C: return true
        default: return false
        }
    }

    /// `text` wrapped in FSI … PDI when it holds a right-to-left letter; otherwise unchanged.
    static func isolate(_ text: String) -> String {
        // Every right-to-left code point is at U+0590 or above: UTF-8 lead byte 0xD6 or more.
        guard text.utf8.contains(where: { $0 >= 0xD6 }), text.unicodeScalars.contains(where: isRightToLeft) else { return text }
        var out = String.UnicodeScalarView()
        out.append(firstStrongIsolate)
        out.append(contentsOf: text.unicodeScalars)
        out.append(popDirectionalIsolate)
        return String(out)
    }

    /// Free text that is not refused at load (a check-in comment, from a survey export): its
    /// explicit bidi controls are removed, since a stray U+2069 would end the isolate early,
    /// and it is isolated like a roster text.
    static func isolateFreeText(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isFormattingControl) else { return isolate(text) }
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: text.unicodeScalars.filter { !isFormattingControl($0) })
        return isolate(String(kept))
    }

    /// Isolates every field of a participant that pages, calendars and the report show.
    static func isolateDisplayFields(_ p: inout Participant) {
        func mayNeed(_ s: String?) -> Bool { s?.utf8.contains(where: { $0 >= 0xD6 }) ?? false }
        guard mayNeed(p.name) || mayNeed(p.title) || mayNeed(p.department) || mayNeed(p.location) || mayNeed(p.pronouns)
                || mayNeed(p.team) || mayNeed(p.bio) || p.skills.contains(where: mayNeed) || p.goals.contains(where: mayNeed)
                || p.interests.contains(where: mayNeed) || p.groups.contains(where: mayNeed) else { return }
        p.name = isolate(p.name)
        p.title = isolate(p.title)
        p.department = isolate(p.department)
        p.location = isolate(p.location)
        p.pronouns = p.pronouns.map(isolate)
        p.team = p.team.map(isolate)
        p.bio = p.bio.map(isolate)
        p.skills = p.skills.map(isolate)
        p.goals = p.goals.map(isolate)
        p.interests = p.interests.map(isolate)
        p.groups = p.groups.map(isolate)
    }
}
