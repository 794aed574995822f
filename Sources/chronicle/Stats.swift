import ArgumentParser
import ChronicleKit

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count the units of each level that existed in each year.",
        discussion: """
            One row per year, counted on 31 December unless --on says otherwise, so that the row \
            for a year shows the map as that year left it. Columns are the levels that occur, most \
            senior first.
            """)

    @Option(help: ArgumentHelp("The first year.", valueName: "year"))
    var from: Int = 1945

    @Option(help: ArgumentHelp("The last year (default: this year).", valueName: "year"))
    var to: Int?

    @Option(help: ArgumentHelp("The day of each year to count, as MM-DD.", valueName: "mm-dd"))
    var on: String = "12-31"

    @Option(help: "Output format.")
    var format: ListFormat = .table

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let (month, day) = try monthDay(on)
            let last = to ?? Day.today.year
            guard from <= last else { throw ValidationError("--from \(from) is after --to \(last).") }
            let store = try storeOptions.open()
            let rows = try YearCount.yearly(from...last, month: month, day: day, in: store)
            let schemes = try store.schemes()
            switch format {
            case .table: print(YearCount.table(rows, schemes: schemes), terminator: "")
            case .csv: print(YearCount.csv(rows, schemes: schemes), terminator: "")
            case .json: print(try JSONOutput.encode(rows), terminator: "")
            }
        }
    }
}
