import Foundation

/// An SVG timeline: one row per unit, years along the x axis, each span coloured by
/// level (with a legend from the scheme), parent changes marked, an event marker per
/// change whose hover text gives the date, the change and its sources, and spans that
/// depend on an imprecise or disputed date hatched.
public struct TimelineChart {
    public struct Row: Sendable {
        public var unit: UnitID
        public var label: String
        public var intervals: [UnitInterval]
        public var uncertain: [Uncertainty]
        public var events: [HistoryEntry]
        public var eventDays: [String: Day]
    }

    public var rows: [Row]
    public var from: Day
    public var until: Day
    public var levels: [Scheme.Level]
    /// The name key of the common form (from the scheme).
    public var commonKey: String = "en"
    /// Where unit labels link to (for the site); `nil` for plain labels.
    public var link: (@Sendable (UnitID) -> String)?

    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                          "#9c755f", "#bab0ac", "#1b9e77", "#7570b3", "#d95f02", "#66a61e"]

    /// The units that sat under `root` (down to `depth` levels) or had one of `levels` at some
    /// time in the span, ordered by when they first appear, then by name.
    public static func select(under root: UnitID?, depth: Int?, levels: [String], from: Day, until: Day,
                              store: EventStore) throws(ChronicleError) -> [UnitID] {
        let intervals = try store.intervals(overlapping: from, until)
        var chosen = Set<UnitID>()
        if let root {
            let byDay = Dictionary(grouping: intervals, by: \.unit)
            for (unit, spans) in byDay where unit != root {
                for span in spans {
                    var cursor = span.state.parent
                    var steps = 1
                    let probe = max(span.validFrom, from)
                    while let current = cursor, steps <= (depth ?? 64) {
                        if current == root { chosen.insert(unit); break }
                        cursor = try store.state(of: current, on: probe)?.state.parent
                        steps += 1
                    }
                }
            }
        }
        if !levels.isEmpty {
            for interval in intervals where levels.contains(interval.state.level) { chosen.insert(interval.unit) }
        }
        let first = Dictionary(intervals.map { ($0.unit, $0.validFrom) }, uniquingKeysWith: min)
        let namer = try Namer(store: store)
        let names = Dictionary(intervals.map { ($0.unit, namer.name(of: $0.unit, $0.state)) }, uniquingKeysWith: { _, b in b })
        return chosen.sorted { (max(first[$0]!, from), names[$0] ?? $0) < (max(first[$1]!, from), names[$1] ?? $1) }
    }

    /// Gathers the rows for units from the store.
    public static func load(units: [UnitID], from: Day, until: Day, store: EventStore) throws(ChronicleError) -> TimelineChart {
        let namer = try Namer(store: store)
        var rows: [Row] = []
        for unit in units {
            rows.append(try row(unit, intervals: try store.intervals(of: unit), history: try HistoryEntry.history(of: unit, in: store),
                                namer: namer, store: store))
        }
        return TimelineChart(rows: rows, from: from, until: until, schemes: try store.schemes())
    }

    /// One unit's row, from its intervals and history as the caller has them (a unit's page
    /// in the site has both already).
    static func row(_ unit: UnitID, intervals: [UnitInterval], history: [HistoryEntry], namer: Namer, store: EventStore) throws(ChronicleError) -> Row {
        let name = intervals.last.map { namer.name(of: unit, $0.state) } ?? unit
        let events = history.filter { $0.retractedBy == nil }
        var days: [String: Day] = [:]
        for entry in events { days[entry.id] = (try? EDTFDate(entry.date).earliest) }
        return Row(unit: unit, label: name, intervals: intervals, uncertain: try store.uncertainties(of: unit), events: events, eventDays: days)
    }

    /// Runs of consecutive intervals with the same level and parent: a rename alone does not start a new span.
    static func statuses(_ intervals: [UnitInterval], key: String = "en") -> [(from: Day, to: Day?, level: String, parent: UnitID?, names: [String])] {
        var runs: [(from: Day, to: Day?, level: String, parent: UnitID?, names: [String])] = []
        for interval in intervals {
            let name = interval.state.names[key] ?? interval.state.names.values.sorted().first ?? interval.unit
            if let last = runs.last, last.to == interval.validFrom, last.level == interval.state.level, last.parent == interval.state.parent {
                runs[runs.count - 1].to = interval.validTo
                if !runs[runs.count - 1].names.contains(name) { runs[runs.count - 1].names.append(name) }
            } else {
                runs.append((interval.validFrom, interval.validTo, interval.state.level, interval.state.parent, [name]))
            }
        }
        return runs
    }

    func color(_ level: String) -> String {
        let index = levels.firstIndex { $0.code == level } ?? 0
        return TimelineChart.palette[index % TimelineChart.palette.count]
    }

    /// The SVG document.
    public func svg(title: String) -> String {
        let labelWidth = 300.0, plotWidth = 900.0, rowHeight = 22.0, top = 56.0
        let usedLevels = levels.filter { level in rows.contains { $0.intervals.contains { $0.state.level == level.code } } }
        let legendRows = Double((usedLevels.count + 1 + 3) / 4)
        let height = top + Double(rows.count) * rowHeight + 40 + legendRows * 20
        let width = labelWidth + plotWidth + 20
        let span = Double(until.ordinal - from.ordinal)
        func x(_ day: Day) -> Double {
            labelWidth + plotWidth * Double(min(max(day.ordinal, from.ordinal), until.ordinal) - from.ordinal) / max(span, 1)
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(width))" height="\(f(height))" viewBox="0 0 \(f(width)) \(f(height))" font-family="sans-serif" font-size="12">
            <title>\(Markup.escape(title))</title>
            <defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="white" fill-opacity="0.25"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="2" stroke-opacity="0.45"/></pattern></defs>
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="15" font-weight="bold">\(Markup.escape(title))</text>

            """
        // Year grid.
        let firstYear = from.year, lastYear = until.adding(days: -1).year
        let step = lastYear - firstYear > 60 ? 10 : lastYear - firstYear > 20 ? 5 : 1
        var year = (firstYear + step - 1) / step * step
        while year <= lastYear {
            let gx = x(Day(year: year, month: 1, day: 1)!)
            out += "<line x1=\"\(f(gx))\" y1=\"\(f(top - 8))\" x2=\"\(f(gx))\" y2=\"\(f(top + Double(rows.count) * rowHeight))\" stroke=\"#ddd\"/>"
            out += "<text x=\"\(f(gx))\" y=\"\(f(top - 12))\" text-anchor=\"middle\" fill=\"#555\">\(year)</text>\n"
            year += step
        }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            let short = row.label.count > 24 ? String(row.label.prefix(23)) + "…" : row.label
            let label = Markup.escape(short) + " <tspan fill=\"#777\">\(Markup.escape(row.unit.count > 22 ? String(row.unit.prefix(21)) + "…" : row.unit))</tspan>"
            if let link {
                out += "<a href=\"\(Markup.escape(link(row.unit)))\"><text x=\"10\" y=\"\(f(y + 15))\">\(label)</text></a>\n"
            } else {
                out += "<text x=\"10\" y=\"\(f(y + 15))\">\(label)</text>\n"
            }
            out += "<g class=\"row\" data-unit=\"\(Markup.escape(row.unit))\">\n"
            for status in TimelineChart.statuses(row.intervals, key: commonKey) {
                let start = status.from, end = status.to ?? until
                guard end > from, start < until else { continue }
                let levelName = levels.first { $0.code == status.level }.flatMap { $0.names[commonKey] ?? $0.names["en"] } ?? status.level
                let hover = "\(status.names.joined(separator: ", then ")): \(levelName) under \(status.parent ?? "none"), \(start) to \(status.to?.description ?? "now")"
                out += "<rect class=\"span\" x=\"\(f(x(start)))\" y=\"\(f(y + 4))\" width=\"\(f(max(1, x(end) - x(start))))\" height=\"14\" fill=\"\(color(status.level))\"><title>\(Markup.escape(hover))</title></rect>\n"
            }
            for u in row.uncertain where u.to > from && u.from < until {
                out += "<rect class=\"uncertain\" x=\"\(f(x(u.from)))\" y=\"\(f(y + 4))\" width=\"\(f(max(2, x(u.to) - x(u.from))))\" height=\"14\" fill=\"url(#hatch)\"><title>\(Markup.escape("uncertain \(u.from) to \(u.to): event \(u.event)"))</title></rect>\n"
            }
            for (a, b) in zip(row.intervals, row.intervals.dropFirst()) where a.state.parent != b.state.parent && a.validTo == b.validFrom {
                guard b.validFrom >= from && b.validFrom < until else { continue }
                let px = x(b.validFrom)
                out += "<path class=\"parent-change\" d=\"M\(f(px - 4)) \(f(y + 1)) L\(f(px + 4)) \(f(y + 1)) L\(f(px)) \(f(y + 7)) Z\" fill=\"#222\"><title>\(Markup.escape("\(b.validFrom): parent \(a.state.parent ?? "none") → \(b.state.parent ?? "none")"))</title></path>\n"
            }
            for entry in row.events {
                guard let day = row.eventDays[entry.id], day >= from, day < until else { continue }
                let sources = entry.sources.map(\.citation).joined(separator: "; ")
                out += "<circle class=\"event\" cx=\"\(f(x(day)))\" cy=\"\(f(y + 11))\" r=\"3.5\" fill=\"white\" stroke=\"#222\"><title>\(Markup.escape("\(entry.date): \(entry.description) — sources: \(sources)"))</title></circle>\n"
            }
            out += "</g>\n"
        }
        // Legend.
        let legendTop = top + Double(rows.count) * rowHeight + 24
        for (index, level) in usedLevels.enumerated() {
            let lx = 10 + Double(index % 4) * 280, ly = legendTop + Double(index / 4) * 20
            out += "<rect x=\"\(f(lx))\" y=\"\(f(ly - 10))\" width=\"14\" height=\"12\" fill=\"\(color(level.code))\"/>"
            out += "<text x=\"\(f(lx + 20))\" y=\"\(f(ly))\">\(Markup.escape(level.names[commonKey] ?? level.names["en"] ?? level.code)) (\(Markup.escape(level.code)))</text>\n"
        }
        let hx = 10 + Double(usedLevels.count % 4) * 280, hy = legendTop + Double(usedLevels.count / 4) * 20
        out += "<rect x=\"\(f(hx))\" y=\"\(f(hy - 10))\" width=\"14\" height=\"12\" fill=\"url(#hatch)\" stroke=\"#999\"/><text x=\"\(f(hx + 20))\" y=\"\(f(hy))\">uncertain or disputed date</text>\n"
        out += "</svg>\n"
        return out
    }
}

extension TimelineChart {
    /// A chart of rows already made, with the levels and common name key of `schemes`.
    init(rows: [Row], from: Day, until: Day, schemes: [Scheme]) {
        self.init(rows: rows, from: from, until: until, levels: schemes.flatMap(\.levels),
                  commonKey: schemes.first?.commonNameKey ?? "en", link: nil)
    }
}
