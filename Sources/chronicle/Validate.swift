import ArgumentParser
import ChronicleKit
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the event files against every invariant, without writing anything.",
        discussion: """
            Checks YAML syntax, keys, EDTF dates, unique ids, sources, that every parent exists \
            and is active on the day, that levels sit where the scheme allows, that 'from' matches, \
            that no event touches a unit before it begins or after it ends, and that there are no \
            cycles. Every problem is printed as file:line: error: sentence; exit 65 when any is found.
            """)

    @Option(name: .long, help: ArgumentHelp("The events folder.", valueName: "dir"))
    var events: String?

    func run() throws {
        try reportingErrors(writes: false) {
            let workspace = Workspace(events: events)
            let folder = try EventFolder.load(from: workspace.eventsURL)
            let problems = folder.validate()
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
            print("\(workspace.eventsURL.lastPathComponent)/: \(folder.events.count) events, \(folder.schemes.count) scheme\(folder.schemes.count == 1 ? "" : "s"): no problems found.")
        }
    }
}
