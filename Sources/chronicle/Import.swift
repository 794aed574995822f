import ArgumentParser
import ChronicleKit
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the events of the event files that the store does not have yet.",
        discussion: """
            Importing is idempotent: an event already recorded with the same content is skipped. \
            An event edited or removed after it was recorded is refused: write a corrected or \
            retracted event, or pass --rebuild to discard the recorded history. Every event is \
            checked first; when any check fails, nothing is written (exit 65). A million events \
            take a minute or two; on a terminal, the progress is shown on stderr.
            """)

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try reportingErrors {
            let sync = try storeOptions.sync()
            let r = sync.report
            print("\(sync.created ? "Built" : "Updated") \(storeOptions.relative(storeOptions.workspace.storeURL.path)): "
                + "\(r.added) event\(r.added == 1 ? "" : "s") recorded, \(r.unchanged) already there; store position \(r.position).")
        }
    }
}
