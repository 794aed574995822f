import ArgumentParser
import ChronicleKit

struct CrosswalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosswalk",
        abstract: "Say where each unit of one day is on another: same, renamed, merged into, split into, transferred, restored.",
        discussion: """
            For each unit that exists on DATE1, the unit or units on DATE2 that hold its territory, \
            found by composing the events in between (never by comparing two snapshots). --net (the \
            default) gives the composed relation: a merger later undone is "same". --steps lists every \
            step. Split events may carry weights (a share of population or area); the crosswalk carries \
            them and says so where a split has none. DATE2 may be earlier than DATE1; the relations then \
            read backwards (absorbed, split from, received territory from, restored from).

            Examples:
              chronicle crosswalk 2004-01-01 2006-01-01
              chronicle crosswalk 2006 2004 --format csv
              chronicle crosswalk 1929 1951 --steps
            """)

    @Argument(help: ArgumentHelp("The day whose units are mapped.", valueName: "date1"), transform: parseDay)
    var first: Day

    @Argument(help: ArgumentHelp("The day they are mapped to.", valueName: "date2"), transform: parseDay)
    var second: Day

    @Flag(help: "The composed relation for each pair (default), or every step in between.")
    var mode: Mode = .net

    @Flag(help: "In text, show the units that stayed the same too.")
    var all = false

    @Option(help: "Output format.")
    var format: AuditFormat = .text

    @OptionGroup var storeOptions: QueryOptions

    enum Mode: String, EnumerableFlag {
        case net, steps
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let crosswalk = try Crosswalk.compute(first, second, in: store)
            switch format {
            case .text, .table: print(crosswalk.text(steps: mode == .steps, all: all), terminator: "")
            case .csv: print(crosswalk.csv(steps: mode == .steps), terminator: "")
            case .json:
                if mode == .steps {
                    print(try JSONOutput.encode(crosswalk.steps), terminator: "")
                } else {
                    print(try JSONOutput.encode(crosswalk.rows), terminator: "")
                }
            }
        }
    }
}
