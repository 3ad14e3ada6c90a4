import Foundation

/// RFC 5322 / MIME pieces for the outbox: encoded-word headers (RFC 2047), quoted-printable
/// and base64 bodies, and the message itself. Everything is deterministic: boundaries come
/// from the Message-ID, the date from the message's send day.
enum MIME {
    /// One message: headers, a text and an HTML part, and optional attachments.
    struct Message {
        var from: (name: String, address: String)
        var to: (name: String, address: String)
        var subject: String
        var date: String
        var messageID: String
        var text: String
        var html: String
        var attachments: [(name: String, contentType: String, bytes: [UInt8])] = []
        /// Extra headers (name, ASCII value) after the standard ones.
        var extraHeaders: [(String, String)] = []

        /// The message as written to the outbox: CRLF line ends, built straight into bytes
        /// (a large portal writes around ten messages per person).
        var bytes: [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(2048 + 2 * (text.utf8.count + html.utf8.count) + attachments.reduce(0) { $0 + $1.bytes.count * 2 })
            func line(_ s: String) { out.append(contentsOf: s.utf8); out += [13, 10] }
            let digest = PageKey.sha256(Array(messageID.utf8))
            let hex = Array("0123456789abcdef".utf8)
            let token = String(decoding: digest.prefix(8).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] }, as: UTF8.self)
            // "=_" never occurs in quoted-printable or base64 text, so no part can contain it.
            let mixed = "=_tandem_m_" + token, alternative = "=_tandem_a_" + token
            line(MIME.header("From", MIME.mailbox(from.name, from.address)))
            line(MIME.header("To", MIME.mailbox(to.name, to.address)))
            line(MIME.header("Subject", MIME.encodedText(subject)))
            line("Date: " + date)
            line("Message-ID: " + messageID)
            line("MIME-Version: 1.0")
            line("Auto-Submitted: auto-generated")
            for (name, value) in extraHeaders { line("\(name): \(value)") }
            if attachments.isEmpty {
                line("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
                line("")
            } else {
                line("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
                line("")
                line("--\(mixed)")
                line("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
                line("")
            }
            for (type, part) in [("text/plain", text), ("text/html", html)] {
                line("--\(alternative)")
                line("Content-Type: \(type); charset=utf-8")
                line("Content-Transfer-Encoding: quoted-printable")
                line("")
                MIME.quotedPrintable(part, into: &out)
                out += [13, 10]
            }
            line("--\(alternative)--")
            if !attachments.isEmpty {
                for a in attachments {
                    line("--\(mixed)")
                    line(MIME.header("Content-Type", "\(a.contentType); name=\"\(a.name)\""))
                    line("Content-Disposition: attachment; filename=\"\(a.name)\"")
                    line("Content-Transfer-Encoding: base64")
                    line("")
                    MIME.base64Lines(a.bytes, into: &out)
                    out += [13, 10]
                }
                line("--\(mixed)--")
            }
            return out
        }
    }

    /// `Name: value`, folded at spaces so that no line passes 78 characters where it can be helped.
    static func header(_ name: String, _ value: String) -> String {
        var out = "\(name):"
        var lineLength = out.count
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            // Fold before a word that would pass 78 characters (never right after the name).
            if lineLength + 1 + word.count > 78 && lineLength > name.count + 1 {
                out += "\r\n"
                lineLength = 0
            }
            out += " " + word
            lineLength += 1 + word.count
        }
        return out
    }

    /// `"Display Name" <address>` with the name as encoded words when it needs them.
    static func mailbox(_ name: String, _ address: String) -> String {
        let clean = name.filter { !$0.isNewline && $0 != "\t" }
        if clean.isEmpty { return "<\(address)>" }
        let plain = clean.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        let phrase = plain ? "\"\(clean)\"" : encodedWords(clean)
        return "\(phrase) <\(address)>"
    }

    /// Unstructured text (a subject): as is when it is printable ASCII, else encoded words.
    static func encodedText(_ text: String) -> String {
        let clean = text.map { $0.isNewline || $0 == "\t" ? " " : $0 }.reduce(into: "") { $0.append($1) }
        let plain = clean.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
            && !clean.contains("=?") && clean.split(separator: " ").allSatisfy { $0.count <= 70 }
        return plain ? clean : encodedWords(clean)
    }

    /// RFC 2047 `=?utf-8?b?…?=` words, each at most 75 characters, never splitting a character.
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for ch in text {
            let bytes = Array(String(ch).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?b?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?b?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }

    /// Quoted-printable (RFC 2045) with CRLF line ends and lines of at most 76 characters.
    /// Works on the UTF-8 bytes in one pass (LF, CRLF and a lone CR all end a line).
    static func quotedPrintable(_ text: String) -> String {
        var out: [UInt8] = []
        quotedPrintable(text, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func quotedPrintable(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { u in
            out.reserveCapacity(out.count + u.count + u.count / 8)
            func hex(_ n: UInt8) -> UInt8 { n < 10 ? 48 + n : 55 + n }
            var length = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                if b == 0x0A || b == 0x0D {
                    out.append(0x0D); out.append(0x0A)
                    length = 0
                    i += (b == 0x0D && i + 1 < u.count && u[i + 1] == 0x0A) ? 2 : 1
                    continue
                }
                let last = i + 1 == u.count || u[i + 1] == 0x0A || u[i + 1] == 0x0D
                let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !last)
                let width = literal ? 1 : 3
                if length + width > 75 {
                    out.append(UInt8(ascii: "=")); out.append(0x0D); out.append(0x0A)
                    length = 0
                }
                if literal {
                    out.append(b)
                } else {
                    out.append(UInt8(ascii: "=")); out.append(hex(b >> 4)); out.append(hex(b & 15))
                }
                length += width
                i += 1
            }
        }
    }

    /// Base64 in lines of 76 characters, joined by CRLF.
    static func base64Lines(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        base64Lines(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func base64Lines(_ bytes: [UInt8], into out: inout [UInt8]) {
        let text = Array(Data(bytes).base64EncodedString().utf8)
        var start = 0
        while start < text.count {
            if start > 0 { out += [13, 10] }
            let end = min(start + 76, text.count)
            out.append(contentsOf: text[start..<end])
            start = end
        }
    }

    /// RFC 5322 date of a UTC instant shown with `offset` seconds: `Tue, 24 Nov 2026 09:00:00 +0000`.
    static func date(_ instant: Int, offset: Int) -> String {
        let wall = instant + offset
        let day = Int((Double(wall) / 86_400).rounded(.down))
        let d = LocalDate(dayNumber: day)
        let s = wall - day * 86_400
        let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        // LocalDate.weekday: 0 = Monday (1970-01-01, day 0, was a Thursday).
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[d.weekday]), \(two(d.day)) \(months[d.month - 1]) \(d.year) \(two(s / 3600)):\(two((s % 3600) / 60)):\(two(s % 60)) "
            + ICalendar.offset(offset).prefix(5)
    }
}
