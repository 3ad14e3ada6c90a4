import Foundation

/// Reads `Content/programs/<slug>.md`.
enum ProgramLoader {
    static let folder = "Content/programs"
    static let keys = ["title", "summary", "format", "group_size", "start", "cadence", "sessions", "session_length",
                       "meeting_time", "timezone", "round", "odd", "fairness", "candidates", "match", "agenda", "pods", "checkins",
                       "reminders", "follow_up", "prefer_weight", "shortlist", "health_missed"]

    static func load(_ files: ContentFiles, settings: PortalSettings, bag: DiagnosticBag) -> [Program] {
        files.markdownFiles(in: folder).compactMap { program(at: $0, files: files, settings: settings, bag: bag) }
    }

    static func slug(of path: String) -> String {
        String((path as NSString).lastPathComponent.dropLast(3))
    }

    private static func program(at path: String, files: ContentFiles, settings: PortalSettings, bag: DiagnosticBag) -> Program? {
        guard let text = files.text(path, bag: bag) else { return nil }
        return program(path: path, text: text, settings: settings, bag: bag)
    }

    static func program(path: String, text: String, settings: PortalSettings, bag: DiagnosticBag) -> Program? {
        guard let page = FrontMatterPage.open(path: path, text: text, kind: "program", article: "a",
                                              needs: "a title and a start date", bag: bag) else { return nil }
        let (slug, r, doc) = (page.slug, page.reader, page.document)
        defer { r.finish(allowed: keys) }

        let title = r.string("title", required: true) ?? slug
        let formatText = r.string("format") ?? "pairs"
        let format = ProgramFormat(rawValue: formatText) ?? {
            bag.error("unknown format '\(formatText)'", at: r.location(of: "format"),
                      hint: bag.hint(for: formatText, in: ProgramFormat.allCases.map(\.rawValue)) ?? "formats: pairs, groups, mentoring, reverse")
            return .pairs
        }()
        var groupSize = 3...4
        if let sizeText = r.string("group_size") {
            if let range = parseRange(sizeText), range.lowerBound >= 2, range.upperBound <= 12 {
                groupSize = range
            } else {
                bag.error("'group_size' must be a size or a range such as 3-4 (between 2 and 12), found '\(sizeText)'", at: r.location(of: "group_size"))
            }
        } else if format == .groups {
            bag.warning("no 'group_size' given; using 3-4", at: r.location)
        }
        var start = r.date("start", required: true) ?? LocalDate(year: 2000, month: 1, day: 1)!
        if !(1970...2999).contains(start.year) {
            // Dates far out would carry the schedule past the calendar's year 9999.
            bag.error("'start' must be a date between 1970 and 2999, found '\(start)'", at: r.location(of: "start"))
            start = LocalDate(year: 2000, month: 1, day: 1)!
        }
        let cadenceText = r.string("cadence") ?? "biweekly"
        let cadence = Cadence(rawValue: cadenceText) ?? {
            bag.error("unknown cadence '\(cadenceText)'", at: r.location(of: "cadence"),
                      hint: bag.hint(for: cadenceText, in: Cadence.allCases.map(\.rawValue)) ?? "cadences: weekly, biweekly, monthly")
            return .biweekly
        }()
        let sessionCount = r.int("sessions", required: true, range: 1...52)
        let sessions = sessionCount ?? 1
        var minutes = 45
        if let lengthText = r.string("session_length") {
            if let m = Duration.minutes(lengthText), m <= 8 * 60 { minutes = m } else {
                bag.error("'session_length' must be a duration such as 30m, 45m or 1h30m, found '\(lengthText)'", at: r.location(of: "session_length"))
            }
        }
        var meetingTime = (hour: 12, minute: 0)
        if let timeText = r.string("meeting_time") {
            let parts = timeText.split(separator: ":")
            if parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m), parts[1].count == 2 {
                meetingTime = (h, m)
            } else {
                bag.error("'meeting_time' must be a 24-hour time such as \"12:30\", found '\(timeText)'", at: r.location(of: "meeting_time"))
            }
        }
        let timezone = r.string("timezone") ?? "UTC"
        ZoneName.check(timezone, at: r.location(of: "timezone"), bag: bag)
        let oddText = r.string("odd") ?? "trio"
        let odd = OddPolicyName(rawValue: oddText) ?? {
            bag.error("'odd' must be 'trio' or 'sit-out', found '\(oddText)'", at: r.location(of: "odd"),
                      hint: bag.hint(for: oddText, in: OddPolicyName.allCases.map(\.rawValue)))
            return .trio
        }()
        let (weights, rules) = matchSettings(r, format: format, bag: bag)
        let agenda = r.stringList("agenda")
        if !agenda.isEmpty, let sessionCount, agenda.count != sessionCount {
            bag.warning("the agenda lists \(agenda.count) activities for \(sessions) sessions; \(agenda.count < sessions ? "the list repeats from the start" : "the extra ones are not used")",
                        at: r.location(of: "agenda"))
        }
        let pods = r.int("pods", range: 2...6)
        if pods != nil && format != .pairs {
            bag.error("'pods' is only for the pairs format", at: r.location(of: "pods"))
        }
        var program = Program(
            slug: slug, title: title, summary: r.string("summary") ?? "", format: format, groupSize: groupSize,
            start: start, cadence: cadence, sessions: sessions, sessionMinutes: minutes, meetingTime: meetingTime,
            timezone: timezone, round: r.int("round", range: 1...1000) ?? 1, oddPolicy: odd,
            fairness: r.bool("fairness") ?? false, candidates: r.int("candidates", range: 1...1000) ?? 24,
            weights: weights, rules: rules, agenda: agenda.map(\.value), pods: format == .pairs ? pods : nil,
            bodyHTML: MarkdownLimits.check(doc.body, file: path, firstLine: doc.bodyFirstLine, bag: bag)
                ? Markdown.html(doc.body, allowRawHTML: settings.allowRawHTML) : "", sourceFile: path)
        program.agendaLocations = agenda.map(\.location)
        if let text = r.string("reminders") {
            if text == "off" || text == "false" {
                program.reminderDays = nil
            } else if text.hasSuffix("d"), let days = Int(text.dropLast()), (1...30).contains(days) {
                program.reminderDays = days
            } else {
                bag.error("'reminders' must be a number of days before each session such as 2d (1d to 30d), or 'off', found '\(text)'",
                          at: r.location(of: "reminders"))
            }
        }
        program.followUp = r.bool("follow_up") ?? false
        program.preferWeight = r.int("prefer_weight", range: 0...1000) ?? Program.defaultPreferWeight
        program.shortlist = r.int("shortlist", range: 1...20)
        program.healthMissed = r.int("health_missed", range: 1...50) ?? 2
        if let c = r.mapping("checkins", what: "'checkins'") {
            defer { c.finish(allowed: CheckinColumns.keys) }
            var columns = CheckinColumns()
            for key in CheckinColumns.keys {
                guard let header = c.string(key) else { continue }
                if key == "date_format" {
                    if let order = DateOrder(format: header) { columns.dateOrder = order } else {
                        bag.error("'date_format' must name the year, month and day once each, found '\(header)'", at: c.location(of: key),
                                  hint: "for example \(DateOrder.examples.joined(separator: ", "))")
                    }
                    continue
                }
                if header.isEmpty { bag.error("'\(key)' must name a column of the check-in file", at: c.location(of: key)); continue }
                switch key {
                case "date": columns.date = header
                case "participant": columns.participant = header
                case "met": columns.met = header
                case "rating": columns.rating = header
                default: columns.comment = header
                }
            }
            program.checkinColumns = columns
        }
        for key in ["round", "pods", "start", "format", "checkins"] { program.fieldLocations[key] = r.location(of: key) }
        return program
    }

    static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 1, let n = Int(parts[0]) { return n...n }
        if parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b { return a...b }
        return nil
    }

    private static func matchSettings(_ r: MappingReader, format: ProgramFormat, bag: DiagnosticBag) -> ([(Criterion, Int)], [Rule]) {
        let defaults: [(Criterion, Int)] = format.isMentoring
            ? [(.goalsSkills, 5), (.seniorityGap, 2)]
            : [(.goalsSkills, 5), (.interests, 2), (.differentDepartment, 3)]
        var rules: [Rule] = [.notManager, .notPreviousPartner]
        guard let m = r.mapping("match", what: "'match'") else { return (defaults, rules) }
        defer { m.finish(allowed: ["weights", "rules"]) }
        var weights: [(Criterion, Int)] = []
        if let w = m.mapping("weights", what: "'weights'") {
            for key in w.keys {
                guard let criterion = Criterion(rawValue: key) else {
                    bag.error("unknown criterion '\(key)'", at: w.keyLocation(of: key),
                              hint: bag.hint(for: key, in: Criterion.allCases.map(\.rawValue)) ?? "criteria: \(Criterion.allCases.map(\.rawValue).joined(separator: ", "))")
                    continue
                }
                if let value = w.int(key, range: 0...100) { weights.append((criterion, value)) }
            }
        } else {
            weights = defaults
        }
        if let rulesNode = m.node("rules") {
            guard rulesNode.kind == .sequence else {
                bag.error("'rules' must be a list, found \(YAMLValue.describe(rulesNode))", at: m.source.location(rulesNode))
                return (weights, rules)
            }
            for item in rulesNode.children {
                if let rule = rule(item, source: m.source, bag: bag), !rules.contains(rule) { rules.append(rule) }
            }
        }
        return (weights.sorted { $0.0 < $1.0 }, rules)
    }

    private static func rule(_ node: YAMLNode, source: YAMLSource, bag: DiagnosticBag) -> Rule? {
        let known = Rule.plainNames + Rule.parameterNames
        if let string = node.string {
            switch string {
            case "not_manager": return .notManager
            case "not_same_team": return .notSameTeam
            case "not_same_department": return .notSameDepartment
            case "not_previous_partner": return .notPreviousPartner
            case "same_location": return .sameLocation
            case let name where Rule.parameterNames.contains(name):
                bag.error("rule '\(name)' needs a value, e.g. '\(name): \(name == "max_timezone_gap" ? "4h" : name == "common_hours" ? "45m" : "2")'", at: source.location(node))
            default:
                bag.error("unknown rule '\(string)'", at: source.location(node),
                          hint: bag.hint(for: string, in: known) ?? "rules: \(known.joined(separator: ", "))")
            }
        } else if let map = node.pairs, map.count == 1 {
            let (keyNode, valueNode) = map[0]
            let key = keyNode.string ?? ""
            let value = valueNode.string ?? ""
            switch key {
            case "max_timezone_gap":
                if let minutes = Duration.minutes(value.hasSuffix("h") || value.hasSuffix("m") ? value : value + "h"), minutes <= 26 * 60 {
                    return .maxTimezoneGap(minutes: minutes)
                }
                bag.error("'max_timezone_gap' must be a duration such as 4h, found '\(value)'", at: source.location(valueNode))
            case "common_hours":
                if let minutes = Duration.minutes(value), minutes <= 24 * 60 { return .commonHours(minutes: minutes) }
                bag.error("'common_hours' must be a duration such as 45m or 2h, found '\(value)'", at: source.location(valueNode))
            case "min_seniority_gap":
                if let gap = Int(value), gap >= 0 { return .minSeniorityGap(gap) }
                bag.error("'min_seniority_gap' must be a whole number, found '\(value)'", at: source.location(valueNode))
            default:
                bag.error("unknown rule '\(key)'", at: source.location(keyNode),
                          hint: bag.hint(for: key, in: known) ?? "rules: \(known.joined(separator: ", "))")
            }
        } else {
            bag.error("a rule must be a name such as not_same_team or 'max_timezone_gap: 4h'", at: source.location(node))
        }
        return nil
    }
}

/// Reads `Content/activities/<slug>.md`.
enum ActivityLoader {
    static let folder = "Content/activities"
    static let keys = ["title", "summary", "duration", "formats", "materials", "prep", "follow_up", "questions", "traits", "prompts"]

    static func load(_ files: ContentFiles, settings: PortalSettings, bag: DiagnosticBag) -> [Activity] {
        files.markdownFiles(in: folder).compactMap { activity(at: $0, files: files, settings: settings, bag: bag) }
    }

    private static func activity(at path: String, files: ContentFiles, settings: PortalSettings, bag: DiagnosticBag) -> Activity? {
        guard let text = files.text(path, bag: bag) else { return nil }
        return activity(path: path, text: text, settings: settings, bag: bag)
    }

    /// Guide names the site's own pages take in `activities/` (the list and the printable deck).
    static let reservedSlugs = ["index", "print"]

    static func activity(path: String, text: String, settings: PortalSettings, bag: DiagnosticBag) -> Activity? {
        if reservedSlugs.contains(ProgramLoader.slug(of: path)) {
            bag.error("an activity guide may not be named '\(ProgramLoader.slug(of: path))': activities/\(ProgramLoader.slug(of: path)).html is the site's \(ProgramLoader.slug(of: path) == "index" ? "list of guides" : "printable deck of cards")",
                      at: SourceLocation(file: path), hint: "rename the file, e.g. to \(ProgramLoader.slug(of: path))-guide.md")
            return nil
        }
        guard let page = FrontMatterPage.open(path: path, text: text, kind: "activity", article: "an",
                                              needs: "a title", bag: bag) else { return nil }
        let (slug, r, doc) = (page.slug, page.reader, page.document)
        let source = r.source
        defer { r.finish(allowed: keys) }
        var duration = 30
        if let d = r.string("duration") {
            if let m = Duration.minutes(d) { duration = m } else {
                bag.error("'duration' must be a duration such as 30m or 1h, found '\(d)'", at: r.location(of: "duration"))
            }
        }
        var formats: Set<ProgramFormat> = []
        for item in r.stringList("formats") {
            guard let f = ProgramFormat(rawValue: item.value), f == .pairs || f == .groups else {
                bag.error("activity formats are 'pairs' and 'groups', found '\(item.value)'", at: item.location,
                          hint: bag.hint(for: item.value, in: ["pairs", "groups"]))
                continue
            }
            formats.insert(f)
        }
        if formats.isEmpty { formats = [.pairs, .groups] }
        var traits: [Trait] = []
        if let traitsNode = r.node("traits") {
            if traitsNode.kind == .sequence {
                for item in traitsNode.children {
                    if let name = item.string { traits.append(Trait(name: name, note: "")); continue }
                    guard let t = MappingReader(item, source: source, bag: bag, what: "a trait") else { continue }
                    t.finish(allowed: ["name", "note"])
                    if let name = t.string("name", required: true) { traits.append(Trait(name: name, note: t.string("note") ?? "")) }
                }
            } else {
                bag.error("'traits' must be a list", at: source.location(traitsNode))
            }
        }
        return Activity(
            slug: slug, title: r.string("title", required: true) ?? slug, summary: r.string("summary") ?? "",
            durationMinutes: duration, formats: formats, materials: r.stringList("materials").map(\.value),
            prep: r.string("prep"), followUp: r.string("follow_up"), questions: r.stringList("questions").map(\.value),
            traits: traits, prompts: r.stringList("prompts").map(\.value),
            bodyHTML: MarkdownLimits.check(doc.body, file: path, firstLine: doc.bodyFirstLine, bag: bag)
                ? Markdown.html(doc.body, allowRawHTML: settings.allowRawHTML) : "", sourceFile: path)
    }
}

/// Reads the optional `Content/portal.yaml`.
enum SettingsLoader {
    static let path = "Content/portal.yaml"
    static let keys = ["title", "tagline", "description", "contact", "base_url", "messages", "raw_html", "noindex", "unlisted", "url_secret_file",
                       "working_hours", "working_days", "holidays", "roster", "locations"]
    static let secretVariable = "TANDEM_URL_SECRET"
    static let minimumSecretLength = 16

    static func load(_ files: ContentFiles, environment: [String: String] = ProcessInfo.processInfo.environment, bag: DiagnosticBag) -> PortalSettings {
        guard files.exists(path), let text = files.text(path, bag: bag) else { return PortalSettings() }
        return parse(text, files: files, environment: environment, bag: bag)
    }

    /// Without `files`, an unlisted portal's secret is not looked for (the fuzz target).
    static func parse(_ text: String, files: ContentFiles? = nil, environment: [String: String] = [:], bag: DiagnosticBag) -> PortalSettings {
        var settings = PortalSettings()
        let source = YAMLSource(file: path)
        guard let root = YAMLDocument.compose(text, source: source, bag: bag),
              let r = MappingReader(root, source: source, bag: bag, what: "the portal settings") else { return settings }
        defer { r.finish(allowed: keys) }
        settings.title = r.string("title") ?? settings.title
        settings.tagline = r.string("tagline") ?? ""
        settings.description = r.string("description") ?? ""
        settings.contact = r.string("contact")
        let baseText = r.string("base_url")
        if let base = baseText {
            if let normalized = baseURL(base) {
                settings.baseURL = normalized
            } else {
                bag.error("'base_url' must be an absolute http:// or https:// address such as https://peers.example.com/, found '\(base)'",
                          at: r.location(of: "base_url"), hint: "messages, calendars and matches.csv link to pages under it")
            }
        }
        settings.messages = r.bool("messages") ?? false
        if settings.messages {
            // Messages link to pages and are sent from the contact address: both are needed.
            if baseText == nil {
                bag.error("'messages: true' needs 'base_url', the address the site is published at", at: r.location(of: "messages"),
                          hint: "add 'base_url: https://peers.example.com/' (every message links to the person's page under it)")
            }
            if settings.contact == nil {
                bag.error("'messages: true' needs 'contact', the address messages are sent from", at: r.location(of: "messages"),
                          hint: "add 'contact: people@example.com'")
            } else if let contact = settings.contact, !Pages.isMailAddress(contact) {
                bag.error("'contact' must be a plain address such as people@example.com when messages are on (it is their sender), found '\(contact)'",
                          at: r.location(of: "contact"))
            }
        }
        settings.allowRawHTML = r.bool("raw_html") ?? false
        settings.noindex = r.bool("noindex") ?? false
        settings.unlisted = r.bool("unlisted") ?? false
        settings.workingWeek = WeekReader.read(r, over: .standard)
        settings.holidays = WeekReader.holidays(r)
        let rosterBag = DiagnosticBag()
        settings.roster = RosterSettings.parse(r, bag: rosterBag)
        settings.roster.broken = rosterBag.hasErrors
        bag.merge(rosterBag)
        let secretFile = r.string("url_secret_file")
        if secretFile != nil && !settings.unlisted {
            bag.warning("'url_secret_file' is only used when 'unlisted' is true", at: r.location(of: "url_secret_file"))
        }
        if settings.unlisted, let files {
            settings.urlSecret = secret(file: secretFile, at: secretFile == nil ? r.location(of: "unlisted") : r.location(of: "url_secret_file"),
                                        files: files, environment: environment, bag: bag)
        }
        return settings
    }

    /// `base_url` with a trailing slash, or nil unless it is an http(s) address with a host and
    /// no query, fragment, spaces or control characters.
    static func baseURL(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"),
              !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "?" || $0 == "#" || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "\\" }),
              let url = URL(string: text), let host = url.host, !host.isEmpty else { return nil }
        return text.hasSuffix("/") ? text : text + "/"
    }

    /// The key for unlisted page names: TANDEM_URL_SECRET if set, else the file named by
    /// `url_secret_file` (relative to the portal), which must live outside Content/ and
    /// Templates/ so that it is never published or committed with the content by accident.
    static func secret(file: String?, at location: SourceLocation, files: ContentFiles, environment: [String: String], bag: DiagnosticBag) -> [UInt8] {
        var text: String
        if let value = environment[secretVariable], !value.isEmpty {
            text = value
        } else if let file {
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : files.root.appendingPathComponent(file)
            let resolved = url.resolvingSymlinksInPath().standardizedFileURL.path
            for folder in ["Content", "Templates"] {
                let base = files.root.appendingPathComponent(folder).resolvingSymlinksInPath().standardizedFileURL.path
                if resolved == base || resolved.hasPrefix(base + "/") {
                    bag.error("the URL secret file must not be inside \(folder)/", at: location,
                              hint: "keep it outside the portal's content, e.g. in a CI secret or ~/.config")
                    return []
                }
            }
            guard let data = FileManager.default.contents(atPath: url.path) else {
                bag.error("cannot read the URL secret file '\(file)'", at: location)
                return []
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            bag.error("an unlisted portal needs a secret for its page addresses", at: location,
                      hint: "set \(secretVariable), or give 'url_secret_file:' a file outside Content/")
            return []
        }
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= minimumSecretLength else {
            bag.error("the URL secret is too short (\(text.utf8.count) characters; at least \(minimumSecretLength))", at: location,
                      hint: "use a long random string, e.g. from 'openssl rand -hex 32'")
            return []
        }
        return Array(text.utf8)
    }
}

/// A program or activity file opened for reading: its slug (from the file name), its front
/// matter as a `MappingReader`, and the document for the body. Reports a bad file name,
/// missing or empty front matter, and front matter that is not a mapping.
struct FrontMatterPage {
    let slug: String
    let reader: MappingReader
    let document: FrontMatterDocument

    static func open(path: String, text: String, kind: String, article: String, needs: String, bag: DiagnosticBag) -> FrontMatterPage? {
        let slug = ProgramLoader.slug(of: path)
        guard RosterLoader.usesIDCharacters(slug) && !slug.hasPrefix("-") else {
            bag.error("\(kind) file names may only use lowercase letters, digits and '-' (they become page addresses)", at: SourceLocation(file: path))
            return nil
        }
        guard let doc = FrontMatterDocument(text) else {
            FrontMatterDocument.reportMissing(text, file: path, what: "\(article) \(kind) file", bag: bag)
            return nil
        }
        let source = YAMLSource(file: path, lineOffset: doc.yamlLineOffset)
        guard let root = YAMLDocument.compose(doc.yaml, source: source, bag: bag) else {
            if !bag.hasErrors { bag.error("the front matter is empty; \(article) \(kind) needs at least \(needs)", at: SourceLocation(file: path)) }
            return nil
        }
        guard let reader = MappingReader(root, source: source, bag: bag, what: "the \(kind)") else { return nil }
        return FrontMatterPage(slug: slug, reader: reader, document: doc)
    }
}
