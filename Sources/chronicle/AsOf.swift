import ArgumentParser
import ChronicleKit

struct AsOf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "asof",
        abstract: "Print the hierarchy as it stood on a day.",
        discussion: """
            An event applies from the first day its date may denote. A unit whose state on \
            the day depends on an imprecise or disputed date is marked uncertain (? in the \
            tree, "uncertain" in the table, "uncertain": true in JSON) and the event is named.
            """)

    @Argument(help: ArgumentHelp("The day (EDTF: 2004, 2004-06 or 2004-06-01; a year or month means its first day).", valueName: "date"),
              transform: parseDay)
    var date: Day

    @Option(help: ArgumentHelp("Only this unit (id or name) and the units below it.", valueName: "unit"))
    var under: String?

    @Option(help: ArgumentHelp("Only units of this level (a scheme code such as do or si).", valueName: "level"))
    var level: String?

    @Option(help: "Output format.")
    var format: SnapshotFormat = .tree

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            try requireKnownLevels(level.map { [$0] } ?? [], in: store)
            let root = try under.map { try store.resolve($0, on: date) }
            let snapshot = try Snapshot.load(from: store, on: date, under: root, level: level)
            print(try snapshot.rendered(as: format, columns: try Columns(store: store)), terminator: "")
        }
    }
}
