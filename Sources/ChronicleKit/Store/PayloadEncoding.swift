/// Writing an event's canonical payload without `JSONEncoder`.
///
/// Every import writes each new event's payload and sources, and compares every event of the
/// files with what the store holds, so this runs once per event per import. The text must be
/// byte for byte what `Canonical.json` (JSONEncoder, sorted keys, slashes unescaped) writes:
/// stores recorded before it compare payloads as text. A property test checks the two agree.
enum CanonicalWriter {
    /// Sorted keys, as JSONEncoder's `.sortedKeys` orders them.
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func number(_ value: Double) -> String { JSONText.number(value) }

    struct Object {
        var members: [(String, String)] = []

        mutating func add(_ key: String, _ json: String) { members.append((key, json)) }
        mutating func add(_ key: String, string: String?) { if let string { members.append((key, JSONText.string(string))) } }

        /// Written into one buffer of the final size (an import writes every new event's payload:
        /// a string made per member and joined was a third of the import's worker thread).
        var json: String {
            let sorted = members.sorted { CanonicalWriter.keyOrder($0.0, $1.0) }
            var out = JSONBytes(capacity: sorted.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 })
            out.raw("{")
            for (index, (key, json)) in sorted.enumerated() {
                if index > 0 { out.raw(",") }
                out.string(key)
                out.raw(":")
                out.bytes.append(contentsOf: json.utf8)
            }
            out.raw("}")
            return String(decoding: out.bytes, as: UTF8.self)
        }
    }

    static func object(_ values: [String: String]) -> String { JSONText.object(values) }

    static func array(_ values: [String]) -> String { "[" + values.joined(separator: ",") + "]" }

    static func source(_ source: Source) -> String {
        var o = Object()
        o.add("note", string: source.note)
        o.add("seed", string: source.seed)
        o.add("title", string: source.title)
        o.add("url", string: source.url)
        return o.json
    }

    static func sources(_ sources: [Source]) -> String { array(sources.map(source)) }

    static func coordinate(_ c: Coordinate) -> String {
        "{\"lat\":" + number(c.lat) + ",\"lon\":" + number(c.lon) + "}"
    }

    static func change(_ change: Event.Change) -> String {
        var o = Object()
        if let names = change.names { o.add("names", object(names)) }
        o.add("level", string: change.level)
        o.add("parent", string: change.parent)
        if let codes = change.codes {
            var c = Object()
            for (key, value) in codes { c.add(key, value.map(JSONText.string) ?? "null") }
            o.add("codes", c.json)
        }
        if let coordinate = change.coordinate { o.add("coordinate", self.coordinate(coordinate)) }
        return o.json
    }

    static func value(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): JSONText.string(s)
        case .number(let n): number(n)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .array(let values): array(values.map(self.value))
        case .object(let values):
            {
                var o = Object()
                for (key, v) in values { o.add(key, self.value(v)) }
                return o.json
            }()
        }
    }

    /// The event's canonical payload.
    ///
    /// - Parameter sources: `sources(event.sources)`, when the caller has it already.
    static func event(_ event: Event, sources written: String? = nil) -> String {
        var o = Object()
        o.add("id", JSONText.string(event.id))
        o.add("type", JSONText.string(event.type))
        o.add("date", JSONText.string(event.date.text))
        if !event.alternatives.isEmpty {
            o.add("alternatives", array(event.alternatives.map { alternative in
                var a = Object()
                a.add("date", JSONText.string(alternative.date.text))
                a.add("sources", sources(alternative.sources))
                a.add("note", string: alternative.note)
                return a.json
            }))
        }
        o.add("sources", written ?? sources(event.sources))
        o.add("note", string: event.note)
        if let from = event.from {
            var f = Object()
            f.add("level", string: from.level)
            f.add("parent", string: from.parent)
            f.add("name", string: from.name)
            o.add("from", f.json)
        }
        func children(_ map: [UnitID: UnitID]) { if !map.isEmpty { o.add("children", object(map)) } }
        switch event.action {
        case .established(let e):
            o.add("unit", JSONText.string(e.unit))
            o.add("names", object(e.names))
            o.add("level", JSONText.string(e.level))
            o.add("parent", string: e.parent)
            if !e.codes.isEmpty { o.add("codes", object(e.codes)) }
            if let coordinate = e.coordinate { o.add("coordinate", self.coordinate(coordinate)) }
            if e.baseline { o.add("baseline", "true") }
        case .changed(let unit, let to), .restored(let unit, let to):
            o.add("unit", JSONText.string(unit))
            o.add("to", change(to))
        case .merged(let unit, let into, let map):
            o.add("unit", JSONText.string(unit))
            o.add("into", JSONText.string(into))
            children(map)
        case .split(let unit, let into, let weights, let map):
            o.add("unit", JSONText.string(unit))
            o.add("into", array(into.map(JSONText.string)))
            if !weights.isEmpty {
                var w = Object()
                for (key, weight) in weights { w.add(key, number(weight)) }
                o.add("weights", w.json)
            }
            children(map)
        case .territoryTransferred(let unit, let recipient, let area):
            o.add("unit", JSONText.string(unit))
            o.add("recipient", JSONText.string(recipient))
            o.add("area", string: area)
        case .abolished(let unit, let map):
            o.add("unit", JSONText.string(unit))
            children(map)
        case .corrected(let target, let set):
            o.add("corrects", JSONText.string(target))
            o.add("set", value(.object(set)))
        case .retracted(let target, let reason):
            o.add("retracts", JSONText.string(target))
            o.add("reason", JSONText.string(reason))
        case .observed(let unit, let values):
            o.add("unit", JSONText.string(unit))
            var v = Object()
            for (key, value) in values { v.add(key, number(value)) }
            o.add("values", v.json)
        }
        return o.json
    }
}
