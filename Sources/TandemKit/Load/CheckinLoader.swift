import Foundation

/// The header names of a program's check-in export, set in the program file:
/// `checkins: { date: "Timestamp", participant: "Employee ID", met: "Did you meet?", rating: "Rating", comment: "Comments" }`.
/// Headers match without regard to case or surrounding spaces.
public struct CheckinColumns: Sendable, Equatable {
    public var date = "date"
    public var participant = "participant"
    public var met = "met"
    public var rating = "rating"
    public var comment = "comment"
    /// `date_format`: how the export writes dates when the form alone is ambiguous (`1/2/2027`).
    var dateOrder: DateOrder?

    public init() {}

    static let keys = ["date", "participant", "met", "rating", "comment", "date_format"]
}

/// One answer to a check-in survey.
public struct Checkin: Sendable {
    public var date: LocalDate
    /// A participant id (the export may give the id or the email address).
    public var participant: String
    public var met: Bool
    /// 1–5, when given.
    public var rating: Int?
    /// Shown in the admin report only, never on a participant page.
    public var comment: String?
    /// Where the row starts in the file.
    public var location: SourceLocation
}

/// A program's imported check-ins.
public struct CheckinImport: Sendable {
    public var file: String
    /// In file order.
    public var rows: [Checkin]
}

/// Reads `Content/checkins/<program>.csv` or `.xlsx`: the export of any survey tool, one
/// answer per row.
enum CheckinLoader {
    static let folder = "Content/checkins"

    /// A check-in export's rows: a CSV file's, or an .xlsx workbook's first sheet's (Microsoft
    /// Forms exports a workbook), where cells are shown as `Sheet1!C14`.
    struct Sheet {
        var file: String
        var rows: [[CSVTable.Cell]]
        /// The workbook, for its sheet's name and its dates; nil for CSV.
        var book: XLSXTable?
        /// Which cells of `rows` are numbers in the workbook (dates are serial day numbers there).
        var numbers: [[Bool]] = []

        init(csv: CSVTable, file: String) {
            self.file = file
            rows = csv.rows
        }

        init(book: XLSXTable, file: String) {
            self.file = file
            self.book = book
            rows = book.rows.map { $0.map { CSVTable.Cell(text: $0.text, line: $0.row, column: $0.column) } }
            numbers = book.rows.map { $0.map(\.isNumber) }
        }

        func at(_ line: Int, _ column: Int) -> SourceLocation {
            SourceLocation(file: file, line: line, column: column,
                           sheetCell: book.map { "\($0.sheet)!\(XLSXTable.name(column: column))\(line)" })
        }

        func at(_ cell: CSVTable.Cell) -> SourceLocation { at(cell.line, cell.column) }

        /// Where cell `k` of a row that is too short would be.
        func missing(_ cells: [CSVTable.Cell], _ k: Int) -> SourceLocation {
            let last = cells[cells.count - 1]
            return book == nil ? at(last.line, last.column + last.text.unicodeScalars.count) : at(last.line, k + 1)
        }

        /// A workbook's date column: serial numbers become `YYYY-MM-DD HH:MM:SS`, which reads one way only.
        mutating func readDates(column k: Int) {
            guard let book else { return }
            for r in rows.indices where k < rows[r].count && numbers[r][k] {
                if let text = book.timestamp(serial: rows[r][k].text) { rows[r][k].text = text }
            }
        }
    }

    /// `rosterUnreadable`: the roster had errors (reported), so answers naming people not on
    /// it are left out without a word each: the root cause is not buried under them.
    static func load(_ portal: Portal, rosterUnreadable: Bool = false, bag: DiagnosticBag) -> [String: CheckinImport] {
        let files = ContentFiles(root: portal.root)
        let base = portal.root.appendingPathComponent(folder)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return [:] }
        let programs = Dictionary(uniqueKeysWithValues: portal.programs.map { ($0.slug, $0) })
        var result: [String: CheckinImport] = [:]
        var seen: [String: String] = [:]
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = "\(folder)/\(name)"
            let lower = name.lowercased()
            guard lower.hasSuffix(".csv") || lower.hasSuffix(".xlsx") else {
                bag.warning("ignored: check-in files are named <program>.csv or <program>.xlsx", at: SourceLocation(file: path))
                continue
            }
            let slug = String(name.dropLast(lower.hasSuffix(".csv") ? 4 : 5))
            guard let program = programs[slug] else {
                bag.warning("check-ins for an unknown program '\(slug)' are ignored", at: SourceLocation(file: path),
                            hint: bag.hint(for: slug, in: programs.keys.sorted()))
                continue
            }
            // Two exports of one program: neither is read, as neither can be the one meant.
            if let first = seen[slug] {
                bag.error("two check-in files for '\(slug)'", at: SourceLocation(file: path), hint: "keep one of \(first) and \(path)")
                continue
            }
            seen[slug] = path
            if names.contains(where: { $0 != name && ($0 == "\(slug).csv" || $0 == "\(slug).xlsx") }) { continue }
            let sheet: Sheet
            if lower.hasSuffix(".xlsx") {
                guard let bytes = files.data(path, bag: bag) else { continue }
                do {
                    sheet = Sheet(book: try XLSXTable(data: Data(bytes)), file: path)
                } catch let e as XLSXTable.ReadError {
                    bag.error(e.message, at: SourceLocation(file: path), hint: e.hint)
                    continue
                } catch {
                    bag.error("cannot read the workbook: \(error)", at: SourceLocation(file: path))
                    continue
                }
            } else {
                guard let text = files.text(path, bag: bag), let table = CSVTable.read(text, file: path, bag: bag) else { continue }
                sheet = Sheet(csv: table, file: path)
            }
            if let rows = read(sheet, program: program, portal: portal, rosterUnreadable: rosterUnreadable, bag: bag) {
                result[slug] = CheckinImport(file: path, rows: rows)
            }
        }
        return result
    }

    /// The rows of one file, or nil when it has errors (all of them reported).
    static func read(_ text: String, file: String, program: Program, portal: Portal, rosterUnreadable: Bool = false, bag: DiagnosticBag) -> [Checkin]? {
        guard let table = CSVTable.read(text, file: file, bag: bag) else { return nil }
        return read(Sheet(csv: table, file: file), program: program, portal: portal, rosterUnreadable: rosterUnreadable, bag: bag)
    }

    static func read(_ sheet: Sheet, program: Program, portal: Portal, rosterUnreadable: Bool = false, bag: DiagnosticBag) -> [Checkin]? {
        var table = sheet
        let file = sheet.file
        guard let header = table.rows.first else {
            bag.warning("the check-in file is empty", at: SourceLocation(file: file))
            return []
        }
        let errorsBefore = bag.errorCount
        let names = header.map { $0.text.trimmingCharacters(in: .whitespaces).lowercased() }
        let columns = program.checkinColumns
        let configured = program.fieldLocations["checkins"]
        // A header of one cell that lacks two required columns: a separator Tandem does not
        // detect. One error says so, not one per column.
        let required = [columns.date, columns.participant, columns.met]
        let absent = required.filter { !names.contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }
        if header.count == 1, absent.count >= 2 {
            bag.error("the header row has one column ('\(header[0].text.prefix(60))'), so no '\(absent.joined(separator: "', '"))' column",
                      at: table.at(header[0]), hint: "is the file separated by ',', ';' or tabs? Those are detected from the header line; export with one of them")
            return nil
        }
        func column(_ name: String, required: Bool) -> Int? {
            if let k = names.firstIndex(of: name.trimmingCharacters(in: .whitespaces).lowercased()) { return k }
            if required {
                let shown = header.map { "'\($0.text)'" }.joined(separator: ", ")
                bag.error("no '\(name)' column in the header (found \(shown))", at: table.at(header[0]),
                          hint: bag.hint(for: name, in: header.map(\.text))
                            ?? "name the columns in the program file: checkins: { date: …, participant: …, met: …, rating: …, comment: … }"
                            + (configured.map { " (at \($0))" } ?? ""))
            }
            return nil
        }
        let dateColumn = column(columns.date, required: true)
        let personColumn = column(columns.participant, required: true)
        let metColumn = column(columns.met, required: true)
        let ratingColumn = column(columns.rating, required: false)
        let commentColumn = column(columns.comment, required: false)
        guard let dateColumn, let personColumn, let metColumn else { return nil }
        table.readDates(column: dateColumn)

        // Forms write dates in their owner's locale: day and month are told apart by the
        // program's date_format, else by the rows that are not ambiguous (13/1/2027).
        var order = columns.dateOrder
        if order == nil {
            var inferred: (order: DateOrder, text: String, line: Int)?
            for cells in table.rows.dropFirst() where dateColumn < cells.count {
                let text = cells[dateColumn].text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard case let .clear(_, found?) = DateOrder.read(text) else { continue }
                if let first = inferred, first.order != found {
                    bag.error("'\(text)' is written \(found), but '\(first.text)' on line \(first.line) is written \(first.order)",
                              at: table.at(cells[dateColumn]),
                              hint: "say how the export writes dates: add date_format: \(first.order) to 'checkins:' in \(program.sourceFile)")
                    return nil
                }
                if inferred == nil { inferred = (found, text, cells[dateColumn].line) }
            }
            order = inferred?.order
        }
        let enrolled = Set(portal.participants.filter { $0.programs.contains(program.slug) }.map(\.id))
        let byEmail = Dictionary(portal.participants.map { ($0.email.lowercased(), $0.id) }, uniquingKeysWith: { a, _ in a })
        var rows: [Checkin] = []
        for cells in table.rows.dropFirst() {
            let rowStart = table.at(cells[0])
            func cell(_ k: Int, _ what: String) -> (String, SourceLocation)? {
                guard k < cells.count else {
                    bag.error("this row has \(cells.count) cell\(cells.count == 1 ? "" : "s") but the header has \(header.count); '\(what)' is missing",
                              at: table.missing(cells, k))
                    return nil
                }
                return (cells[k].text.trimmingCharacters(in: .whitespacesAndNewlines), table.at(cells[k]))
            }
            guard let (dateText, dateAt) = cell(dateColumn, columns.date),
                  let (who, whoAt) = cell(personColumn, columns.participant),
                  let (metText, metAt) = cell(metColumn, columns.met) else { continue }
            var ok = true
            var date: LocalDate?
            switch parseDate(dateText, order: order) {
            case let .clear(d, _):
                date = d
            case .ambiguous:
                bag.error("'\(dateText)' could be read day first or month first", at: dateAt,
                          hint: "say how the export writes dates: add date_format: DD/MM/YYYY (or MM/DD/YYYY) to 'checkins:' in \(program.sourceFile)")
                ok = false
            case .invalid:
                bag.error(dateText.isEmpty ? "the date is empty" : "'\(dateText)' is not a date", at: dateAt,
                          hint: "dates may be YYYY-MM-DD or as Google Forms and Microsoft Forms write them (11/1/2026 9:14:33); a time after the date is ignored")
                ok = false
            }
            var id = who
            if who.isEmpty {
                bag.error("the participant is empty", at: whoAt)
                ok = false
            } else if portal.participant(who) == nil {
                if let viaEmail = byEmail[who.lowercased()] {
                    id = viaEmail
                } else if rosterUnreadable {
                    continue
                } else {
                    bag.error("unknown participant '\(who)'", at: whoAt,
                              hint: bag.hint(for: who, in: portal.participants.map(\.id)) ?? "use the participant's id or email from the roster")
                    ok = false
                }
            }
            if ok, !enrolled.contains(id) {
                bag.warning("'\(id)' is not enrolled in '\(program.slug)'; this answer is not counted", at: whoAt)
                continue
            }
            let met = parseYesNo(metText)
            if met == nil {
                bag.error(metText.isEmpty ? "the '\(columns.met)' answer is empty" : "'\(metText)' is not a yes or no answer", at: metAt,
                          hint: "answers may be yes/no, y/n, true/false or 1/0")
                ok = false
            }
            var rating: Int?
            if let ratingColumn, ratingColumn < cells.count {
                let (text, at) = (cells[ratingColumn].text.trimmingCharacters(in: .whitespaces),
                                  table.at(cells[ratingColumn]))
                if !text.isEmpty {
                    if let r = Int(text), (1...5).contains(r) { rating = r } else {
                        bag.error("the rating must be a whole number from 1 to 5, found '\(text)'", at: at)
                        ok = false
                    }
                }
            }
            var comment: String?
            if let commentColumn, commentColumn < cells.count {
                let text = cells[commentColumn].text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { comment = text }
            }
            if ok, let date, let met {
                rows.append(Checkin(date: date, participant: id, met: met, rating: rating, comment: comment, location: rowStart))
            }
        }
        return bag.errorCount == errorsBefore ? rows : nil
    }

    /// `2027-01-25`, `2027-01-25 13:04:00`, `2027-01-25T13:04:00Z`, `2027/01/25 9:14:33 AM GMT`
    /// (year first is always clear), and `11/1/2026 9:14:33`, `1.11.2026 09:14`, `11/1/26`
    /// read in `order` (the program's date_format or what the file's other rows show), else
    /// only when day and month cannot be mixed up. A time after the date is ignored.
    static func parseDate(_ text: String, order: DateOrder? = nil) -> DateOrder.Reading {
        guard let groups = DateOrder.numbers(text) else { return .invalid }
        if groups[0].digits == 4 { return DateOrder.iso.date(groups).map { .clear($0, nil) } ?? .invalid }
        if let order { return order.date(groups).map { .clear($0, order) } ?? .invalid }
        return DateOrder.read(groups)
    }

    static func parseYesNo(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "y", "true", "1", "met": return true
        case "no", "n", "false", "0", "not met": return false
        default: return nil
        }
    }
}
