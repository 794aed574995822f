import ArgumentParser
import ChronicleKit
import Foundation

struct Site: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a static HTML site that works offline: a page per year, a page per unit, and a search box.",
        discussion: """
            Open index.html in a browser straight from the file system; no server is needed. Each \
            year's page shows the hierarchy as it stood on 31 December of that year; each unit's \
            page shows its names, states, history with sources, and its timeline.

            Example:
              chronicle site --out site && open site/index.html
            """)

    @Option(help: ArgumentHelp("The folder to write into (created when missing).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("The first year with a page (default: the earliest recorded).", valueName: "year"))
    var from: Int?

    @Option(help: ArgumentHelp("The last year with a page (default: this year).", valueName: "year"))
    var to: Int?

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let first = try from ?? store.firstDay()?.year ?? Day.today.year
            let last = to ?? Day.today.year
            guard first <= last else { throw ValidationError("--from \(first) is after --to \(last).") }
            let showProgress = isatty(STDERR_FILENO) == 1
            let pages = try SiteGenerator(store: store).write(years: first...last, to: URL(fileURLWithPath: out)) { done, total in
                guard showProgress, done % 20 == 0 || done == total else { return }
                FileHandle.standardError.write(Data("\rchronicle: wrote \(done) of \(total) pages\(done == total ? "\n" : "")".utf8))
            }
            print("Wrote \(pages) pages to \(out); open \(out)/index.html.")
        }
    }
}
