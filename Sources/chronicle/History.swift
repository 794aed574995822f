import ArgumentParser
import ChronicleKit

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every event that touched a unit, in date order, with its sources.",
        discussion: "Corrections and retractions are listed beside the events they name; nothing recorded is hidden.")

    @Argument(help: ArgumentHelp("The unit: an id or a name.", valueName: "unit"))
    var unit: String

    @Option(help: "Output format.")
    var format: RecordFormat = .text

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let id = try store.resolve(unit)
            let entries = try HistoryEntry.history(of: id, in: store)
            switch format {
            case .json: print(try JSONOutput.encode(entries), terminator: "")
            case .text:
                let namer = try Namer(store: store)
                let name = try store.intervals(of: id).last.map { namer.name(of: id, $0.state) } ?? id
                print(HistoryEntry.render(entries, unit: id, name: name), terminator: "")
            }
        }
    }
}
