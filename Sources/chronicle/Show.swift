import ArgumentParser
import ChronicleKit
import Foundation

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one unit as it stood on a day: names, level, parent, codes.",
        discussion: "UNIT is an id (kp/rason) or any name the unit has had, in any script or romanization.")

    @Argument(help: ArgumentHelp("The unit: an id or a name.", valueName: "unit"))
    var unit: String

    @Option(help: ArgumentHelp("The day (default: today).", valueName: "date"), transform: parseDay)
    var asof: Day?

    @Option(help: "Output format.")
    var format: RecordFormat = .text

    @OptionGroup var storeOptions: QueryOptions

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.open()
            let day = asof ?? Day.today
            let id = try store.resolve(unit, on: day)
            guard let interval = try store.state(of: id, on: day) else {
                let spans = try store.intervals(of: id)
                let existed = spans.isEmpty ? "" : " It existed from \(spans.first!.validFrom)" + (spans.last!.validTo.map { " until \($0)" } ?? "") + "."
                throw ChronicleError.notFound("\(id) does not exist on \(day).\(existed)")
            }
            let view = try Namer(store: store).views([interval], on: day)[0]
            switch format {
            case .json: print(try JSONOutput.encode(view), terminator: "")
            case .text: print(ShowText.render(view, on: day), terminator: "")
            }
        }
    }
}

enum ShowText {
    static func render(_ view: UnitView, on day: Day) -> String {
        var rows: [[String]] = [
            ["id", view.id],
            ["name", TextTable.safe(view.name)],
        ]
        for (key, name) in view.names.sorted(by: { $0.key < $1.key }) { rows.append(["  \(key)", TextTable.safe(name)]) }
        rows.append(["level", "\(view.levelName) (\(view.level))"])
        rows.append(["parent", view.parent.map { p in (view.parentName.map { "\(TextTable.safe($0)) " } ?? "") + "(\(p))" } ?? "none"])
        for (system, code) in view.codes.sorted(by: { $0.key < $1.key }) { rows.append(["code \(system)", code]) }
        if let point = view.coordinate { rows.append(["point", "\(point.lat), \(point.lon)"]) }
        for (key, o) in view.observations.sorted(by: { $0.key < $1.key }) {
            rows.append([key, "\(Observation.format(o.value)) (\(o.date), event \(o.event))"])
        }
        rows.append(["since", "\(view.validFrom) (event \(view.event))"])
        if let until = view.validTo { rows.append(["until", until]) }
        rows.append(["uncertain", view.uncertain ? "yes: " + view.uncertainty.map { u in
            "event \(u.event) dated \(u.date)" + (u.alternatives.isEmpty ? "" : ", other sources: \(u.alternatives.joined(separator: ", "))")
        }.joined(separator: "; ") : "no"])
        let width = rows.map { $0[0].count }.max() ?? 0
        return "As of \(day):\n" + rows.map { $0[0].padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0[1] }.joined(separator: "\n") + "\n"
    }
}

extension Day {
    static var today: Day {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        return Day(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}
