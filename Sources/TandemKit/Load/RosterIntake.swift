import Dispatch
import Foundation

/// One entry of `roster:` in `Content/portal.yaml`: a file the admin already has (an HR
/// export, a sign-up form's answers) and which of its columns give which roster field.
struct RosterSource: Sendable {
    struct Column: Sendable {
        /// The header as written in portal.yaml (matched without regard to case or spaces).
        var header: String
        /// A roster field name (`email`, `skills`, …) or `roles.<program>`.
        var target: String
        var headerAt: SourceLocation
        var targetAt: SourceLocation
    }

    /// Relative to the portal root: `Content/people.csv`.
    var path: String
    var fileAt: SourceLocation
    var columns: [Column]
    var columnsAt: SourceLocation
    /// nil: every row is a new person (an HR export). `email` or `id`: every row adds to a
    /// person an earlier source listed (a form's answers); a later answer of the same person wins.
    var matchBy: String?
    var matchByAt: SourceLocation?
    var dateOrder: DateOrder?
    var location: SourceLocation

    func column(for target: String) -> Column? { columns.first { $0.target == target } }
}

/// The roster settings of `Content/portal.yaml`: the sources and the time zone of each office.
struct RosterSettings: Sendable {
    var sources: [RosterSource] = []
    /// Location name → IANA zone (`locations: { London: Europe/London }`).
    var zones: [String: String] = [:]
    var locationsAt: SourceLocation?
    /// `roster:` or `locations:` had errors (reported): the roster is not built from them.
    var broken = false

    var isEmpty: Bool { sources.isEmpty }

    static let sourceKeys = ["file", "columns", "match_by", "date_format"]
    /// Column targets: the roster's own field names, plus `roles.<program>`.
    static let targets = RosterLoader.keys.filter { $0 != "roles" }

    /// Reads `roster:` and `locations:` from the portal settings.
    static func parse(_ r: MappingReader, bag: DiagnosticBag) -> RosterSettings {
        var settings = RosterSettings()
        if let locations = r.mapping("locations", what: "'locations'") {
            settings.locationsAt = locations.location
            for name in locations.keys {
                guard let zone = locations.string(name, required: true) else { continue }
                ZoneName.check(zone, at: locations.location(of: name), bag: bag)
                settings.zones[name] = zone
            }
        }
        guard let node = r.node("roster"), !YAMLValue.isNull(node) else { return settings }
        guard let items = node.items else {
            bag.error("'roster' must be a list of files, found \(YAMLValue.describe(node))", at: r.source.location(node),
                      hint: "roster: [{ file: people.csv, columns: { \"Employee ID\": id, … } }]")
            return settings
        }
        var seenFiles: [String: SourceLocation] = [:]
        for item in items {
            guard let s = MappingReader(item, source: r.source, bag: bag, what: "a roster source") else { continue }
            defer { s.finish(allowed: sourceKeys) }
            guard let file = s.string("file", required: true) else { continue }
            let fileAt = s.location(of: "file")
            let lower = file.lowercased()
            guard !file.hasPrefix("/"), !file.split(separator: "/").contains(".."), !file.contains("\\") else {
                bag.error("a roster file is named relative to Content/ and stays inside it, found '\(file)'", at: fileAt)
                continue
            }
            guard lower.hasSuffix(".csv") || lower.hasSuffix(".xlsx") else {
                bag.error("roster files are CSV exports ('.csv') or Excel workbooks ('.xlsx'), found '\(file)'", at: fileAt,
                          hint: "export the sheet as CSV UTF-8 or as an Excel workbook")
                continue
            }
            let path = "Content/\(file)"
            if let first = seenFiles[path] {
                bag.error("'\(file)' is listed twice in 'roster'", at: fileAt, hint: "first listed at \(first)")
                continue
            }
            seenFiles[path] = fileAt
            var source = RosterSource(path: path, fileAt: fileAt, columns: [], columnsAt: s.location(of: "columns"),
                                      matchBy: nil, matchByAt: nil, dateOrder: nil, location: s.location)
            if let m = s.string("match_by") {
                if m == "email" || m == "id" {
                    source.matchBy = m
                    source.matchByAt = s.location(of: "match_by")
                } else {
                    bag.error("'match_by' must be 'email' or 'id', found '\(m)'", at: s.location(of: "match_by"),
                              hint: Suggest.hint(for: m, in: ["email", "id"]))
                }
            }
            if let f = s.string("date_format") {
                if let order = DateOrder(format: f) { source.dateOrder = order } else {
                    bag.error("'date_format' must name the year, month and day once each, found '\(f)'", at: s.location(of: "date_format"),
                              hint: "for example \(DateOrder.examples.joined(separator: ", "))")
                }
            }
            guard let columns = s.mapping("columns", what: "'columns'") else {
                bag.error("a roster source needs 'columns': which column gives which roster field", at: s.location,
                          hint: "columns: { \"Work Email\": email, \"Full Name\": name, … }")
                continue
            }
            var targetsSeen: [String: SourceLocation] = [:]
            for header in columns.keys {
                guard let target = columns.string(header, required: true) else { continue }
                let at = columns.location(of: header)
                if target.hasPrefix("roles.") {
                    guard RosterLoader.isValidID(String(target.dropFirst(6))) else {
                        bag.error("'\(target)' must be 'roles.' followed by a program's slug", at: at)
                        continue
                    }
                } else if !targets.contains(target) {
                    bag.error("unknown roster field '\(target)'", at: at,
                              hint: Suggest.hint(for: target, in: targets + ["roles.<program>"]) ?? "roster fields: \(targets.joined(separator: ", ")), roles.<program>")
                    continue
                }
                if let first = targetsSeen[target] {
                    bag.error("two columns give '\(target)'", at: at, hint: "the other one is at \(first)")
                    continue
                }
                targetsSeen[target] = at
                source.columns.append(.init(header: header, target: target, headerAt: columns.keyLocation(of: header), targetAt: at))
            }
            if let m = source.matchBy, source.column(for: m) == nil {
                bag.error("'match_by: \(m)' needs a column that gives '\(m)'", at: source.matchByAt ?? s.location)
            }
            if source.matchBy == nil, source.column(for: "id") == nil, source.column(for: "email") == nil {
                bag.error("this source lists people, so one column must give 'id' or 'email'", at: source.columnsAt,
                          hint: "or add 'match_by: email' if it only adds answers to people listed by an earlier source")
            }
            settings.sources.append(source)
        }
        if let first = settings.sources.first, first.matchBy != nil {
            bag.error("the first roster source must list people; it cannot use 'match_by'", at: first.matchByAt ?? first.location,
                      hint: "put the HR export first and the form answers after it")
        }
        return settings
    }
}

/// Builds the roster from the files of `roster:` in portal.yaml, merged in order, then the
/// hand-kept fields of `Content/roster.yaml` (optional) on top.
enum RosterIntake {
    /// A cell as read: its text and where it is.
    /// The file a cell is in (one object per file: a 100,000-row export holds millions of cells).
    final class CellFile: Sendable {
        let path: String
        /// For workbooks: the sheet's name, and positions are shown as `Sheet1!C14`.
        let sheet: String?
        init(path: String, sheet: String? = nil) { self.path = path; self.sheet = sheet }
    }

    /// A cell as read: its text and where it is.
    struct Cell {
        var text: String
        var line: Int32
        var column: Int32
        var file: CellFile
        /// An .xlsx number cell read as a date (days since 1970).
        var day: Int32?

        init(text: String, line: Int, column: Int, file: CellFile, date: LocalDate? = nil) {
            self.text = text
            self.line = Int32(clamping: line)
            self.column = Int32(clamping: column)
            self.file = file
            day = date.map { Int32(clamping: $0.dayNumber) }
        }

        var at: SourceLocation {
            SourceLocation(file: file.path, line: Int(line), column: Int(column),
                           sheetCell: file.sheet.map { "\($0)!\(XLSXTable.name(column: Int(column)))\(line)" })
        }

        var date: LocalDate? {
            get { day.map { LocalDate(dayNumber: Int($0)) } }
            set { day = newValue.map { Int32(clamping: $0.dayNumber) } }
        }
    }

    /// One person being assembled: each field's last non-empty cell, by target.
    final class Draft {
        var cells: [String: Cell] = [:]
        var dates: [String: DateOrder] = [:]
        /// Where the row of the source that listed them starts.
        var row: SourceLocation
        var id = ""
        init(row: SourceLocation) { self.row = row }
    }

    /// A source's table: the rows of the mapped columns, each as target → cell.
    struct Table {
        var rows: [(row: SourceLocation, cells: [String: Cell])]
    }

    /// The participants, in the order the sources list them; nil when a source could not be
    /// read at all (reported), so that nothing further is said about the people in it.
    static func load(_ files: ContentFiles, settings: RosterSettings, programs: [Program], bag: DiagnosticBag) -> [Participant]? {
        // 1. Read every source; a file that cannot be read or whose header does not match stops here.
        // The files are read side by side; their diagnostics are merged in source order.
        let sources = settings.sources
        let readBags = sources.map { _ in DiagnosticBag() }
        nonisolated(unsafe) var tables = [Table?](repeating: nil, count: sources.count)
        tables.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: sources.count) { k in
                out[k] = read(sources[k], files: files, programs: programs, bag: readBags[k])
            }
        }
        for b in readBags { bag.merge(b) }
        guard !tables.contains(where: { $0 == nil }) else { return nil }
        let listing = settings.sources.filter { $0.matchBy == nil }.map { $0.path }
        let listingNames = Explain.list(listing)

        // 2. Sources without match_by list people.
        var drafts: [Draft] = []
        var byEmail: [String: Draft] = [:]
        var byID: [String: Draft] = [:]
        for k in settings.sources.indices where settings.sources[k].matchBy == nil {
            let source = settings.sources[k], table = tables[k]!
            tables[k] = nil
            for (row, cells) in table.rows {
                let draft = Draft(row: row)
                for (target, cell) in cells where !cell.text.isEmpty { draft.cells[target] = cell }
                if let order = source.dateOrder { draft.dates["joined"] = order }
                if let cell = cells["email"], !cell.text.isEmpty {
                    let key = cell.text.lowercased()
                    if let first = byEmail[key] {
                        bag.error("'\(cell.text)' appears twice (first on line \(first.row.line)\(first.row.file == row.file ? "" : " of \(first.row.file)"))", at: cell.at)
                        continue
                    }
                    byEmail[key] = draft
                }
                if let cell = cells["id"] {
                    let id = cell.text.lowercased()
                    if id.isEmpty {
                        bag.error("the id is empty", at: cell.at, hint: "every person needs an id: it is part of their page address")
                        continue
                    }
                    guard RosterLoader.isValidID(id) else {
                        bag.error("'\(cell.text)' cannot be an id: ids may only use letters, digits and '-'", at: cell.at,
                                  hint: "ids appear in page addresses and lock files")
                        continue
                    }
                    if let first = byID[id] {
                        bag.error("duplicate participant id '\(id)' (first on line \(first.row.line)\(first.row.file == row.file ? "" : " of \(first.row.file)"))", at: cell.at)
                        continue
                    }
                    draft.id = id
                    byID[id] = draft
                }
                drafts.append(draft)
            }
        }
        // Ids derived from the e-mail address: the same address always gives the same id,
        // whatever else is added or reordered; two addresses that would share one are refused.
        for draft in drafts where draft.id.isEmpty {
            guard let email = draft.cells["email"] else {
                bag.error("this person has neither an id nor an e-mail address", at: draft.row)
                continue
            }
            guard let id = derivedID(email.text) else {
                bag.error("no id can be made from '\(email.text)'", at: email.at, hint: "give the source an id column, e.g. \"Employee ID\": id")
                continue
            }
            if let first = byID[id] {
                bag.error("'\(email.text)' would get the id '\(id)', which \(first.cells["email"].map { "'\($0.text)' on line \($0.at.line)" } ?? "another person") has already",
                          at: email.at, hint: "give the source an id column (e.g. \"Employee ID\": id) so that every person has their own")
                continue
            }
            draft.id = id
            byID[id] = draft
        }

        // 3. Sources with match_by add to the people listed; the last answer of a person wins.
        for k in settings.sources.indices where settings.sources[k].matchBy != nil {
            let source = settings.sources[k], table = tables[k]!
            tables[k] = nil
            let key = source.matchBy!
            var latest: [String: Int] = [:]
            for (k, (_, cells)) in table.rows.enumerated() {
                guard let cell = cells[key] else { continue }
                latest[cell.text.lowercased()] = k
            }
            for (k, (_, cells)) in table.rows.enumerated() {
                guard let cell = cells[key] else { continue }
                let value = cell.text.lowercased()
                if value.isEmpty {
                    bag.error("the '\(source.column(for: key)!.header)' answer is empty; this row matches nobody", at: cell.at)
                    continue
                }
                guard latest[value] == k else { continue }
                guard let draft = key == "email" ? byEmail[value] : byID[value] else {
                    bag.error("'\(cell.text)' is not in \(listingNames)", at: cell.at,
                              hint: "only people in \(listingNames) can take part; check the address, or add them there")
                    continue
                }
                for (target, c) in cells where target != key && !c.text.isEmpty { draft.cells[target] = c }
                if let order = source.dateOrder, cells["joined"] != nil { draft.dates["joined"] = order }
            }
        }

        // 4. Cells become participants; every bad cell is reported where it is.
        let programsBySlug = Dictionary(uniqueKeysWithValues: programs.map { ($0.slug, $0) })
        var names: [String: String] = [:]
        for p in programs { names[p.title.lowercased()] = p.slug }
        for p in programs { names[p.slug] = p.slug }
        let programByName = names
        let programNames = programs.map(\.title) + programs.map(\.slug)
        // In parallel, in chunks; the chunks' diagnostics are merged in order.
        let kept = drafts.filter { !$0.id.isEmpty }
        let chunks = kept.isEmpty ? 0 : min(kept.count, max(1, ProcessInfo.processInfo.activeProcessorCount * 4))
        let chunkBags = (0..<chunks).map { _ in DiagnosticBag() }
        nonisolated(unsafe) var built = [[Participant]](repeating: [], count: chunks)
        nonisolated(unsafe) let shared = kept
        built.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let range = (c * shared.count / chunks)..<((c + 1) * shared.count / chunks)
                out[c] = shared[range].map { participant($0, programBySlug: programsBySlug, programByName: programByName, programNames: programNames, bag: chunkBags[c]) }
            }
        }
        for b in chunkBags { bag.merge(b) }
        var people: [(Participant, Draft)] = Array(zip(built.joined(), kept))

        // 5. The hand-kept fields of roster.yaml win.
        var given: [String: Set<String>] = [:]
        if files.exists(RosterLoader.path), let text = files.text(RosterLoader.path, bag: bag) {
            let index = Dictionary(uniqueKeysWithValues: people.enumerated().map { ($1.0.id, $0) })
            for (entry, keys) in RosterLoader.parseOverlay(text, bag: bag) {
                guard let k = index[entry.id] else {
                    bag.error("'\(entry.id)' is not in \(listingNames)", at: entry.fieldLocations["id"],
                              hint: "Content/roster.yaml only adds hand-kept fields to the people of the roster sources")
                    continue
                }
                people[k].0.apply(entry, keys: keys)
                given[entry.id] = keys
            }
        }

        // 6. Time zones from the locations, then the fields every participant needs.
        var unknownLocations: [String: (at: SourceLocation, count: Int)] = [:]
        var emailToID: [String: String] = [:]
        for (p, _) in people where !p.email.isEmpty { emailToID[p.email.lowercased()] = p.id }
        for k in people.indices {
            let (p, draft) = people[k]
            let keys = given[p.id] ?? []
            if p.timezone.isEmpty, !p.location.isEmpty {
                if let zone = settings.zones[p.location] {
                    people[k].0.timezone = zone
                } else {
                    let at = draft.cells["location"]?.at ?? p.sourceLocation
                    unknownLocations[p.location, default: (at, 0)].count += 1
                }
            }
            // A missing time zone is the location's: reported once per location below.
            for field in ["name", "email", "department", "location"] where !keys.contains(field) {
                let missing: Bool
                switch field {
                case "name": missing = p.name.isEmpty
                case "email": missing = p.email.isEmpty
                case "department": missing = p.department.isEmpty
                default: missing = p.location.isEmpty
                }
                guard missing else { continue }
                if let column = settings.sources.lazy.compactMap({ s in s.column(for: field).map { (s, $0) } }).first {
                    bag.error("'\(p.id)' has no \(field): the '\(column.1.header)' cell of \(column.0.path) is empty", at: draft.row,
                              hint: "or give '\(field)' in this person's entry in Content/roster.yaml")
                } else {
                    bag.error("'\(p.id)' has no \(field): no column of the roster sources gives '\(field)'", at: draft.row,
                              hint: "map a column to '\(field)' in 'columns:' in Content/portal.yaml, or give it in Content/roster.yaml")
                }
            }
            // Managers and people to avoid may be named by e-mail address.
            if let manager = p.manager, manager.contains("@"), !keys.contains("manager") {
                if let id = emailToID[manager.lowercased()] { people[k].0.manager = id } else {
                    bag.error("no one on the roster has the e-mail address '\(manager)'", at: p.fieldLocations["manager"],
                              hint: "managers must be in \(listingNames) too")
                    people[k].0.manager = nil
                }
            }
            if !keys.contains("avoid"), p.avoid.contains(where: { $0.contains("@") }) {
                var ids: [String] = []
                for (i, other) in p.avoid.enumerated() {
                    guard other.contains("@") else { ids.append(other); continue }
                    if let id = emailToID[other.lowercased()] { ids.append(id) } else {
                        bag.error("no one on the roster has the e-mail address '\(other)'", at: p.listLocations["avoid"]?[i])
                        ids.append(other)
                    }
                }
                people[k].0.avoid = ids
            }
        }
        for (location, first) in unknownLocations.sorted(by: { $0.value.at < $1.value.at }) {
            bag.error("no time zone for the location '\(location)'\(first.count > 1 ? " (\(first.count) people)" : "")", at: first.at,
                      hint: "add it to 'locations:' in Content/portal.yaml, e.g. { \"\(location)\": Europe/London }, or map a time zone column"
                        + (Suggest.closest(to: location, in: settings.zones.keys).map { "; did you mean '\($0)'?" } ?? ""))
        }
        return people.map(\.0)
    }

    /// `Ana.Lima+mentoring@northwind.example` → `ana-lima-mentoring`; nil when nothing is left.
    static func derivedID(_ email: String) -> String? {
        let local = email.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)[0].lowercased()
        var id = ""
        for scalar in local.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) { id.unicodeScalars.append(scalar) }
            else if !id.isEmpty, !id.hasSuffix("-") { id += "-" }
        }
        while id.hasSuffix("-") { id.removeLast() }
        if id.count > 64 { id = String(id.prefix(64)); while id.hasSuffix("-") { id.removeLast() } }
        return RosterLoader.isValidID(id) ? id : nil
    }

    /// Reads one source, keeping only its mapped columns. Reports an unreadable file or a
    /// header without a mapped column, and returns nil then.
    static func read(_ source: RosterSource, files: ContentFiles, programs: [Program], bag: DiagnosticBag) -> Table? {
        let file = source.path
        guard files.exists(file) else {
            bag.error("no file '\(file)'", at: source.fileAt, hint: "roster files are named relative to Content/")
            return nil
        }
        guard let sheet = sheet(file, files: files, bag: bag) else { return nil }
        guard let header = sheet.rows.first else {
            bag.error("the file is empty; it needs a header row and a row per person", at: SourceLocation(file: file))
            return nil
        }
        let slugs = Set(programs.map(\.slug))
        var ok = true
        for column in source.columns where column.target.hasPrefix("roles.") {
            let slug = String(column.target.dropFirst(6))
            if !slugs.contains(slug) {
                bag.error("role given for unknown program '\(slug)'", at: column.targetAt, hint: Suggest.hint(for: slug, in: slugs.sorted()))
                ok = false
            }
        }
        let names = header.map { normalised($0.text) }
        var indices: [(target: String, index: Int)] = []
        for column in source.columns {
            if let k = names.firstIndex(of: normalised(column.header)) {
                indices.append((column.target, k))
                continue
            }
            ok = false
            let hint: String
            if let close = Suggest.closest(to: column.header, in: header.map(\.text)) {
                hint = "did you mean '\(close)'?"
            } else if header.count == 1 {
                hint = "the header row has one column ('\(header[0].text.prefix(60))'); is the file separated by ',', ';' or tabs?"
            } else {
                hint = "the header row has: \(header.prefix(12).map { "'\($0.text)'" }.joined(separator: ", "))\(header.count > 12 ? ", …" : "")"
            }
            bag.error("no column '\(column.header)' in \(file)", at: column.headerAt, hint: hint)
        }
        guard ok else { return nil }
        var rows: [(SourceLocation, [String: Cell])] = []
        rows.reserveCapacity(sheet.rows.count - 1)
        for (r, cells) in sheet.rows.enumerated().dropFirst() {
            var mapped: [String: Cell] = [:]
            mapped.reserveCapacity(indices.count)
            for (target, k) in indices {
                if k < cells.count {
                    var c = cells[k]
                    c.text = c.text.trimmedFast(newlines: true)
                    if target != "joined" { c.date = nil }
                    mapped[target] = c
                } else {
                    let (line, column) = sheet.missing(r, k)
                    mapped[target] = Cell(text: "", line: line, column: column, file: sheet.file)
                }
            }
            rows.append((sheet.rowStart(r), mapped))
        }
        return Table(rows: rows)
    }

    /// A source file's rows of cells, from CSV or from an .xlsx workbook's first sheet.
    struct Sheet {
        var rows: [[Cell]]
        var file: CellFile
        /// Where row `r` starts, and where its cell `k` would be when the row is short.
        var rowStart: (Int) -> SourceLocation
        var missing: (Int, Int) -> (line: Int, column: Int)
    }

    static func sheet(_ file: String, files: ContentFiles, bag: DiagnosticBag) -> Sheet? {
        if file.lowercased().hasSuffix(".xlsx") {
            guard let bytes = files.data(file, bag: bag) else { return nil }
            let book: XLSXTable
            do {
                book = try XLSXTable(data: Data(bytes))
            } catch let e as XLSXTable.ReadError {
                bag.error(e.message, at: SourceLocation(file: file), hint: e.hint)
                return nil
            } catch {
                bag.error("cannot read the workbook: \(error)", at: SourceLocation(file: file))
                return nil
            }
            let cellFile = CellFile(path: file, sheet: book.sheet)
            let rows = book.rows.map { row in
                row.map { c in Cell(text: c.text, line: c.row, column: c.column, file: cellFile, date: c.isNumber ? book.date(serial: c.text) : nil) }
            }
            return Sheet(rows: rows, file: cellFile, rowStart: { r in Cell(text: "", line: Int(rows[r][0].line), column: 1, file: cellFile).at },
                         missing: { r, k in (Int(rows[r][0].line), k + 1) })
        }
        guard let text = files.text(file, bag: bag) else { return nil }
        guard let table = CSVTable.read(text, file: file, bag: bag) else { return nil }
        let cellFile = CellFile(path: file)
        let rows = table.rows.map { row in row.map { c in Cell(text: c.text, line: c.line, column: c.column, file: cellFile) } }
        // The closures read the converted rows, so that the parsed table is freed.
        return Sheet(rows: rows, file: cellFile, rowStart: { r in SourceLocation(file: file, line: Int(rows[r][0].line), column: 1) },
                     missing: { r, _ in
                         let last = rows[r][rows[r].count - 1]
                         return (Int(last.line), Int(last.column) + last.text.unicodeScalars.count)
                     })
    }

    static func normalised(_ header: String) -> String {
        header.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The items of a list cell: Google Forms joins multi-select answers with ", ",
    /// Microsoft Forms with ";" (often with a trailing one).
    static func split(_ text: String) -> [String] {
        var items: [String] = []
        for var part in text.utf8.split(whereSeparator: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") || $0 == 0x0A }) {
            // ASCII spaces on the bytes (", " joins most answers); other spaces by trimmedFast.
            while let b = part.first, b == 0x20 || b == 0x09 { part = part.dropFirst() }
            while let b = part.last, b == 0x20 || b == 0x09 { part = part.dropLast() }
            let item = String(Substring(part)).trimmedFast(newlines: true)
            if !item.isEmpty { items.append(item) }
        }
        return items
    }

    /// One participant from a draft's cells.
    static func participant(_ d: Draft, programBySlug: [String: Program], programByName: [String: String], programNames: [String], bag: DiagnosticBag) -> Participant {
        func text(_ key: String) -> String? { d.cells[key]?.text }
        func list(_ key: String) -> [String] {
            guard let cell = d.cells[key] else { return [] }
            var out: [String] = []
            for item in split(cell.text) {
                let value = item.lowercased()
                if !out.contains(value) { out.append(value) }
            }
            return out
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let cell = d.cells[key] else { return nil }
            // HR systems often write levels as "L4" or "IC4".
            let digits = cell.text.drop { $0.isLetter || $0 == " " }
            guard let n = Int(digits), range.contains(n) else {
                bag.error("'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound), found '\(cell.text)'", at: cell.at)
                return nil
            }
            return n
        }
        var email = text("email") ?? ""
        if let cell = d.cells["email"], !RosterLoader.isPlausibleEmail(cell.text) {
            bag.error("'\(cell.text)' does not look like an e-mail address", at: cell.at)
            email = ""
        }
        var timezone = text("timezone") ?? ""
        if let cell = d.cells["timezone"], !ZoneName.isKnown(cell.text) {
            ZoneName.check(cell.text, at: cell.at, bag: bag)
            timezone = "UTC"
        }
        var link = text("link")
        if let cell = d.cells["link"], !RosterLoader.isSafeLink(cell.text) {
            bag.error("'link' must be an http:// or https:// address", at: cell.at)
            link = nil
        }
        var joined: LocalDate?
        if let cell = d.cells["joined"] {
            let order = d.dates["joined"]
            if let date = cell.date {
                joined = date
            } else if let order, let date = order.date(cell.text) {
                joined = date
            } else if order == nil, let date = LocalDate(cell.text) {
                joined = date
            } else {
                bag.error("'\(cell.text)' is not a date\(order.map { " written \($0)" } ?? " written YYYY-MM-DD")", at: cell.at,
                          hint: order == nil ? "give the source a 'date_format' (e.g. date_format: MM/DD/YYYY) if it writes dates another way" : nil)
            }
        }
        var programs: [String] = []
        var programLocations: [SourceLocation] = []
        if let cell = d.cells["programs"] {
            for item in split(cell.text) {
                guard let slug = programByName[item.lowercased()] else {
                    bag.error("unknown program '\(item)'", at: cell.at,
                              hint: Suggest.hint(for: item, in: programNames) ?? "programs are the files in Content/programs/, named by slug or title")
                    continue
                }
                if !programs.contains(slug) { programs.append(slug); programLocations.append(cell.at) }
            }
        }
        var roles: [String: MentoringRole] = [:]
        var roleLocations: [String: SourceLocation] = [:]
        for (key, cell) in d.cells where key.hasPrefix("roles.") {
            let slug = String(key.dropFirst(6))
            guard let role = MentoringRole(rawValue: cell.text.lowercased()) else {
                bag.error("role must be 'mentor' or 'mentee', found '\(cell.text)'", at: cell.at,
                          hint: Suggest.hint(for: cell.text.lowercased(), in: MentoringRole.allCases.map(\.rawValue)))
                // Reported here: not again as a missing role.
                roleLocations[slug] = cell.at
                continue
            }
            roles[slug] = role
            roleLocations[slug] = cell.at
        }
        var privateFields = Set<String>()
        if let cell = d.cells["private"] {
            for item in split(cell.text) {
                let field = item.lowercased()
                if RosterLoader.privatable.contains(field) { privateFields.insert(field) } else {
                    bag.error("'\(item)' cannot be marked private", at: cell.at,
                              hint: Suggest.hint(for: field, in: RosterLoader.privatable) ?? "private fields: \(RosterLoader.privatable.joined(separator: ", "))")
                }
            }
        }
        var avoid: [String] = []
        var avoidLocations: [SourceLocation] = []
        if let cell = d.cells["avoid"] {
            for item in split(cell.text) {
                avoid.append(item.contains("@") ? item : item.lowercased())
                avoidLocations.append(cell.at)
            }
        }
        var manager = text("manager")
        if let m = manager, !m.contains("@") { manager = m.lowercased() }
        var p = Participant(
            id: d.id, name: text("name") ?? "", email: email, pronouns: text("pronouns"), title: text("title") ?? "",
            department: text("department") ?? "", team: text("team"), manager: manager, location: text("location") ?? "",
            timezone: timezone, seniority: int("seniority", 0...20), joined: joined, programs: programs, roles: roles,
            capacity: int("capacity", 1...50) ?? 1, skills: list("skills"), goals: list("goals"), interests: list("interests"),
            groups: list("groups"), avoid: avoid, link: link, bio: text("bio"), privateFields: privateFields, sourceLocation: d.row)
        p.fieldLocations["id"] = d.cells["id"]?.at ?? d.cells["email"]?.at ?? d.row
        p.fieldLocations["manager"] = d.cells["manager"]?.at
        p.fieldLocations["capacity"] = d.cells["capacity"]?.at
        for (slug, at) in roleLocations { p.fieldLocations["roles.\(slug)"] = at }
        p.listLocations["programs"] = programLocations
        p.listLocations["avoid"] = avoidLocations
        return p
    }
}

extension Participant {
    /// Takes the fields `keys` of a roster.yaml entry (the hand-kept ones win).
    mutating func apply(_ o: Participant, keys: Set<String>) {
        for key in keys {
            switch key {
            case "name": name = o.name
            case "email": email = o.email
            case "pronouns": pronouns = o.pronouns
            case "title": title = o.title
            case "department": department = o.department
            case "team": team = o.team
            case "manager": manager = o.manager; fieldLocations["manager"] = o.fieldLocations["manager"]
            case "location": location = o.location
            case "timezone": timezone = o.timezone
            case "seniority": seniority = o.seniority
            case "joined": joined = o.joined
            case "programs": programs = o.programs; listLocations["programs"] = o.listLocations["programs"]
            case "roles":
                roles = o.roles
                for k in fieldLocations.keys where k.hasPrefix("roles.") { fieldLocations[k] = nil }
                for (k, v) in o.fieldLocations where k.hasPrefix("roles.") { fieldLocations[k] = v }
            case "capacity": capacity = o.capacity; fieldLocations["capacity"] = o.fieldLocations["capacity"]
            case "skills": skills = o.skills
            case "goals": goals = o.goals
            case "interests": interests = o.interests
            case "groups": groups = o.groups
            case "avoid": avoid = o.avoid; listLocations["avoid"] = o.listLocations["avoid"]
            case "link": link = o.link
            case "bio": bio = o.bio
            case "private": privateFields = o.privateFields
            case "working_hours":
                var w = week ?? WeekOverride()
                w.start = o.week?.start; w.end = o.week?.end
                week = w
            case "working_days":
                var w = week ?? WeekOverride()
                w.days = o.week?.days
                week = w
            case "away": away = o.away
            case "pause": pause = o.pause; fieldLocations["pause"] = o.fieldLocations["pause"]
            case "skip_rounds":
                skipRounds = o.skipRounds
                for (k, v) in o.fieldLocations where k.hasPrefix("skip_rounds.") { fieldLocations[k] = v }
            case "prefer": prefer = o.prefer; listLocations["prefer"] = o.listLocations["prefer"]
            default: break
            }
        }
    }
}
