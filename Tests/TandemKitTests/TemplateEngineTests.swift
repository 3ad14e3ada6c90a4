import Foundation
import Mustache
import Testing
@testable import Matching
@testable import TandemKit

/// The compiled renderer must produce exactly what swift-mustache produces.
@Suite struct TemplateEngineTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func reference(_ templates: [String: String]) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates { library.register(try MustacheTemplate(string: text), named: name) }
        return library
    }

    /// Every page of the demo portal, rendered both ways.
    @Test func demoPortalPagesAreIdenticalThroughBothEngines() throws {
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = try #require(Pipeline.model(root: Self.repoRoot, bag: bag, report: &report, now: nil))
        let portal = model.portal
        let theme = Theme.load(portalRoot: Self.repoRoot, bag: bag)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        let compiled = try #require(theme.compiled, "the built-in theme must compile")
        let pages = Pages(model: model)
        var contexts: [(String, ViewObject)] = [("index", pages.index()), ("activities", pages.activitiesIndex()), ("print", pages.print())]
        contexts += portal.activities.map { ("activity", pages.activity($0)) }
        for b in model.programs {
            contexts += [("program", pages.program(b)), ("report", pages.report(b))]
            contexts += b.match.people.indices.map { ("person", pages.person(b, $0)) }
            contexts += b.match.units.indices.map { ("unit", pages.unit(b, $0)) }
            contexts += b.match.pods.indices.map { ("pod", pages.pod(b, $0)) }
        }
        #expect(contexts.count > 100)
        for (template, context) in contexts {
            let clean = Theme.dropEmpty(context.dictionary)
            let fast = compiled.render(template, context).map { String(decoding: $0, as: UTF8.self) }
            let slow = theme.library.render(clean, withTemplate: template)
            #expect(fast == slow, "\(template) differs")
        }
    }

    /// Every message of the demo portal (intros with their calendars, new partners,
    /// reminders, pod reminders, follow-ups), rendered both ways: the text templates are
    /// compiled without escaping, as swift-mustache reads them under the TEXT pragma.
    @Test func demoPortalMessagesAreIdenticalThroughBothEngines() throws {
        let bag = DiagnosticBag()
        var report = BuildReport()
        let model = try #require(Pipeline.model(root: Self.repoRoot, bag: bag, report: &report, now: nil))
        let theme = MessageTheme.load(portalRoot: Self.repoRoot, bag: bag)
        #expect(!bag.hasErrors, "\(bag.sorted())")
        #expect(theme.compiled != nil, "the built-in message theme must compile")
        let pages = Outbox.pages(model)
        var kinds = Set<MessageKind>(), compared = 0
        for b in pages.model.programs {
            let fast = MessageBuilder(pages: pages, b: b, theme: theme).tasks().flatMap { $0() }
            let slow = MessageBuilder(pages: pages, b: b, theme: theme.reference).tasks().flatMap { $0() }
            #expect(fast.count == slow.count)
            for (a, z) in zip(fast, slow) {
                #expect(a.path == z.path && a.subject == z.subject)
                #expect(a.bytes == z.bytes, "\(a.path) differs")
                kinds.insert(a.kind)
                compared += 1
            }
        }
        #expect(compared > 300)
        #expect(kinds.isSuperset(of: [.intro, .newPartner, .reminder, .followUp]), "\(kinds)")
    }

    /// A message template with a partial renders through swift-mustache (whose TEXT pragma a
    /// partial may or may not share), as does everything under TANDEM_TEMPLATE_ENGINE.
    @Test func messageTemplatesWithPartialsOrTheReferenceEngineAreNotCompiled() {
        #expect(MessageTheme.compile(["intro": "Subject: x\n{{name}}", "intro.html": "<p>{{name}}</p>"], engine: nil) != nil)
        #expect(MessageTheme.compile(["intro": "Subject: x\n{{> footer}}", "footer": "{{name}}"], engine: nil) == nil)
        #expect(MessageTheme.compile(["intro": "Subject: x\n{{name}}"], engine: "swift-mustache") == nil)
        let compiled = MessageTheme.compile(["intro": "Subject: {{v}}\n{{v}}", "intro.html": "{{v}}"], engine: nil)
        #expect(compiled?.render("intro", ["v": "<&>"]).map { String(decoding: $0, as: UTF8.self) } == "Subject: <&>\n<&>")
        #expect(compiled?.render("intro.html", ["v": "<&>"]).map { String(decoding: $0, as: UTF8.self) } == "&lt;&amp;&gt;")
    }

    /// Random templates built from every supported construct, in awkward whitespace.
    @Test func randomTemplatesRenderIdentically() throws {
        var rng = SplitMix64(seed: 7)
        let pieces = ["a", " ", "  ", "\t", "\n", "x{", "}", "{{v}}", "{{{v}}}", "{{&v}}", "{{#d.list}}[{{.}}]{{/d.list}}", "{{d.v}}", "{{! note }}",
                      "{{> p}}", "{{>p}}", "{{missing}}", "{{#empty}}E{{/empty}}", "{{^empty}}N{{/empty}}",
                      "{{e}}", "{{#e}}E{{/e}}", "{{^e}}N{{/e}}", "{{d.e}}",
                      // Names of 16 bytes or more are compared as strings, shorter ones by their bits.
                      "{{variableNameOfLength21}}", "{{#variableNameOfLength22}}L{{/variableNameOfLength22}}", "{{d.variableNameOfLength21}}"]
        let context: [String: Any] = [
            "v": "<b>&'\"", "t": true, "f": false, "empty": [Any](), "e": "",
            "variableNameOfLength21": "long", "variableNameOfLength23": "decoy", "variableNameOfLength22": [["v": "in"]] as [[String: Any]],
            "list": [["v": "one"], ["v": "two", "d": ["v": "deep"]]] as [[String: Any]],
            "d": ["v": "dv", "e": "", "list": ["x", "y"], "variableNameOfLength21": "deep long", "variableNameOfLength12": "x"] as [String: Any],
        ]
        var compared = 0
        for _ in 0..<600 {
            func fragment(_ depth: Int) -> String {
                var out = ""
                for _ in 0..<rng.below(7) {
                    switch rng.below(10) {
                    case 0 where depth < 3:
                        let name = ["t", "f", "list", "d", "empty", "v"][rng.below(6)]
                        let open = rng.below(2) == 0 ? "#" : "^"
                        let nl1 = rng.below(2) == 0 ? "\n" : "", nl2 = rng.below(2) == 0 ? "\n" : ""
                        let pad = rng.below(2) == 0 ? "  " : ""
                        out += "\(pad){{\(open)\(name)}}\(nl1)\(fragment(depth + 1))\(pad){{/\(name)}}\(nl2)"
                    default:
                        out += pieces[rng.below(pieces.count)]
                    }
                }
                return out
            }
            let main = fragment(0)
            let partial = "p1\n  {{v}}\n{{#t}}\n  in\n{{/t}}\n"
            let parent = "<{{$b}}default{{/b}}>\n  {{$c}}\n  c\n  {{/c}}\n"
            let child = rng.below(3) == 0 ? "{{<parent}}\n{{$b}}\n\(fragment(1)){{/b}}\n{{/parent}}\n" : main
            let sources = ["main": child, "p": partial, "parent": parent]
            guard let library = try? reference(sources) else { continue }
            guard let compiled = CompiledTheme.compile(sources) else { continue }
            let fast = compiled.render("main", context).map { String(decoding: $0, as: UTF8.self) }
            #expect(fast == library.render(Theme.dropEmpty(context), withTemplate: "main"), "template: \(child.debugDescription)")
            compared += 1
        }
        #expect(compared > 400)
    }

    @Test func unsupportedConstructsFallBackToSwiftMustache() {
        #expect(CompiledTheme.compile(["a": "{{=<% %>=}}<% v %>"]) == nil)
        #expect(CompiledTheme.compile(["a": "line\r\nnext"]) == nil)
        #expect(CompiledTheme.compile(["a": "{{> *dynamic}}"]) == nil)
        #expect(CompiledTheme.compile(["a": "{{#s}}\n{{/s}}"]) != nil)
    }

    @Test func escapingMatchesSwiftMustache() {
        var out: [UInt8] = []
        CompiledTheme.escape("a<b>c&d\"e'f — ü", into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a&lt;b&gt;c&amp;d&quot;e&#39;f — ü")
        // Text is scanned a word (eight bytes) at a time: the five at every offset, in runs
        // that cross word boundaries, next to multi-byte characters.
        var rng = SplitMix64(seed: 11)
        let alphabet = ["a", "<", ">", "&", "\"", "'", "é", "—", " ", "x", "\u{80}", "~"]
        for _ in 0..<3000 {
            let text = (0..<rng.below(41)).map { _ in alphabet[rng.below(alphabet.count)] }.joined()
            let expected = text.map { c -> String in
                switch c {
                case "<": return "&lt;"
                case ">": return "&gt;"
                case "&": return "&amp;"
                case "\"": return "&quot;"
                case "'": return "&#39;"
                default: return String(c)
                }
            }.joined()
            var bytes: [UInt8] = []
            CompiledTheme.escape(text, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == expected, "\(text.debugDescription)")
        }
    }
}
