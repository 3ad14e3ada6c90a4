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
    /// Fields kept by hand in roster.yaml: no export has them as one cell Tandem could read.
    static let handKept = ["working_hours", "working_days", "away", "pause", "skip_rounds", "prefer"]
    /// Column targets: the roster's own field names (but the hand-kept ones), plus `roles.<program>`.
    static let targets = RosterLoader.keys.filter { $0 != "roles" && !handKept.contains($0) }

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
                } else if handKept.contains(target) {
                    // Accepting them and dropping the cells would lose the admin's data unseen.
                    bag.error("'\(target)' cannot come from a column; give it in Content/roster.yaml", at: at,
                              hint: "\(handKept.joined(separator: ", ")) are kept by hand in roster.yaml, which is merged over the sources")
                    continue
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
///
/// A 100,000-row HR export and a 100,000-row form export hold millions of cells, so the
/// tables keep only the mapped columns, flat, row by row; a cell holds no reference to its
/// file; and the merge moves no text: each person has one slot per roster field, holding
/// which cell of which source last gave it.
enum RosterIntake {
    /// The file a cell is in. For workbooks, the sheet too: positions are shown as `Sheet1!C14`.
    final class CellFile: Sendable {
        let path: String
        let sheet: String?
        init(path: String, sheet: String? = nil) { self.path = path; self.sheet = sheet }
    }

    /// A cell as read: its text (trimmed) and where it starts in its file.
    struct Cell {
        var text: String
        var line: Int32
        var column: Int32
        /// An .xlsx number cell of a `joined` column: its day (days since 1970), else `noDay`.
        var day: Int32

        static let noDay = Int32.min

        init(text: String, line: Int, column: Int, date: LocalDate? = nil) {
            self.text = text
            self.line = Int32(clamping: line)
            self.column = Int32(clamping: column)
            day = date.map { Int32(clamping: $0.dayNumber) } ?? Cell.noDay
        }

        var date: LocalDate? { day == Cell.noDay ? nil : LocalDate(dayNumber: Int(day)) }

        func at(_ file: CellFile) -> SourceLocation {
            SourceLocation(file: file.path, line: Int(line), column: Int(column),
                           sheetCell: file.sheet.map { "\($0)!\(XLSXTable.name(column: Int(column)))\(line)" })
        }
    }

    /// A source's table: the mapped columns only, in the order of its `columns:` (then, for a
    /// form export, its timestamp column), row by row.
    struct Table {
        var file: CellFile
        var width: Int
        /// `rowCount × width` cells; a cell a short row lacks is empty, placed where the row ends.
        var cells: [Cell]
        /// The line (the sheet's row) each row starts on.
        var rowLines: [Int32]
        /// The column of the answers' timestamps (`Timestamp`, `Completion time`), if kept.
        var timestampColumn: Int?

        var rowCount: Int { rowLines.count }
        subscript(row: Int, column: Int) -> Cell { cells[row * width + column] }
        func rowStart(_ row: Int) -> SourceLocation { Cell(text: "", line: Int(rowLines[row]), column: 1).at(file) }
    }

    /// How a workbook's number cells in a column are read: dates (`joined`), timestamps, or as written.
    enum NumberKind { case text, date, timestamp }

    /// Headers that time a form's answers: Google Forms' `Timestamp`, Microsoft Forms' `Completion time`.
    static let timestampHeaders = ["timestamp", "completion time"]

    /// Where a person's field comes from: cell `index` of source `source`'s table.
    struct Ref {
        var source: Int32
        var index: Int32
        static let none = Ref(source: -1, index: 0)
    }

    /// Slot numbers of the roster fields: every person has a slot per field of
    /// `RosterSettings.targets` (in that order), then one per `roles.<program>` the sources give.
    enum Slot {
        static func of(_ field: String) -> Int { RosterSettings.targets.firstIndex(of: field)! }
        static let id = of("id"), name = of("name"), email = of("email"), pronouns = of("pronouns"), title = of("title"),
                   department = of("department"), team = of("team"), manager = of("manager"), location = of("location"),
                   timezone = of("timezone"), seniority = of("seniority"), joined = of("joined"), programs = of("programs"),
                   capacity = of("capacity"), skills = of("skills"), goals = of("goals"), interests = of("interests"),
                   groups = of("groups"), avoid = of("avoid"), link = of("link"), bio = of("bio"), privateFields = of("private")
    }

    /// The people being assembled, each with their slots and the row that listed them.
    struct Merge {
        var tables: [Table]
        var dateOrders: [DateOrder?]
        /// Slot → target (`email`, `roles.leadership-mentoring`).
        var targets: [String]
        var slots: [Ref] = []
        /// Per person: the source and row that listed them, and their id ("" until known).
        var listedAt: [(source: Int32, row: Int32)] = []
        var ids: [String] = []
        /// Listed twice or with a bad id (reported): not a participant.
        var dropped: [Bool] = []

        var width: Int { targets.count }
        var count: Int { listedAt.count }

        func ref(_ person: Int, _ slot: Int) -> Ref { slots[person * width + slot] }

        func cell(_ person: Int, _ slot: Int) -> Cell? {
            let r = slots[person * width + slot]
            return r.source < 0 ? nil : tables[Int(r.source)].cells[Int(r.index)]
        }

        func at(_ person: Int, _ slot: Int) -> SourceLocation? {
            let r = slots[person * width + slot]
            return r.source < 0 ? nil : tables[Int(r.source)].cells[Int(r.index)].at(tables[Int(r.source)].file)
        }

        /// The date order of the source whose cell fills the slot (its `date_format`).
        func dateOrder(_ person: Int, _ slot: Int) -> DateOrder? {
            let r = slots[person * width + slot]
            return r.source < 0 ? nil : dateOrders[Int(r.source)]
        }

        func rowStart(_ person: Int) -> SourceLocation {
            let (s, r) = listedAt[person]
            return tables[Int(s)].rowStart(Int(r))
        }

        /// Gives the non-empty cells of row `row` of source `source` to `person`.
        mutating func take(_ person: Int, source: Int, row: Int, columnSlots: [Int], except: Int? = nil) {
            let table = tables[source]
            let base = row * table.width
            for (c, slot) in columnSlots.enumerated() where c != except && !table.cells[base + c].text.isEmpty {
                slots[person * width + slot] = Ref(source: Int32(source), index: Int32(base + c))
            }
        }
    }

    /// The participants, in the order the sources list them; nil when a source could not be
    /// read at all (reported), so that nothing further is said about the people in it.
    static func load(_ files: ContentFiles, settings: RosterSettings, programs: [Program], bag: DiagnosticBag) -> [Participant]? {
        // 1. Read every source; a file that cannot be read or whose header does not match stops here.
        // The files are read side by side; their diagnostics are merged in source order.
        let sources = settings.sources
        let readBags = sources.map { _ in DiagnosticBag() }
        nonisolated(unsafe) var readTables = [Table?](repeating: nil, count: sources.count)
        readTables.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: sources.count) { k in
                out[k] = read(sources[k], files: files, programs: programs, bag: readBags[k])
            }
        }
        for b in readBags { bag.merge(b) }
        let tables = readTables.compactMap { $0 }
        guard tables.count == sources.count else { return nil }
        readTables = []
        let listing = sources.filter { $0.matchBy == nil }.map { $0.path }
        let listingNames = Explain.list(listing)

        var targets = RosterSettings.targets
        for s in sources {
            for c in s.columns where c.target.hasPrefix("roles.") && !targets.contains(c.target) { targets.append(c.target) }
        }
        let slotOf = Dictionary(uniqueKeysWithValues: targets.enumerated().map { ($1, $0) })
        var m = Merge(tables: tables, dateOrders: sources.map(\.dateOrder), targets: targets)

        // 2. Sources without match_by list people.
        var byEmail: [String: Int] = [:]
        var byID: [String: Int] = [:]
        let rows = zip(sources, tables).filter { $0.0.matchBy == nil }.map(\.1.rowCount).reduce(0, +)
        byEmail.reserveCapacity(rows)
        byID.reserveCapacity(rows)
        m.slots.reserveCapacity(rows * m.width)
        for k in sources.indices where sources[k].matchBy == nil {
            let source = sources[k], table = tables[k]
            let columnSlots = source.columns.map { slotOf[$0.target]! }
            let emailColumn = source.columns.firstIndex { $0.target == "email" }
            let idColumn = source.columns.firstIndex { $0.target == "id" }
            func firstRow(_ person: Int) -> String {
                let (s, r) = m.listedAt[person]
                return "line \(m.tables[Int(s)].rowLines[Int(r)])\(Int(s) == k ? "" : " of \(sources[Int(s)].path)")"
            }
            for r in 0..<table.rowCount {
                let person = m.count
                m.listedAt.append((Int32(k), Int32(r)))
                m.ids.append("")
                m.dropped.append(true)
                m.slots.append(contentsOf: repeatElement(Ref.none, count: m.width))
                if let e = emailColumn {
                    let cell = table[r, e]
                    if !cell.text.isEmpty {
                        let key = cell.text.asciiLowercased()
                        if let first = byEmail[key] {
                            bag.error("'\(cell.text)' appears twice (first on \(firstRow(first)))", at: cell.at(table.file))
                            continue
                        }
                        byEmail[key] = person
                    }
                }
                if let i = idColumn {
                    let cell = table[r, i]
                    let id = cell.text.asciiLowercased()
                    if id.isEmpty {
                        bag.error("the id is empty", at: cell.at(table.file), hint: "every person needs an id: it is part of their page address")
                        continue
                    }
                    guard RosterLoader.isValidID(id) else {
                        bag.error("'\(cell.text)' cannot be an id: ids may only use letters, digits and '-'", at: cell.at(table.file),
                                  hint: "ids appear in page addresses and lock files")
                        continue
                    }
                    if let first = byID[id] {
                        bag.error("duplicate participant id '\(id)' (first on \(firstRow(first)))", at: cell.at(table.file))
                        continue
                    }
                    m.ids[person] = id
                    byID[id] = person
                }
                m.dropped[person] = false
                m.take(person, source: k, row: r, columnSlots: columnSlots)
            }
        }
        // Ids derived from the e-mail address: the same address always gives the same id,
        // whatever else is added or reordered; two addresses that would share one are refused.
        for person in 0..<m.count where !m.dropped[person] && m.ids[person].isEmpty {
            guard let email = m.cell(person, Slot.email), let emailAt = m.at(person, Slot.email) else {
                bag.error("this person has neither an id nor an e-mail address", at: m.rowStart(person))
                m.dropped[person] = true
                continue
            }
            guard let id = derivedID(email.text) else {
                bag.error("no id can be made from '\(email.text)'", at: emailAt, hint: "give the source an id column, e.g. \"Employee ID\": id")
                m.dropped[person] = true
                continue
            }
            if let first = byID[id] {
                bag.error("'\(email.text)' would get the id '\(id)', which \(m.cell(first, Slot.email).map { "'\($0.text)' on line \($0.line)" } ?? "another person") has already",
                          at: emailAt, hint: "give the source an id column (e.g. \"Employee ID\": id) so that every person has their own")
                m.dropped[person] = true
                continue
            }
            m.ids[person] = id
            byID[id] = person
        }

        // 3. Sources with match_by add to the people listed. A person's latest answer wins
        // whole: the one with the latest timestamp when the export has one, else the last row
        // (ties keep row order).
        for k in sources.indices where sources[k].matchBy != nil {
            let source = sources[k], table = tables[k]
            let key = source.matchBy!
            let keyColumn = source.columns.firstIndex { $0.target == key }!
            let columnSlots = source.columns.map { slotOf[$0.target]! }
            let stamps = table.timestampColumn.flatMap { timestamps(table, column: $0, source: source, bag: bag) }
            func latestRows(_ stamps: [Int64]?, report: Bool) -> (latest: [Int32], unknown: [String: Int]) {
                func later(_ r: Int, than q: Int) -> Bool { stamps.map { $0[r] >= $0[q] } ?? true }
                var latest = [Int32](repeating: -1, count: m.count)
                var unknown: [String: Int] = [:]
                for r in 0..<table.rowCount {
                    let cell = table[r, keyColumn]
                    let value = cell.text.asciiLowercased()
                    if value.isEmpty {
                        if report {
                            bag.error("the '\(source.columns[keyColumn].header)' answer is empty; this row matches nobody", at: cell.at(table.file))
                        }
                        continue
                    }
                    guard let person = key == "email" ? byEmail[value] : byID[value] else {
                        if let q = unknown[value], !later(r, than: q) { continue }
                        unknown[value] = r
                        continue
                    }
                    if latest[person] < 0 || later(r, than: Int(latest[person])) { latest[person] = Int32(r) }
                }
                return (latest, unknown)
            }
            let (latest, unknown) = latestRows(stamps?.monthFirst, report: true)
            if let dayFirst = stamps?.dayFirst, let column = table.timestampColumn {
                // Only a person whose latest answer depends on how the dates read needs the file to say.
                let other = latestRows(dayFirst, report: false).latest
                for person in 0..<m.count where other[person] != latest[person] && !m.dropped[person] {
                    let cell = table[Int(latest[person]), column]
                    bag.error("'\(cell.text)' could be read day first or month first, and which answer of '\(table[Int(latest[person]), keyColumn].text)' is the latest depends on it",
                              at: cell.at(table.file), hint: "say how the export writes dates: add date_format: DD/MM/YYYY (or MM/DD/YYYY) to this source in Content/portal.yaml")
                }
            }
            for (_, r) in unknown.sorted(by: { $0.value < $1.value }) {
                let cell = table[r, keyColumn]
                bag.error("'\(cell.text)' is not in \(listingNames)", at: cell.at(table.file),
                          hint: "only people in \(listingNames) can take part; check the address, or add them there")
            }
            for person in 0..<m.count where latest[person] >= 0 && !m.dropped[person] {
                m.take(person, source: k, row: Int(latest[person]), columnSlots: columnSlots, except: keyColumn)
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
        let kept = (0..<m.count).filter { !m.dropped[$0] && !m.ids[$0].isEmpty }
        let chunks = kept.isEmpty ? 0 : min(kept.count, max(1, ProcessInfo.processInfo.activeProcessorCount * 4))
        let chunkBags = (0..<chunks).map { _ in DiagnosticBag() }
        nonisolated(unsafe) var built = [[Participant]](repeating: [], count: chunks)
        let merged = m
        built.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let range = (c * kept.count / chunks)..<((c + 1) * kept.count / chunks)
                out[c] = kept[range].map { participant($0, merged, programBySlug: programsBySlug, programByName: programByName, programNames: programNames, bag: chunkBags[c]) }
            }
        }
        for b in chunkBags { bag.merge(b) }
        var people: [Participant] = built.flatMap { $0 }
        built = []

        // 5. The hand-kept fields of roster.yaml win.
        var given: [String: Set<String>] = [:]
        if files.exists(RosterLoader.path), let text = files.text(RosterLoader.path, bag: bag) {
            let index = people.positionsByID
            for (entry, keys) in RosterLoader.parseOverlay(text, bag: bag) {
                guard let k = index[entry.id] else {
                    bag.error("'\(entry.id)' is not in \(listingNames)", at: entry.fieldLocations["id"],
                              hint: "Content/roster.yaml only adds hand-kept fields to the people of the roster sources")
                    continue
                }
                people[k].apply(entry, keys: keys)
                given[entry.id] = keys
            }
        }

        // 6. Time zones from the locations, then the fields every participant needs.
        var unknownLocations: [String: (at: SourceLocation, count: Int)] = [:]
        var emailToID: [String: String] = [:]
        emailToID.reserveCapacity(people.count)
        for p in people where !p.email.isEmpty { emailToID[p.email.asciiLowercased()] = p.id }
        for k in people.indices {
            let p = people[k], person = kept[k]
            let keys = given[p.id] ?? []
            if p.timezone.isEmpty, !p.location.isEmpty {
                if let zone = settings.zones[p.location] {
                    people[k].timezone = zone
                } else {
                    let at = m.at(person, Slot.location) ?? p.sourceLocation
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
                if let column = sources.lazy.compactMap({ s in s.column(for: field).map { (s, $0) } }).first {
                    bag.error("'\(p.id)' has no \(field): the '\(column.1.header)' cell of \(column.0.path) is empty", at: m.rowStart(person),
                              hint: "or give '\(field)' in this person's entry in Content/roster.yaml")
                } else {
                    bag.error("'\(p.id)' has no \(field): no column of the roster sources gives '\(field)'", at: m.rowStart(person),
                              hint: "map a column to '\(field)' in 'columns:' in Content/portal.yaml, or give it in Content/roster.yaml")
                }
            }
            // Managers and people to avoid may be named by e-mail address.
            if let manager = p.manager, manager.utf8.contains(UInt8(ascii: "@")), !keys.contains("manager") {
                if let id = emailToID[manager.asciiLowercased()] { people[k].manager = id } else {
                    bag.error("no one on the roster has the e-mail address '\(manager)'", at: p.fieldLocations["manager"],
                              hint: "managers must be in \(listingNames) too")
                    people[k].manager = nil
                }
            }
            if !keys.contains("avoid"), p.avoid.contains(where: { $0.contains("@") }) {
                var ids: [String] = []
                for (i, other) in p.avoid.enumerated() {
                    guard other.contains("@") else { ids.append(other); continue }
                    if let id = emailToID[other.asciiLowercased()] { ids.append(id) } else {
                        bag.error("no one on the roster has the e-mail address '\(other)'", at: p.listLocations["avoid"]?[i])
                        ids.append(other)
                    }
                }
                people[k].avoid = ids
            }
        }
        for (location, first) in unknownLocations.sorted(by: { $0.value.at < $1.value.at }) {
            bag.error("no time zone for the location '\(location)'\(first.count > 1 ? " (\(first.count) people)" : "")", at: first.at,
                      hint: "add it to 'locations:' in Content/portal.yaml, e.g. { \"\(location)\": Europe/London }, or map a time zone column"
                        + (Suggest.closest(to: location, in: settings.zones.keys).map { "; did you mean '\($0)'?" } ?? ""))
        }
        return people
    }

    /// Each row's time, in seconds, from a form export's timestamp column, to tell a person's
    /// latest answer; nil when a timestamp cannot be read (reported: the rows then keep their
    /// order). Day and month are told apart by the source's `date_format`, else by the rows
    /// that can only be read one way (`25/11/2026`); when none can, a person's answers are
    /// ordered both ways, and only a person whose latest answer depends on it is an error.
    static func timestamps(_ table: Table, column: Int, source: RosterSource, bag: DiagnosticBag) -> (monthFirst: [Int64], dayFirst: [Int64]?)? {
        var order = source.dateOrder
        if order == nil {
            for r in 0..<table.rowCount {
                if case let .clear(_, found?) = DateOrder.read(table[r, column].text) { order = found; break }
            }
        }
        var stamps = [Int64](repeating: 0, count: table.rowCount)
        var dayFirst: [Int64]?
        var ok = true
        for r in 0..<table.rowCount {
            let cell = table[r, column]
            guard let groups = DateOrder.numbers(cell.text) else {
                bag.error(cell.text.isEmpty ? "the timestamp is empty" : "'\(cell.text)' is not a date and time", at: cell.at(table.file),
                          hint: "a person's latest answer is the one with the latest timestamp, written as the form tools write them (11/1/2026 9:14:33)")
                ok = false
                continue
            }
            let time = Int64(DateOrder.secondsOfDay(cell.text, after: groups))
            var date: LocalDate?
            if groups[0].digits == 4 {
                date = DateOrder.iso.date(groups)
            } else if let order {
                date = order.date(groups)
            } else {
                switch DateOrder.read(groups) {
                case let .clear(d, _): date = d
                case .ambiguous:
                    // Month first here, day first in the other reading.
                    date = DateOrder.monthFirst.date(groups)
                    if dayFirst == nil { dayFirst = stamps }
                    if let d = DateOrder.dayFirst.date(groups) { dayFirst![r] = Int64(d.dayNumber) * 86_400 + time }
                case .invalid: date = nil
                }
            }
            guard let date else {
                bag.error("'\(cell.text)' is not a date and time\(order.map { " written \($0)" } ?? "")", at: cell.at(table.file),
                          hint: "a person's latest answer is the one with the latest timestamp")
                ok = false
                continue
            }
            stamps[r] = Int64(date.dayNumber) * 86_400 + time
            if dayFirst != nil, case .clear = DateOrder.read(groups) { dayFirst![r] = stamps[r] }
        }
        return ok ? (stamps, dayFirst) : nil
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

    /// Reads one source, keeping only its mapped columns (and a form's timestamp column).
    /// Reports an unreadable file or a header without a mapped column, and returns nil then.
    static func read(_ source: RosterSource, files: ContentFiles, programs: [Program], bag: DiagnosticBag) -> Table? {
        let file = source.path
        guard files.exists(file) else {
            bag.error("no file '\(file)'", at: source.fileAt, hint: "roster files are named relative to Content/")
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
        /// The header's columns to keep, with how a workbook's numbers in each are read.
        func choose(_ header: [String], bag: DiagnosticBag) -> [(index: Int, kind: NumberKind)]? {
            let names = header.map(normalised)
            // A header of one cell that has none of several mapped columns: a separator Tandem
            // does not detect. One error at the file says so, not one per column.
            if header.count == 1, source.columns.count >= 2, !source.columns.contains(where: { names.contains(normalised($0.header)) }) {
                bag.error("the header row has one column ('\(header[0].prefix(60))'), so none of the \(source.columns.count) mapped columns is there",
                          at: SourceLocation(file: file), hint: "is the file separated by ',', ';' or tabs? Those are detected from the header line; export with one of them")
                return nil
            }
            // None of several mapped columns: another export than the one 'columns:' was written
            // for. One error says so, not one per column.
            if source.columns.count >= 2, !source.columns.contains(where: { names.contains(normalised($0.header)) }) {
                bag.error("none of the \(source.columns.count) mapped columns is in the header row", at: SourceLocation(file: file),
                          hint: "the header row has: \(header.prefix(12).map { "'\($0)'" }.joined(separator: ", "))\(header.count > 12 ? ", …" : ""); "
                            + "is this the export that 'columns:' at \(source.columnsAt) was written for?")
                return nil
            }
            var picked: [(index: Int, kind: NumberKind)] = []
            for column in source.columns {
                if let k = names.firstIndex(of: normalised(column.header)) {
                    picked.append((k, column.target == "joined" ? .date : .text))
                    continue
                }
                ok = false
                let hint: String
                if let close = Suggest.closest(to: column.header, in: header) {
                    hint = "did you mean '\(close)'?"
                } else if header.count == 1 {
                    hint = "the header row has one column ('\(header[0].prefix(60))'); is the file separated by ',', ';' or tabs?"
                } else {
                    hint = "the header row has: \(header.prefix(12).map { "'\($0)'" }.joined(separator: ", "))\(header.count > 12 ? ", …" : "")"
                }
                bag.error("no column '\(column.header)' in \(file)", at: column.headerAt, hint: hint)
            }
            guard ok else { return nil }
            // A form's answers are ordered by their timestamp, which no roster field takes.
            if source.matchBy != nil,
               let k = timestampHeaders.lazy.compactMap({ names.firstIndex(of: $0) }).first,
               !picked.contains(where: { $0.index == k }) {
                picked.append((k, .timestamp))
            }
            return picked
        }
        var table: Table?
        if file.lowercased().hasSuffix(".xlsx") {
            guard let bytes = files.data(file, bag: bag) else { return nil }
            table = workbookTable(Data(bytes), file: file, bag: bag, choose: choose)
        } else {
            guard let text = files.text(file, bag: bag) else { return nil }
            table = csvTable(text, file: CellFile(path: file), bag: bag, choose: choose)
        }
        if var t = table, source.matchBy != nil, t.width > source.columns.count { t.timestampColumn = source.columns.count; table = t }
        return table
    }

    /// The chosen columns of a CSV file. Only their cells become strings. A file that cannot
    /// be parsed is reported as that alone, not also as a header without the mapped columns.
    static func csvTable(_ text: String, file: CellFile, bag: DiagnosticBag,
                         choose: ([String], DiagnosticBag) -> [(index: Int, kind: NumberKind)]?) -> Table? {
        var text = text
        let headerBag = DiagnosticBag()
        var headerFailed = false
        var header: [String] = []
        var headerRead = false
        var picked: [Int] = []
        /// Header index → the first table column that keeps it, or -1; and columns that repeat another.
        var keep: [Int] = []
        var repeats: [(from: Int, to: Int)] = []
        var cells: [Cell] = []
        var rowLines: [Int32] = []
        var row: [Cell] = []
        var count = 0, rowLine = 0, lastLine = 0, lastEnd = 0
        do {
            _ = try text.withUTF8 { bytes in
                try CSVTable.scan(bytes, cell: { value, line, column in
                    if count == 0 { rowLine = line }
                    if !headerRead {
                        header.append(String(decoding: value, as: UTF8.self))
                    } else if count < keep.count, keep[count] >= 0 {
                        row[keep[count]] = Cell(text: String(decoding: value, as: UTF8.self).trimmedFast(newlines: true), line: line, column: column)
                    }
                    count += 1
                    lastLine = line
                    lastEnd = column + value.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
                }, rowEnd: { hasText in
                    defer { count = 0 }
                    guard hasText else {
                        if !headerRead { header = [] }
                        return
                    }
                    if !headerRead {
                        headerRead = true
                        guard let chosen = choose(header, headerBag) else {
                            headerFailed = true
                            return
                        }
                        picked = chosen.map(\.index)
                        keep = [Int](repeating: -1, count: (picked.max() ?? -1) + 1)
                        for (c, k) in picked.enumerated() {
                            if keep[k] >= 0 { repeats.append((keep[k], c)) } else { keep[k] = c }
                        }
                        row = [Cell](repeating: Cell(text: "", line: 0, column: 0), count: picked.count)
                        cells.reserveCapacity(bytes.count / 16)
                        return
                    }
                    guard !headerFailed else { return }
                    for (c, k) in picked.enumerated() where k >= count { row[c] = Cell(text: "", line: lastLine, column: lastEnd) }
                    for (from, to) in repeats { row[to] = row[from] }
                    cells.append(contentsOf: row)
                    rowLines.append(Int32(clamping: rowLine))
                })
            }
        } catch let e as CSVTable.ParseError {
            bag.error(e.message, at: SourceLocation(file: file.path, line: e.line, column: e.column))
            return nil
        } catch {
            bag.error("cannot read the file as CSV", at: SourceLocation(file: file.path))
            return nil
        }
        bag.merge(headerBag)
        guard !headerFailed else { return nil }
        guard headerRead else {
            bag.error("the file is empty; it needs a header row and a row per person", at: SourceLocation(file: file.path))
            return nil
        }
        return Table(file: file, width: picked.count, cells: cells, rowLines: rowLines)
    }

    /// The chosen columns of an .xlsx workbook's first sheet; a `joined` column's number cells
    /// are the sheet's serial days, a timestamp column's serial days and fractions.
    static func workbookTable(_ data: Data, file: String, bag: DiagnosticBag,
                              choose: ([String], DiagnosticBag) -> [(index: Int, kind: NumberKind)]?) -> Table? {
        let book: XLSXTable
        do {
            book = try XLSXTable(data: data)
        } catch let e as XLSXTable.ReadError {
            bag.error(e.message, at: SourceLocation(file: file), hint: e.hint)
            return nil
        } catch {
            bag.error("cannot read the workbook: \(error)", at: SourceLocation(file: file))
            return nil
        }
        guard let header = book.rows.first else {
            bag.error("the file is empty; it needs a header row and a row per person", at: SourceLocation(file: file))
            return nil
        }
        guard let picked = choose(header.map(\.text), bag) else { return nil }
        let cellFile = CellFile(path: file, sheet: book.sheet)
        var cells: [Cell] = []
        var rowLines: [Int32] = []
        for row in book.rows.dropFirst() {
            let line = row[0].row
            for (k, kind) in picked {
                guard k < row.count else {
                    cells.append(Cell(text: "", line: line, column: k + 1))
                    continue
                }
                let c = row[k]
                var cell = Cell(text: c.text.trimmedFast(newlines: true), line: c.row, column: c.column)
                if c.isNumber {
                    switch kind {
                    case .date: cell.day = book.date(serial: c.text).map { Int32(clamping: $0.dayNumber) } ?? Cell.noDay
                    case .timestamp: cell.text = book.timestamp(serial: c.text) ?? cell.text
                    case .text: break
                    }
                }
                cells.append(cell)
            }
            rowLines.append(Int32(clamping: line))
        }
        return Table(file: cellFile, width: picked.count, cells: cells, rowLines: rowLines)
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

    /// One participant from a person's slots.
    static func participant(_ d: Int, _ m: Merge, programBySlug: [String: Program], programByName: [String: String], programNames: [String], bag: DiagnosticBag) -> Participant {
        func text(_ slot: Int) -> String? { m.cell(d, slot)?.text }
        func at(_ slot: Int) -> SourceLocation? { m.at(d, slot) }
        func list(_ slot: Int) -> [String] {
            guard let cell = m.cell(d, slot) else { return [] }
            var out: [String] = []
            for item in split(cell.text) {
                let value = item.asciiLowercased()
                if !out.contains(value) { out.append(value) }
            }
            return out
        }
        func int(_ key: String, _ slot: Int, _ range: ClosedRange<Int>) -> Int? {
            guard let cell = m.cell(d, slot) else { return nil }
            // HR systems often write levels as "L4" or "IC4".
            let digits = cell.text.drop { $0.isLetter || $0 == " " }
            guard let n = Int(digits), range.contains(n) else {
                bag.error("'\(key)' must be a whole number from \(range.lowerBound) to \(range.upperBound), found '\(cell.text)'", at: at(slot))
                return nil
            }
            return n
        }
        var email = text(Slot.email) ?? ""
        if !email.isEmpty, !RosterLoader.isPlausibleEmail(email) {
            bag.error("'\(email)' does not look like an e-mail address", at: at(Slot.email))
            email = ""
        }
        var timezone = text(Slot.timezone) ?? ""
        if !timezone.isEmpty, !ZoneName.isKnown(timezone) {
            ZoneName.check(timezone, at: at(Slot.timezone)!, bag: bag)
            timezone = "UTC"
        }
        var link = text(Slot.link)
        if let l = link, !RosterLoader.isSafeLink(l) {
            bag.error("'link' must be an http:// or https:// address", at: at(Slot.link))
            link = nil
        }
        var joined: LocalDate?
        if let cell = m.cell(d, Slot.joined) {
            let order = m.dateOrder(d, Slot.joined)
            if let date = cell.date {
                joined = date
            } else if let order, let date = order.date(cell.text) {
                joined = date
            } else if order == nil, let date = LocalDate(cell.text) {
                joined = date
            } else {
                bag.error("'\(cell.text)' is not a date\(order.map { " written \($0)" } ?? " written YYYY-MM-DD")", at: at(Slot.joined),
                          hint: order == nil ? "give the source a 'date_format' (e.g. date_format: MM/DD/YYYY) if it writes dates another way" : nil)
            }
        }
        var programs: [String] = []
        var programLocations: [SourceLocation] = []
        if let cell = m.cell(d, Slot.programs) {
            for item in split(cell.text) {
                guard let slug = programByName[item.asciiLowercased()] else {
                    bag.error("unknown program '\(item)'", at: at(Slot.programs),
                              hint: Suggest.hint(for: item, in: programNames) ?? "programs are the files in Content/programs/, named by slug or title")
                    continue
                }
                if !programs.contains(slug) { programs.append(slug); programLocations.append(at(Slot.programs)!) }
            }
        }
        var roles: [String: MentoringRole] = [:]
        var roleLocations: [String: SourceLocation] = [:]
        for slot in RosterSettings.targets.count..<m.width {
            guard let cell = m.cell(d, slot), let cellAt = at(slot) else { continue }
            let slug = String(m.targets[slot].dropFirst(6))
            guard let role = MentoringRole(rawValue: cell.text.asciiLowercased()) else {
                bag.error("role must be 'mentor' or 'mentee', found '\(cell.text)'", at: cellAt,
                          hint: Suggest.hint(for: cell.text.lowercased(), in: MentoringRole.allCases.map(\.rawValue)))
                // Reported here: not again as a missing role.
                roleLocations[slug] = cellAt
                continue
            }
            roles[slug] = role
            roleLocations[slug] = cellAt
        }
        var privateFields = Set<String>()
        if let cell = m.cell(d, Slot.privateFields) {
            for item in split(cell.text) {
                let field = item.lowercased()
                if RosterLoader.privatable.contains(field) { privateFields.insert(field) } else {
                    bag.error("'\(item)' cannot be marked private", at: at(Slot.privateFields),
                              hint: Suggest.hint(for: field, in: RosterLoader.privatable) ?? "private fields: \(RosterLoader.privatable.joined(separator: ", "))")
                }
            }
        }
        var avoid: [String] = []
        var avoidLocations: [SourceLocation] = []
        if let cell = m.cell(d, Slot.avoid) {
            let cellAt = at(Slot.avoid)!
            for item in split(cell.text) {
                avoid.append(item.contains("@") ? item : item.lowercased())
                avoidLocations.append(cellAt)
            }
        }
        var manager = text(Slot.manager)
        if let mgr = manager, !mgr.utf8.contains(UInt8(ascii: "@")) { manager = mgr.asciiLowercased() }
        let row = m.rowStart(d)
        var p = Participant(
            id: m.ids[d], name: text(Slot.name) ?? "", email: email, pronouns: text(Slot.pronouns), title: text(Slot.title) ?? "",
            department: text(Slot.department) ?? "", team: text(Slot.team), manager: manager, location: text(Slot.location) ?? "",
            timezone: timezone, seniority: int("seniority", Slot.seniority, 0...20), joined: joined, programs: programs, roles: roles,
            capacity: int("capacity", Slot.capacity, 1...50) ?? 1, skills: list(Slot.skills), goals: list(Slot.goals), interests: list(Slot.interests),
            groups: list(Slot.groups), avoid: avoid, link: link, bio: text(Slot.bio), privateFields: privateFields, sourceLocation: row)
        p.fieldLocations["id"] = at(Slot.id) ?? at(Slot.email) ?? row
        if let a = at(Slot.manager) { p.fieldLocations["manager"] = a }
        if let a = at(Slot.capacity) { p.fieldLocations["capacity"] = a }
        for (slug, a) in roleLocations { p.fieldLocations["roles.\(slug)"] = a }
        p.listLocations["programs"] = programLocations
        p.listLocations["avoid"] = avoidLocations
        return p
    }
}

extension String {
    /// `lowercased()` without the Unicode tables when the text is ASCII (addresses, ids,
    /// slugs, most answers), which gives the same string.
    func asciiLowercased() -> String {
        var upper = false
        for b in utf8 {
            if b >= 0x80 { return lowercased() }
            if b >= 0x41 && b <= 0x5A { upper = true }
        }
        guard upper else { return self }
        return String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
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
