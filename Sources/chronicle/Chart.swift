import ArgumentParser
import ChronicleKit
import Foundation

struct Chart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw an SVG timeline: a row per unit, spans coloured by level, parent changes and events marked.",
        discussion: """
            Each span is coloured by the unit's level (the legend comes from the scheme); a black \
            triangle marks a change of parent; a circle marks each event, and its hover text gives \
            the date, the change in words and the sources; hatching marks the time during which the \
            state depends on an imprecise or disputed date.

            Examples:
              chronicle chart Rason Nampo Kaesong --from 1945 --out cities.svg
              chronicle chart --under kp --depth 1 --from 1945 --out first-level.svg
              chronicle chart --level teukbyeolsi --level chikhalsi --out special.svg
            """)

    @Argument(help: ArgumentHelp("Units to draw (ids or names).", valueName: "unit"))
    var units: [String] = []

    @Option(help: ArgumentHelp("Draw the units that sat under this one.", valueName: "unit"))
    var under: String?

    @Option(help: ArgumentHelp("With --under: how many levels down (1: direct children).", valueName: "n"))
    var depth: Int?

    @Option(help: ArgumentHelp("Draw the units that had this level (repeat for several).", valueName: "level"))
    var level: [String] = []

    @Option(help: ArgumentHelp("The first year (default: the earliest recorded).", valueName: "year"))
    var from: Int?

    @Option(help: ArgumentHelp("The last year (default: this year).", valueName: "year"))
    var to: Int?

    @Option(help: ArgumentHelp("The SVG file to write.", valueName: "file.svg"))
    var out: String

    @OptionGroup var storeOptions: QueryOptions

    func validate() throws {
        guard !units.isEmpty || under != nil || !level.isEmpty else {
            throw ValidationError("Name the units to draw, or choose them with --under or --level.")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            try requireKnownLevels(level, in: store)
            let first = Day(year: try from ?? store.firstDay()?.year ?? 1900, month: 1, day: 1)!
            let until = Day(year: (to ?? Day.today.year) + 1, month: 1, day: 1)!
            guard first < until else { throw ValidationError("--from is after --to.") }
            var chosen = try units.map { try store.resolve($0) }
            if under != nil || !level.isEmpty {
                let root = try under.map { try store.resolve($0) }
                chosen += try TimelineChart.select(under: root, depth: depth, levels: level, from: first, until: until, store: store)
                    .filter { !chosen.contains($0) }
            }
            guard !chosen.isEmpty else { throw ChronicleError.notFound("No unit matches; nothing to draw.") }
            let chart = try TimelineChart.load(units: chosen, from: first, until: until, store: store)
            let title = "Chronicle timeline, \(first.year)–\(until.adding(days: -1).year)"
            do {
                try Data(chart.svg(title: title).utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw ChronicleError.store("Cannot write \(out): \(error.localizedDescription)")
            }
            print("Wrote \(out): \(chosen.count) row\(chosen.count == 1 ? "" : "s").")
        }
    }
}
