import Foundation

/// A CSV reader with positions (RFC 4180: quoted cells with doubled quotes, line breaks inside
/// quotes, CRLF or LF, an optional UTF-8 BOM). Written here rather than taken from SwiftCSV or
/// CSV.swift because neither reports where a cell starts, and every diagnostic about a bad
/// answer must point at its line and column. Shared by the check-in exports and the roster
/// sources (`RosterIntake`).
struct CSVTable {
    struct Cell {
        var text: String
        var line: Int
        var column: Int
    }

    struct ParseError: Error {
        var message: String
        var line: Int
        var column: Int
    }

    /// Rows of cells; rows with only empty cells (blank lines) are dropped.
    var rows: [[Cell]] = []
    var delimiter: Unicode.Scalar = ","

    /// Parses `text`. The delimiter is the comma, unless the first line has more semicolons
    /// or tabs than commas outside quotes (spreadsheets in many locales export those).
    /// Works on the UTF-8 bytes (every character that matters is ASCII); columns count
    /// Unicode scalars, as an editor shows them.
    /// The table of `text`, or nil with its first problem reported at its position in `file`.
    static func read(_ text: String, file: String, bag: DiagnosticBag) -> CSVTable? {
        do {
            return try CSVTable(text)
        } catch let e as CSVTable.ParseError {
            bag.error(e.message, at: SourceLocation(file: file, line: e.line, column: e.column))
        } catch {
            bag.error("cannot read the file as CSV", at: SourceLocation(file: file))
        }
        return nil
    }

    init(_ text: String) throws {
        var text = text
        var rows: [[Cell]] = []
        var row: [Cell] = []
        let delimiter = try text.withUTF8 { bytes in
            try CSVTable.scan(bytes, cell: { value, line, column in
                row.append(Cell(text: String(decoding: value, as: UTF8.self), line: line, column: column))
            }, rowEnd: { hasText in
                if hasText { rows.append(row) }
                row.removeAll(keepingCapacity: true)
            })
        }
        self.rows = rows
        self.delimiter = Unicode.Scalar(delimiter)
    }

    /// The parser itself, on the UTF-8 bytes: calls `cell` with each cell's bytes (unquoted)
    /// and where it starts, and `rowEnd` after each row, saying whether any of its cells had
    /// text (blank lines have none). Readers that keep only some columns (the roster sources)
    /// make strings of those alone. Returns the delimiter.
    static func scan(_ b: UnsafeBufferPointer<UInt8>, cell: (UnsafeBufferPointer<UInt8>, _ line: Int, _ column: Int) throws -> Void,
                     rowEnd: (_ hasText: Bool) throws -> Void) throws -> UInt8 {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let n = b.count
        var i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0
        let delimiter = guessDelimiter(b, from: i)
        var hasText = false
        var line = 1, column = 1
        /// Steps over one line break at `i` (CRLF, LF or CR).
        func lineBreak() {
            guard i < n, b[i] == lf || b[i] == cr else { return }
            if b[i] == cr, i + 1 < n, b[i + 1] == lf { i += 1 }
            i += 1
            line += 1
            column = 1
        }
        var value: [UInt8] = []
        while i < n {
            let startLine = line, startColumn = column
            if b[i] == quote {
                i += 1; column += 1
                value.removeAll(keepingCapacity: true)
                var closed = false
                while i < n {
                    let c = b[i]
                    if c == quote {
                        if i + 1 < n, b[i + 1] == quote {
                            value.append(quote); i += 2; column += 2
                            continue
                        }
                        i += 1; column += 1
                        closed = true
                        break
                    }
                    if c == lf || c == cr {
                        lineBreak()
                        value.append(lf)
                        continue
                    }
                    value.append(c); i += 1
                    if c & 0xC0 != 0x80 { column += 1 }
                }
                if !closed {
                    throw ParseError(message: "a quoted cell is never closed: add the missing '\"'", line: startLine, column: startColumn)
                }
                if i < n, b[i] != delimiter, b[i] != lf, b[i] != cr {
                    throw ParseError(message: "unexpected text after a quoted cell; write a quote inside quotes as \"\"", line: line, column: column)
                }
                if !value.isEmpty { hasText = true }
                try value.withUnsafeBufferPointer { try cell($0, startLine, startColumn) }
            } else {
                // An unquoted cell runs to the delimiter or the line end; a stray quote is kept as text.
                let start = i
                while i < n, b[i] != delimiter, b[i] != lf, b[i] != cr {
                    if b[i] & 0xC0 != 0x80 { column += 1 }
                    i += 1
                }
                if i > start { hasText = true }
                try cell(UnsafeBufferPointer(rebasing: b[start..<i]), startLine, startColumn)
            }
            if i < n, b[i] == delimiter {
                i += 1; column += 1
                if i == n {
                    try cell(UnsafeBufferPointer(rebasing: b[n..<n]), line, column)
                    try rowEnd(hasText)
                    hasText = false
                }
                continue
            }
            lineBreak()
            try rowEnd(hasText)
            hasText = false
        }
        return delimiter
    }

    static func guessDelimiter(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> UInt8 {
        var comma = 0, semicolon = 0, tab = 0
        var quoted = false
        var i = start
        while i < b.count {
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if quoted { continue }
            if c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r") { break }
            if c == UInt8(ascii: ",") { comma += 1 } else if c == UInt8(ascii: ";") { semicolon += 1 } else if c == UInt8(ascii: "\t") { tab += 1 }
        }
        if semicolon > comma && semicolon >= tab { return UInt8(ascii: ";") }
        if tab > comma { return UInt8(ascii: "\t") }
        return UInt8(ascii: ",")
    }
}
