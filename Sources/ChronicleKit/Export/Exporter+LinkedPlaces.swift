import Foundation

extension Exporter {
    /// The Linked Places Format context (LPF v1.1).
    static let lpfContext = "https://raw.githubusercontent.com/LinkedPasts/linked-places/master/linkedplaces-context-v1.1.jsonld"

    /// A unit's URI in Linked Places output.
    static func uri(_ unit: UnitID) -> String { "urn:chronicle:\(unit)" }

    /// A Linked Places FeatureCollection: a Feature per unit that existed in the years,
    /// with its names, types (levels) and part-of relations, each with its timespans.
    func linkedPlaces(_ years: ClosedRange<Int>) throws -> (JSONValue, Int) {
        let from = Day(year: years.lowerBound, month: 1, day: 1)!, until = Day(year: years.upperBound + 1, month: 1, day: 1)!
        let all = try store.intervals(overlapping: from, until)
        let namer = try Namer(store: store)
        let schemes = try store.schemes()
        let languages = Dictionary(schemes.flatMap(\.nameKeys).map { ($0.key, $0.lang ?? $0.key) }, uniquingKeysWith: { a, _ in a })
        var features: [JSONValue] = []
        for (unit, intervals) in Dictionary(grouping: all, by: \.unit).sorted(by: { $0.key < $1.key }) {
            let ordered = intervals.sorted { $0.validFrom < $1.validFrom }
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
            features.append(.object([
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
            ]))
        }
        return (.object(["type": .string("FeatureCollection"), "@context": .string(Exporter.lpfContext), "features": .array(features)]), features.count)
    }

    static func timespan(_ start: Day, _ end: Day?) -> JSONValue {
        var span: [String: JSONValue] = ["start": .object(["in": .string(start.description)])]
        if let end { span["end"] = .object(["in": .string(end.adding(days: -1).description)]) }
        return .object(span)
    }
}
