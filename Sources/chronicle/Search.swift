import ArgumentParser
import ChronicleKit

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find units by any name they have had, in any script or romanization.",
        discussion: """
            Case, diacritics, apostrophes, hyphens and spaces do not count: Hamheung, Hamhŭng, \
            hamhung and 함흥 all find Hamhung. Past names count too (Rajin-Sonbong finds Rason). \
            Exact matches come first, then names that contain the text.
            """)

    @Argument(help: ArgumentHelp("A name, or part of one.", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("Only units that exist on this day, shown as they were then.", valueName: "date"), transform: parseDay)
    var asof: Day?

    @Option(help: "Output format.")
    var format: RecordFormat = .text

    @OptionGroup var storeOptions: StoreOptions

    struct Hit: Encodable {
        var id: String
        var matched: String
        var matchedKey: String
        var exact: Bool
        var former: Bool
        var unit: UnitView?
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let matches = try store.search(name, on: asof)
            let namer = try Namer(store: store)
            let hits = try matches.map { match in
                let interval = try asof.map { try store.state(of: match.unit, on: $0) } ?? store.intervals(of: match.unit).last
                let day = asof ?? interval?.validFrom ?? Day(ordinal: 0)
                let view = try interval.map { try namer.views([$0], on: day)[0] }
                return Hit(id: match.unit, matched: match.name, matchedKey: match.key, exact: match.exact, former: match.former, unit: view)
            }
            switch format {
            case .json: print(try JSONOutput.encode(hits), terminator: "")
            case .text:
                guard !hits.isEmpty else {
                    throw ChronicleError.notFound("No unit has a name matching '\(name)'" + (asof.map { " on \($0)" } ?? "") + ".")
                }
                let rows = hits.map { hit in
                    [hit.id, TextTable.safe(hit.unit?.name ?? hit.id), hit.unit?.levelName ?? "",
                     TextTable.safe(hit.matched) + " (\(hit.matchedKey)\(hit.former ? ", former" : ""))",
                     hit.unit.map { $0.validTo.map { "until \($0)" } ?? "since \($0.validFrom)" } ?? ""]
                }
                print(TextTable.render(header: ["ID", "NAME", "LEVEL", "MATCHED", "STATE"], rows: rows), terminator: "")
            }
        }
    }
}
