public import Foundation

/// A reproducible synthetic history for benchmarks and scale tests: a four-tier
/// hierarchy (country, regions, districts, towns) over a span of years with a mix of event
/// kinds (established, changed, merged, split, restored, territory-transferred, observed,
/// corrected; not abolished or retracted), valid by construction: the generator keeps the
/// state it writes, and every rename gives a name no unit had before.
public struct SyntheticHistory {
    public var scheme: Scheme
    public var events: [Event]

    /// Generates about `eventCount` events.
    ///
    /// - Parameters:
    ///   - eventCount: The number of events wanted (the result has at least this many).
    ///   - seed: The random seed; the same seed gives the same history.
    ///   - years: The span of years the changes fall in.
    public init(eventCount: Int, seed: UInt64 = 1, years: ClosedRange<Int> = 1900...2020) {
        var rng = SplitMix(state: seed)
        let country = "sx"
        scheme = Scheme(
            country: country,
            nameKeys: [.init(key: "en", label: "English", common: true), .init(key: "local", label: "Local")],
            levels: [
                .init(code: "country", rank: 100, under: [], names: ["en": "country"]),
                .init(code: "region", rank: 80, under: ["country"], names: ["en": "region"]),
                .init(code: "district", rank: 50, under: ["region"], names: ["en": "district"]),
                .init(code: "town", rank: 20, under: ["district"], names: ["en": "town"]),
            ])
        let source = [Source(title: "Synthetic history", url: "https://example.org/synthetic")]
        // A tenth of the events establish units; the rest change them.
        let unitCount = max(20, eventCount / 10)
        let regions = max(2, unitCount / 400)
        let districts = max(4, unitCount / 20)
        let towns = max(8, unitCount - regions - districts - 1)
        var events: [Event] = []
        let start = EDTFDate(day: Day(year: years.lowerBound, month: 1, day: 1)!)
        func establish(_ id: UnitID, _ name: String, _ level: String, _ parent: UnitID?, date: EDTFDate = start, baseline: Bool = true) {
            events.append(Event(id: "e\(events.count)", date: date, sources: source,
                                action: .established(.init(unit: id, names: ["en": name, "local": name.uppercased()], level: level,
                                                           parent: parent, baseline: baseline))))
        }
        establish(country, "Synthetica", "country", nil)
        var parentOf: [UnitID: UnitID] = [:]
        var active: [String: [UnitID]] = ["region": [], "district": [], "town": []]
        for r in 0..<regions { establish("\(country)/r\(r)", "Region \(r)", "region", country); active["region"]!.append("\(country)/r\(r)") }
        for d in 0..<districts {
            let parent = active["region"]![d % regions]
            establish("\(country)/d\(d)", "District \(d)", "district", parent)
            parentOf["\(country)/d\(d)"] = parent
            active["district"]!.append("\(country)/d\(d)")
        }
        for t in 0..<towns {
            let parent = active["district"]![Int(rng.next() % UInt64(districts))]
            establish("\(country)/t\(t)", "Town \(t)", "town", parent)
            parentOf["\(country)/t\(t)"] = parent
            active["town"]!.append("\(country)/t\(t)")
        }
        var children: [UnitID: Set<UnitID>] = [:]
        for (child, parent) in parentOf { children[parent, default: []].insert(child) }
        var merged: [(unit: UnitID, into: UnitID, parent: UnitID)] = []
        var next = districts
        let changeCount = max(0, eventCount - events.count)
        let span = Day(year: years.upperBound, month: 12, day: 31)!.ordinal - Day(year: years.lowerBound + 1, month: 1, day: 1)!.ordinal
        let firstDay = Day(year: years.lowerBound + 1, month: 1, day: 1)!.ordinal
        var renamed: [String] = []
        for i in 0..<changeCount {
            let day = Day(ordinal: firstDay + span * i / max(1, changeCount))
            let date = EDTFDate(day: day)
            let roll = rng.next() % 100
            let id = "e\(events.count)"
            func pick(_ level: String) -> UnitID { active[level]![Int(rng.next() % UInt64(active[level]!.count))] }
            func rename() {
                let unit = pick("town")
                events.append(Event(id: id, date: date, sources: source, action: .changed(unit: unit, to: .init(names: ["en": "Renamed town \(i)"]))))
                renamed.append(id)
            }
            switch roll {
            case 0..<45:
                rename()
            case 45..<75:
                let unit = pick("town"), target = pick("district")
                guard parentOf[unit] != target else { rename(); continue }
                events.append(Event(id: id, date: date, sources: source, from: .init(parent: parentOf[unit]),
                                    action: .changed(unit: unit, to: .init(parent: target))))
                children[parentOf[unit]!]?.remove(unit)
                children[target, default: []].insert(unit)
                parentOf[unit] = target
            case 75..<82:
                let unit = pick("district")
                events.append(Event(id: id, date: date, sources: source,
                                    action: .observed(unit: unit, values: ["population": Double(1000 + rng.next() % 100_000)])))
            case 82..<88 where active["district"]!.count > 4:
                let unit = pick("district"), into = pick("district")
                guard unit != into else { rename(); continue }
                events.append(Event(id: id, date: date, sources: source, action: .merged(unit: unit, into: into, children: [:])))
                for child in children[unit] ?? [] { parentOf[child] = into; children[into, default: []].insert(child) }
                children[unit] = []
                active["district"]!.removeAll { $0 == unit }
                merged.append((unit, into, parentOf[unit]!))
            case 88..<92 where !merged.isEmpty:
                let (unit, _, parent) = merged.removeFirst()
                events.append(Event(id: id, date: date, sources: source, action: .restored(unit: unit, to: .init(parent: parent))))
                active["district"]!.append(unit)
            case 92..<95:
                let unit = pick("district")
                let a = "\(country)/d\(next)", b = "\(country)/d\(next + 1)"
                next += 2
                let region = parentOf[unit]!
                establish(a, "District \(next - 2)", "district", region, date: date, baseline: false)
                establish(b, "District \(next - 1)", "district", region, date: date, baseline: false)
                let moving = (children[unit] ?? []).sorted()
                var map: [UnitID: UnitID] = [:]
                for (k, child) in moving.enumerated() { map[child] = k % 2 == 0 ? a : b; parentOf[child] = map[child] }
                for (child, to) in map { children[to, default: []].insert(child) }
                children[unit] = []
                events.append(Event(id: "e\(events.count)", date: date, sources: source,
                                    action: .split(unit: unit, into: [a, b], weights: [a: 0.5, b: 0.5], children: map)))
                parentOf[a] = region
                parentOf[b] = region
                active["district"]!.removeAll { $0 == unit }
                active["district"]! += [a, b]
                merged.removeAll { $0.into == unit || $0.unit == unit }
            case 95..<97:
                let a = pick("district"), b = pick("district")
                guard a != b else { rename(); continue }
                events.append(Event(id: id, date: date, sources: source,
                                    action: .territoryTransferred(unit: a, recipient: b, area: "fields \(i)")))
            case 97..<99 where !renamed.isEmpty:
                let target = renamed[Int(rng.next() % UInt64(renamed.count))]
                events.append(Event(id: id, date: date, sources: source,
                                    action: .corrected(target: target, set: ["note": .string("Checked against the register, \(i).")])))
            default:
                let unit = pick("town")
                events.append(Event(id: id, date: date, alternatives: [.init(date: EDTFDate(day: day.adding(days: 200)), sources: source)],
                                    sources: source, action: .changed(unit: unit, to: .init(names: ["local": "RENAMED TOWN \(i)"]))))
            }
        }
        self.events = events
    }

    /// The events as a folder read from files, for the store API.
    public var folder: EventFolder {
        EventFolder(schemes: [scheme], events: events.enumerated().map { index, event in
            LocatedEvent(event: event, location: SourceLocation(file: "Events/sx/\(String(format: "%04d", index / 1000)).yaml", line: 1 + index % 1000))
        })
    }

    /// Writes the history as event files, `perFile` events each, under `folder/sx/`.
    public func write(to folder: URL, perFile: Int = 1000) throws {
        let directory = folder.appendingPathComponent(scheme.country)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try Data(String(decoding: try encoder.encode(scheme), as: UTF8.self).utf8).write(to: directory.appendingPathComponent("scheme.yaml"))
        for start in stride(from: 0, to: events.count, by: perFile) {
            // JSON is YAML: one flow mapping per event keeps the writer simple and fast.
            let lines = try events[start..<min(events.count, start + perFile)].map { "- " + String(decoding: try encoder.encode($0), as: UTF8.self) }
            try Data((lines.joined(separator: "\n") + "\n").utf8)
                .write(to: directory.appendingPathComponent(String(format: "%04d.yaml", start / perFile)))
        }
    }
}

/// SplitMix64: a small, fast, seedable generator.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
