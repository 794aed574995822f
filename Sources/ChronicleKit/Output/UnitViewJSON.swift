/// Views as `JSONOutput.encode` writes them (JSONEncoder: pretty printed, sorted keys, slashes
/// as they are), byte for byte, but written by hand.
///
/// `chronicle asof --format json` of a 100,000-unit hierarchy spent about four seconds in
/// JSONEncoder, three times the query itself (docs/benchmarks.md). A test compares the two
/// writers on every snapshot of the bundled and test data and on awkward strings and numbers.
enum UnitViewJSON {
    /// The views as a pretty-printed JSON array, ending with a line break.
    static func encode(_ views: [UnitView]) -> String {
        guard !views.isEmpty else { return "[\n\n]\n" }
        // Each view is written on every core; the pieces are joined in order.
        let pieces = Parallel.map(views) { view in
            var out = Writer(capacity: 768)
            out.view(view)
            return out.bytes
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pieces.reduce(4) { $0 + $1.count + 2 })
        bytes.append(contentsOf: "[\n  ".utf8)
        for (index, piece) in pieces.enumerated() {
            if index > 0 { bytes.append(contentsOf: ",\n  ".utf8) }
            bytes.append(contentsOf: piece)
        }
        bytes.append(contentsOf: "\n]\n".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// JSONEncoder's pretty form: two spaces an indent, `"key" : value`, members one a line,
    /// and an empty object or array written open, with an empty line inside.
    struct Writer {
        var json: JSONBytes

        init(capacity: Int) { json = JSONBytes(capacity: capacity) }

        var bytes: [UInt8] { json.bytes }

        /// One view, as an element of the top-level array (indented one level). Members in sorted
        /// key order, as `.sortedKeys` puts UnitView's coding keys.
        mutating func view(_ view: UnitView) {
            json.raw("{")
            member("codes", first: true, indent: 2); strings(view.codes, indent: 2)
            member("coordinate", indent: 2)
            if let c = view.coordinate {
                json.raw("{")
                member("lat", first: true, indent: 3); number(c.lat)
                member("lon", indent: 3); number(c.lon)
                close("}", indent: 2)
            } else {
                json.raw("null")
            }
            member("event", indent: 2); json.string(view.event)
            member("id", indent: 2); json.string(view.id)
            member("level", indent: 2); json.string(view.level)
            member("levelName", indent: 2); json.string(view.levelName)
            member("name", indent: 2); json.string(view.name)
            member("names", indent: 2); strings(view.names, indent: 2)
            member("observations", indent: 2)
            object(indent: 2, keys: view.observations.keys.sorted(by: CanonicalWriter.keyOrder)) { out, key in
                let o = view.observations[key]!
                out.json.raw("{")
                out.member("date", first: true, indent: 4); out.json.string(o.date)
                out.member("event", indent: 4); out.json.string(o.event)
                out.member("value", indent: 4); out.number(o.value)
                out.close("}", indent: 3)
            }
            member("parent", indent: 2); json.string(view.parent)
            member("parentName", indent: 2); json.string(view.parentName)
            member("uncertain", indent: 2); json.raw(view.uncertain ? "true" : "false")
            member("uncertainty", indent: 2)
            array(indent: 2, count: view.uncertainty.count) { out, index in
                let u = view.uncertainty[index]
                out.json.raw("{")
                out.member("alternatives", first: true, indent: 4)
                out.array(indent: 4, count: u.alternatives.count) { out, index in out.json.string(u.alternatives[index]) }
                out.member("date", indent: 4); out.json.string(u.date)
                out.member("event", indent: 4); out.json.string(u.event)
                out.close("}", indent: 3)
            }
            member("validFrom", indent: 2); json.string(view.validFrom)
            member("validTo", indent: 2); json.string(view.validTo)
            close("}", indent: 1)
        }

        mutating func newline(_ indent: Int) {
            json.bytes.append(0x0A)
            for _ in 0..<indent { json.raw("  ") }
        }

        /// A fixed key (plain ASCII, nothing to escape) on its own line, after a comma unless first.
        mutating func member(_ key: StaticString, first: Bool = false, indent: Int) {
            if !first { json.raw(",") }
            newline(indent)
            json.raw("\"")
            json.raw(key)
            json.raw("\" : ")
        }

        /// The closing bracket of a non-empty object or array, on its own line.
        mutating func close(_ bracket: StaticString, indent: Int) {
            newline(indent)
            json.raw(bracket)
        }

        /// An object of keys known only at run time (escaped), each value written by `value`.
        mutating func object(indent: Int, keys: [String], _ value: (inout Writer, String) -> Void) {
            json.raw("{")
            guard !keys.isEmpty else { json.raw("\n"); return close("}", indent: indent) }
            for (index, key) in keys.enumerated() {
                if index > 0 { json.raw(",") }
                newline(indent + 1)
                json.string(key)
                json.raw(" : ")
                value(&self, key)
            }
            close("}", indent: indent)
        }

        mutating func array(indent: Int, count: Int, _ element: (inout Writer, Int) -> Void) {
            json.raw("[")
            guard count > 0 else { json.raw("\n"); return close("]", indent: indent) }
            for index in 0..<count {
                if index > 0 { json.raw(",") }
                newline(indent + 1)
                element(&self, index)
            }
            close("]", indent: indent)
        }

        mutating func strings(_ values: [String: String], indent: Int) {
            object(indent: indent, keys: values.keys.sorted(by: CanonicalWriter.keyOrder)) { out, key in out.json.string(values[key]!) }
        }

        mutating func number(_ value: Double) {
            json.bytes.append(contentsOf: JSONText.number(value).utf8)
        }
    }
}
