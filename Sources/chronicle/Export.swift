import ArgumentParser
import ChronicleKit
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one snapshot per year (CSV, JSON, GeoJSON), an interval table, or Linked Places, with a manifest.",
        discussion: """
            csv, json and geojson write one file per year (YEAR.csv, YEAR.json, YEAR.geojson), as of \
            1 January unless --on says otherwise; intervals writes intervals.csv with a row per unit \
            state; lpf writes places.lpf.json in Linked Places Format. Every export writes index.json: \
            the files, their unit counts, the store position and chain head, and Chronicle's version. \
            Two runs on the same store give byte-identical files.

            Examples:
              chronicle export --from 1945 --to 2025 --format csv --out snapshots
              chronicle export --from 2000 --to 2012 --on 12-31 --format geojson --out geo
              chronicle export --from 1945 --to 2025 --format lpf --out lpf
            """)

    @Option(help: ArgumentHelp("The first year.", valueName: "year"))
    var from: Int

    @Option(help: ArgumentHelp("The last year.", valueName: "year"))
    var to: Int

    @Option(help: ArgumentHelp("The day of each year, as MM-DD.", valueName: "mm-dd"))
    var on: String = "01-01"

    @Option(help: "File format.")
    var format: ExportFormat

    @Option(help: ArgumentHelp("The folder to write into (created when missing).", valueName: "dir"))
    var out: String

    @OptionGroup var storeOptions: QueryOptions

    func validate() throws {
        guard from <= to else { throw ValidationError("--from \(from) is after --to \(to).") }
        guard (1...9999).contains(from), (1...9999).contains(to) else { throw ValidationError("Years run from 1 to 9999.") }
        _ = try monthDay(on)
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let (month, day) = try monthDay(on)
            let folder = URL(fileURLWithPath: out)
            let showProgress = isatty(STDERR_FILENO) == 1
            let manifest = try Exporter(store: store).export(
                years: from...to, month: month, day: day, format: format, to: folder
            ) { done, total in
                guard showProgress else { return }
                FileHandle.standardError.write(Data("\rchronicle: exported \(done) of \(total)\(done == total ? "\n" : "")".utf8))
            }
            let units = manifest.files.map(\.units).reduce(0, +)
            print("Wrote \(manifest.files.count) file\(manifest.files.count == 1 ? "" : "s") (\(units) unit rows) and index.json to \(out).")
        }
    }
}

/// Parses MM-DD.
func monthDay(_ text: String) throws -> (Int, Int) {
    let parts = text.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 2, (1...12).contains(parts[0]), (1...31).contains(parts[1]) else {
        throw ValidationError("--on takes a month and day as MM-DD, such as 01-01 or 12-31; '\(text)' is not one.")
    }
    return (parts[0], parts[1])
}


