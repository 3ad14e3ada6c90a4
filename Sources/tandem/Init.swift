import ArgumentParser
import Foundation
import TandemKit

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a new portal from a program template.",
        discussion: "Writes a complete portal (program, activity guides, an example roster, a README) into DIR, which must be new or empty. 'tandem init --list' shows the templates.")

    @Argument(help: "The folder for the new portal (new or empty).", completion: .directory)
    var directory: String?
    @Option(name: .shortAndLong, help: "The kind of program: \(PortalTemplate.all.map(\.name).joined(separator: ", ")).")
    var template: String = "peer-circles"
    @Flag(help: "List the templates and exit.") var list = false

    func validate() throws {
        if !list && directory == nil { throw ValidationError("name the folder for the new portal, e.g. 'tandem init my-portal --template coffee-roulette'") }
        if PortalTemplate.named(template) == nil {
            throw ValidationError("unknown template '\(template)'; the templates are \(PortalTemplate.all.map(\.name).joined(separator: ", ")) (see 'tandem init --list')")
        }
    }

    func run() throws {
        if list {
            let width = PortalTemplate.all.map(\.name.count).max() ?? 0
            for t in PortalTemplate.all { print(t.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + t.summary) }
            return
        }
        guard let directory, let template = PortalTemplate.named(template) else { return }
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        do {
            let written = try Scaffold.create(template, at: target)
            print("Created a \(template.name) portal in \(directory) (\(written.count) files).")
            print("Next: edit \(directory)/Content/roster.yaml, then 'tandem serve \(directory)' to preview or 'tandem build \(directory)' to publish.")
        } catch {
            var err = FileHandle.standardError
            print("tandem: error: \(error)", to: &err)
            throw ExitCode(1)
        }
    }
}
