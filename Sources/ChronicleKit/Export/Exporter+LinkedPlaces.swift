import Foundation

extension Exporter {
    /// The Linked Places Format context (LPF v1.1).
    static let lpfContext = "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/linkedplaces-context-v1.1.jsonld"

    /// A unit's URI in Linked Places output.
    static func uri(_ unit: UnitID) -> String { "urn:chronicle:\(unit)" }

    /// A Linked Places FeatureCollection: a Feature per unit that existed in the years,
    /// with its names, types (levels) and part-of relations, each with its timespans; handed to
    /// `emit` a feature at a time, as `JSONOutput` would write the whole collection. Returns the
    /// number of features.
    ///
    /// The states are read a row at a time in unit order, one unit's at a time made into its
    /// feature: the whole collection built as one value before it was encoded took 10.5 GB at a
    /// million events.
    func linkedPlaces(_ years: ClosedRange<Int>, emit: (String) throws -> Void) throws -> Int {
        let from = Day(year: years.lowerBound, month: 1, day: 1)!, until = Day(year: years.upperBound + 1, month: 1, day: 1)!
        let namer = try Namer(store: store)
        let schemes = try store.schemes()
        let languages = Dictionary(schemes.flatMap(\.nameKeys).map { ($0.key, $0.lang ?? $0.key) }, uniquingKeysWith: { a, _ in a })
        let context = try JSONOutput.encode(JSONValue.string(Exporter.lpfContext)).dropLast()
        try emit("{\n  \"@context\" : \(context),\n  \"features\" : [\n")
        var count = 0
        func write(_ unit: UnitID, _ intervals: [UnitInterval]) throws {
            let text = try JSONOutput.encode(feature(unit, intervals, namer: namer, languages: languages))
            // Nested two levels down, as in the whole collection (blank lines stay blank).
            let nested = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
            try emit((count == 0 ? "" : ",\n") + nested)
            count += 1
        }
        try store.read { db in
            // (Unit ids are lower-case ASCII: SQLite's order of them is Swift's.)
            var unit: UnitID?
            var intervals: [UnitInterval] = []
            try EventStore.eachInterval(db, overlapping: from, until) { interval in
                if let current = unit, current != interval.unit {
                    try write(current, intervals)
                    intervals = []
                }
                unit = interval.unit
                intervals.append(interval)
            }
            if let unit { try write(unit, intervals) }
        }
        try emit("\n  ],\n  \"type\" : \"FeatureCollection\"\n}\n")
        return count
    }

    /// One unit's feature, from its states in the years, oldest first.
    func feature(_ unit: UnitID, _ ordered: [UnitInterval], namer: Namer, languages: [String: String]) -> JSONValue {
        let last = ordered.last!
        /// Runs of consecutive intervals that share a value, as LPF timespans.
        func spans(_ value: (UnitInterval) -> String?) -> [(String, JSONValue)] {
            var runs: [(String, Day, Day?)] = []
            for interval in ordered {
                guard let v = value(interval) else { continue }
                if let lastRun = runs.last, lastRun.0 == v, lastRun.2 == interval.validFrom {
                    runs[runs.count - 1].2 = interval.validTo
                } else {
                    runs.append((v, interval.validFrom, interval.validTo))
                }
            }
            return runs.map { run in (run.0, Exporter.timespan(run.1, run.2)) }
        }
        func when(_ timespans: [JSONValue]) -> JSONValue { .object(["timespans": .array(timespans)]) }
        let existence = spans { _ in "exists" }.map(\.1)
        var names: [JSONValue] = []
        for key in Set(ordered.flatMap { $0.state.names.keys }).sorted() {
            for (toponym, span) in spans({ $0.state.names[key] }) {
                names.append(.object(["toponym": .string(toponym), "lang": .string(languages[key] ?? key), "when": when([span])]))
            }
        }
        let types = spans { namer.levelName($0.state.level, of: unit) }.map { label, span in
            JSONValue.object(["label": .string(label), "when": when([span])])
        }
        let relations = spans { $0.state.parent }.map { parent, span in
            JSONValue.object([
                "relationType": .string("gvp:broaderPartitive"),
                "relationTo": .string(Exporter.uri(parent)),
                "label": .string("part of \(parent)"),
                "when": when([span]),
            ])
        }
        let country = unit.split(separator: "/").first.map { $0.uppercased() } ?? unit.uppercased()
        return .object([
            "@id": .string(Exporter.uri(unit)),
            "type": .string("Feature"),
            "properties": .object(["title": .string(namer.name(of: unit, last.state)), "ccodes": .array([.string(country)])]),
            "when": when(existence),
            "names": .array(names),
            "types": .array(types),
            "relations": .array(relations),
            "geometry": last.state.coordinate.map { point in
                .object(["type": .string("Point"), "coordinates": .array([.number(point.lon), .number(point.lat)])])
            } ?? .null,
        ])
    }

    static func timespan(_ start: Day, _ end: Day?) -> JSONValue {
        var span: [String: JSONValue] = ["start": .object(["in": .string(start.description)])]
        if let end { span["end"] = .object(["in": .string(end.adding(days: -1).description)]) }
        return .object(span)
    }
}
