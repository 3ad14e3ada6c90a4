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
    init(_ text: String) throws {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        delimiter = CSVTable.guessDelimiter(scalars)
        var line = 1, column = 1
        var i = 0
        var row: [Cell] = []
        let n = scalars.count
        func endRow() {
            if row.contains(where: { !$0.text.isEmpty }) { rows.append(row) }
            row = []
        }
        /// Steps over one line break at `i` (CRLF, LF or CR); returns false if none is there.
        func lineBreak() -> Bool {
            guard i < n, scalars[i] == "\n" || scalars[i] == "\r" else { return false }
            if scalars[i] == "\r", i + 1 < n, scalars[i + 1] == "\n" { i += 1 }
            i += 1
            line += 1
            column = 1
            return true
        }
        while i < n {
            let startLine = line, startColumn = column
            var value = String.UnicodeScalarView()
            if i < n, scalars[i] == "\"" {
                i += 1; column += 1
                var closed = false
                while i < n {
                    let c = scalars[i]
                    if c == "\"" {
                        if i + 1 < n, scalars[i + 1] == "\"" {
                            value.append("\""); i += 2; column += 2
                            continue
                        }
                        i += 1; column += 1
                        closed = true
                        break
                    }
                    if c == "\n" || c == "\r" {
                        _ = lineBreak()
                        value.append("\n")
                        continue
                    }
                    value.append(c); i += 1; column += 1
                }
                if !closed {
                    throw ParseError(message: "a quoted cell is never closed: add the missing '\"'", line: startLine, column: startColumn)
                }
                if i < n, scalars[i] != delimiter, scalars[i] != "\n", scalars[i] != "\r" {
                    throw ParseError(message: "unexpected text after a quoted cell; write a quote inside quotes as \"\"", line: line, column: column)
                }
            } else {
                // An unquoted cell runs to the delimiter or the line end; a stray quote is kept as text.
                while i < n, scalars[i] != delimiter, scalars[i] != "\n", scalars[i] != "\r" {
                    value.append(scalars[i]); i += 1; column += 1
                }
            }
            row.append(Cell(text: String(value), line: startLine, column: startColumn))
            if i < n, scalars[i] == delimiter {
                i += 1; column += 1
                if i == n {
                    row.append(Cell(text: "", line: line, column: column))
                    endRow()
                }
                continue
            }
            _ = lineBreak()
            endRow()
        }
    }

    static func guessDelimiter(_ scalars: [Unicode.Scalar]) -> Unicode.Scalar {
        var counts: [Unicode.Scalar: Int] = [",": 0, ";": 0, "\t": 0]
        var quoted = false
        for c in scalars {
            if c == "\"" { quoted.toggle(); continue }
            if !quoted && (c == "\n" || c == "\r") { break }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
        }
        let comma = counts[","]!
        if counts[";"]! > comma && counts[";"]! >= counts["\t"]! { return ";" }
        if counts["\t"]! > comma { return "\t" }
        return ","
    }
}
