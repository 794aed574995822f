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

    @Option(help: ArgumentHelp("The first year (default: the year of the earliest state recorded).", valueName: "year"))
    var from: Int?

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
            let store = try storeOptions.open()
            let last = to ?? Day.today.year
            let first = try from ?? store.firstDay()?.year ?? last
            guard first <= last else { throw ValidationError("--from \(first) is after --to \(last).") }
            let rows = try YearCount.yearly(first...last, month: month, day: day, in: store)
            let schemes = try store.schemes()
            switch format {
            case .table: print(YearCount.table(rows, schemes: schemes), terminator: "")
            case .csv: print(YearCount.csv(rows, schemes: schemes), terminator: "")
            case .json: print(try JSONOutput.encode(rows), terminator: "")
            }
        }
    }
}
