import ArgumentParser
import ChronicleKit

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List classification changes in a period: what changed, on whose authority, and when the store learnt it.",
        discussion: """
            One row per change to one unit, with the date and its precision, the change in words \
            (promoted, demoted, separated, rejoined, …), its sources, the event id, and the store \
            position and time at which the event was recorded. Corrections and retractions are rows \
            too, next to the events they name. --from and --to take EDTF dates and include the whole \
            of each (--to 2011 runs to the end of 2011).

            Examples:
              chronicle audit --from 1990 --to 2011
              chronicle audit --kind promoted --kind demoted --format csv
              chronicle audit --under kp/north-hamgyong --known-at 2026-11-23
            """)

    @Option(help: ArgumentHelp("Changes dated on or after this date.", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Changes dated up to the end of this date.", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Only changes of this kind (repeat for several): \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
    var kind: [ChangeKind] = []

    @Option(help: ArgumentHelp("Only units below this one (id or name).", valueName: "unit"))
    var under: String?

    @Option(help: ArgumentHelp("Only units of this level before or after the change.", valueName: "level"))
    var level: String?

    @Option(help: "Output format.")
    var format: AuditFormat = .text

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let query = AuditQuery(
                from: try from.map { try parseDate($0).earliest },
                until: try to.map { try parseDate($0).latest },
                kinds: Set(kind),
                under: try under.map { try store.resolve($0) },
                level: level)
            let rows = try AuditRow.audit(query, in: store)
            switch format {
            case .text: print(AuditRow.text(rows), terminator: "")
            case .table: print(AuditRow.table(rows), terminator: "")
            case .csv: print(AuditRow.csv(rows), terminator: "")
            case .json: print(try JSONOutput.encode(rows), terminator: "")
            }
        }
    }
}



enum AuditFormat: String, CaseIterable, ExpressibleByArgument {
    case text, table, csv, json
}

/// Formats for commands that print a list of rows.
enum ListFormat: String, CaseIterable, ExpressibleByArgument {
    case table, csv, json
}
