import ArgumentParser
import ChronicleKit

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the units that began, ended, were renamed, reclassified or re-parented between two days.",
        discussion: "Each row names the events in between that made the difference. Either day may be the earlier.")

    @Argument(help: ArgumentHelp("The first day.", valueName: "date1"), transform: parseDay)
    var first: Day

    @Argument(help: ArgumentHelp("The second day.", valueName: "date2"), transform: parseDay)
    var second: Day

    @Option(help: "Output format.")
    var format: RecordFormat = .text

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let rows = try DiffRow.diff(first, second, in: store)
            switch format {
            case .text: print(DiffRow.table(rows, from: first, to: second), terminator: "")
            case .json: print(try JSONOutput.encode(rows), terminator: "")
            }
        }
    }
}
