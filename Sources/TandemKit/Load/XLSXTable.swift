import Foundation
import SWXMLHash
import ZIPFoundation

/// The first sheet of an `.xlsx` workbook (the default export of Microsoft Forms and Excel),
/// read with ZIPFoundation and SWXMLHash: shared strings, inline strings, numbers (kept as
/// written, so that a date column's serial numbers can be read as dates), every cell with its
/// A1 reference for diagnostics such as `people.xlsx:Sheet1!C14`.
struct XLSXTable {
    struct Cell {
        var text: String
        /// 1-based row and column.
        var row: Int
        var column: Int
        /// A number cell (`t="n"` or no type): dates are day counts in the workbook's date system.
        var isNumber = false
    }

    struct ReadError: Error {
        var message: String
        var hint: String?
    }

    /// The first sheet's name ("Sheet1", "Form1").
    var sheet = ""
    /// Rows in order, each filled so that a cell's index is its column - 1; empty rows dropped.
    var rows: [[Cell]] = []
    /// Whether the workbook counts days from 1904 (old Mac Excel) rather than 1900.
    var date1904 = false

    /// Refuses any part bigger than this once unpacked (a "zip bomb" stops here).
    static let maximumPartSize = 256_000_000

    init(data: Data) throws {
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw ReadError(message: "cannot read the file as an .xlsx workbook (it is not a ZIP archive)",
                            hint: "save it from Excel as 'Excel Workbook (.xlsx)', or as 'CSV UTF-8'")
        }
        func part(_ path: String, required: Bool = true) throws -> XMLHashXMLElement? {
            guard let entry = archive[path] else {
                if required { throw ReadError(message: "the workbook has no '\(path)'; is it an .xlsx file?", hint: nil) }
                return nil
            }
            guard entry.uncompressedSize <= UInt64(XLSXTable.maximumPartSize) else {
                throw ReadError(message: "'\(path)' in the workbook is too large (\(entry.uncompressedSize / 1_000_000) MB unpacked)", hint: nil)
            }
            var bytes = Data()
            do {
                _ = try archive.extract(entry) { chunk in
                    bytes.append(chunk)
                    if bytes.count > XLSXTable.maximumPartSize { throw ReadError(message: "'\(path)' in the workbook is too large", hint: nil) }
                }
            } catch let e as ReadError {
                throw e
            } catch {
                throw ReadError(message: "cannot unpack '\(path)' from the workbook: \(error)", hint: nil)
            }
            let indexer = XMLHash.config { $0.detectParsingErrors = true }.parse(bytes)
            if case let .parsingError(e) = indexer {
                throw ReadError(message: "'\(path)' in the workbook is not well-formed XML (line \(e.line), column \(e.column))", hint: nil)
            }
            guard let root = indexer.children.first?.element else {
                throw ReadError(message: "'\(path)' in the workbook is empty", hint: nil)
            }
            return root
        }

        // The first sheet: its name in workbook.xml, its part through the relationships.
        let workbook = try part("xl/workbook.xml")!
        date1904 = XLSXTable.children(workbook, "workbookPr").first.flatMap { XLSXTable.attribute($0, "date1904") }.map { $0 == "1" || $0 == "true" } ?? false
        guard let first = XLSXTable.children(workbook, "sheets").first.flatMap({ XLSXTable.children($0, "sheet").first }) else {
            throw ReadError(message: "the workbook has no sheet", hint: nil)
        }
        sheet = XLSXTable.attribute(first, "name") ?? "Sheet1"
        var target = "worksheets/sheet1.xml"
        if let id = first.allAttributes.first(where: { $0.key == "r:id" || $0.key.hasSuffix(":id") })?.value.text,
           let rels = try part("xl/_rels/workbook.xml.rels", required: false),
           let rel = XLSXTable.children(rels, "Relationship").first(where: { XLSXTable.attribute($0, "Id") == id }),
           let t = XLSXTable.attribute(rel, "Target") {
            target = t
        }
        let sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target

        var shared: [String] = []
        if let sst = try part("xl/sharedStrings.xml", required: false) {
            for si in XLSXTable.children(sst, "si") {
                // Plain text, or rich-text runs; phonetic hints (rPh) are not part of the text.
                let plain = XLSXTable.children(si, "t").map(\.text).joined()
                let runs = XLSXTable.children(si, "r").flatMap { XLSXTable.children($0, "t") }.map(\.text).joined()
                shared.append(plain + runs)
            }
        }

        let worksheet = try part(sheetPath)!
        guard let data = XLSXTable.children(worksheet, "sheetData").first else { return }
        var nextRow = 1
        for rowElement in XLSXTable.children(data, "row") {
            let r = XLSXTable.attribute(rowElement, "r").flatMap(Int.init) ?? nextRow
            nextRow = r + 1
            var cells: [Cell] = []
            var nextColumn = 1
            for c in XLSXTable.children(rowElement, "c") {
                var column = nextColumn
                if let ref = XLSXTable.attribute(c, "r"), let parsed = XLSXTable.reference(ref) { column = parsed.column }
                nextColumn = column + 1
                guard column <= 16_384 else { throw ReadError(message: "a cell beyond column XFD in row \(r)", hint: nil) }
                let value = XLSXTable.children(c, "v").first?.text ?? ""
                var cell = Cell(text: "", row: r, column: column)
                switch XLSXTable.attribute(c, "t") ?? "n" {
                case "s":
                    guard let k = Int(value), shared.indices.contains(k) else {
                        throw ReadError(message: "cell \(XLSXTable.name(column: column))\(r) names shared string \(value), which the workbook does not have", hint: nil)
                    }
                    cell.text = shared[k]
                case "inlineStr":
                    let inline = XLSXTable.children(c, "is").first
                    cell.text = (inline.map { XLSXTable.children($0, "t").map(\.text).joined() } ?? "")
                        + (inline.map { XLSXTable.children($0, "r").flatMap { XLSXTable.children($0, "t") }.map(\.text).joined() } ?? "")
                case "b":
                    cell.text = value == "1" ? "TRUE" : "FALSE"
                case "n":
                    cell.text = value
                    cell.isNumber = !value.isEmpty
                default: // str (a formula's text), e (an error such as #N/A), d (an ISO date)
                    cell.text = value
                }
                while cells.count < column - 1 { cells.append(Cell(text: "", row: r, column: cells.count + 1)) }
                if cells.count >= column { cells[column - 1] = cell } else { cells.append(cell) }
            }
            if cells.contains(where: { !$0.text.isEmpty }) { rows.append(cells) }
        }
    }

    /// The date of a serial day number in this workbook's date system (the time of day is dropped).
    func date(serial text: String) -> LocalDate? {
        guard let value = Double(text), value >= 1, value < 3_000_000 else { return nil }
        // 1900 system: day 25569 is 1970-01-01 (Excel's phantom 29 February 1900 lies before
        // any date a roster holds); 1904 system: day 24107 is.
        return LocalDate(dayNumber: Int(value.rounded(.down)) - (date1904 ? 24_107 : 25_569))
    }

    /// A serial day number with its fraction (a form's `Completion time`) as `YYYY-MM-DD HH:MM:SS`.
    func timestamp(serial text: String) -> String? {
        guard let value = Double(text), let date = date(serial: text) else { return nil }
        let seconds = min(86_399, Int(((value - value.rounded(.down)) * 86_400).rounded()))
        let two = { (n: Int) in n < 10 ? "0\(n)" : "\(n)" }
        return "\(date) \(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// "C14" → (row 14, column 3).
    static func reference(_ ref: String) -> (row: Int, column: Int)? {
        var column = 0
        var digits = Substring(ref)
        for c in ref.unicodeScalars {
            guard ("A"..."Z").contains(c) else { break }
            column = column * 26 + Int(c.value - 64)
            digits = digits.dropFirst()
            if column > 16_384 { return nil }
        }
        guard column > 0, let row = Int(digits), row > 0 else { return nil }
        return (row, column)
    }

    /// 3 → "C", 28 → "AB".
    static func name(column: Int) -> String {
        var n = column
        var out = ""
        while n > 0 {
            let k = (n - 1) % 26
            out = String(UnicodeScalar(UInt8(65 + k))) + out
            n = (n - 1) / 26
        }
        return out
    }

    private static func local(_ name: String) -> Substring {
        name.split(separator: ":").last ?? Substring(name)
    }

    static func children(_ e: XMLHashXMLElement, _ name: String) -> [XMLHashXMLElement] {
        e.children.compactMap { $0 as? XMLHashXMLElement }.filter { local($0.name) == name }
    }

    static func attribute(_ e: XMLHashXMLElement, _ name: String) -> String? {
        e.attribute(by: name)?.text
    }
}
