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

        /// One view, as an element of the top-level array (indented one level).
        mutating func view(_ view: UnitView) {
            // Members in sorted key order, as `.sortedKeys` puts UnitView's coding keys.
            object(indent: 1, keys: ["codes", "coordinate", "event", "id", "level", "levelName", "name", "names", "observations",
                                     "parent", "parentName", "uncertain", "uncertainty", "validFrom", "validTo"]) { out, key, indent in
                switch key {
                case "codes": out.strings(view.codes, indent: indent)
                case "coordinate":
                    if let c = view.coordinate {
                        out.object(indent: indent, keys: ["lat", "lon"]) { out, key, _ in out.number(key == "lat" ? c.lat : c.lon) }
                    } else {
                        out.json.raw("null")
                    }
                case "event": out.json.string(view.event)
                case "id": out.json.string(view.id)
                case "level": out.json.string(view.level)
                case "levelName": out.json.string(view.levelName)
                case "name": out.json.string(view.name)
                case "names": out.strings(view.names, indent: indent)
                case "observations":
                    out.object(indent: indent, keys: view.observations.keys.sorted(by: CanonicalWriter.keyOrder)) { out, key, indent in
                        let o = view.observations[key]!
                        out.object(indent: indent, keys: ["date", "event", "value"]) { out, key, _ in
                            switch key {
                            case "date": out.json.string(o.date)
                            case "event": out.json.string(o.event)
                            default: out.number(o.value)
                            }
                        }
                    }
                case "parent": out.json.string(view.parent)
                case "parentName": out.json.string(view.parentName)
                case "uncertain": out.json.raw(view.uncertain ? "true" : "false")
                case "uncertainty":
                    out.array(indent: indent, count: view.uncertainty.count) { out, index, indent in
                        let u = view.uncertainty[index]
                        out.object(indent: indent, keys: ["alternatives", "date", "event"]) { out, key, indent in
                            switch key {
                            case "alternatives":
                                out.array(indent: indent, count: u.alternatives.count) { out, index, _ in out.json.string(u.alternatives[index]) }
                            case "date": out.json.string(u.date)
                            default: out.json.string(u.event)
                            }
                        }
                    }
                case "validFrom": out.json.string(view.validFrom)
                default: out.json.string(view.validTo)
                }
            }
        }

        mutating func newline(_ indent: Int) {
            json.bytes.append(0x0A)
            for _ in 0..<indent { json.raw("  ") }
        }

        /// An object whose members are written by `member`, the writer placed after `"key" : `.
        /// The object itself starts where the writer is, at the given indent level.
        mutating func object(indent: Int, keys: [String], _ member: (inout Writer, String, Int) -> Void) {
            json.raw("{")
            guard !keys.isEmpty else {
                json.raw("\n")
                newline(indent)
                json.raw("}")
                return
            }
            for (index, key) in keys.enumerated() {
                if index > 0 { json.raw(",") }
                newline(indent + 1)
                json.string(key)
                json.raw(" : ")
                member(&self, key, indent + 1)
            }
            newline(indent)
            json.raw("}")
        }

        mutating func array(indent: Int, count: Int, _ element: (inout Writer, Int, Int) -> Void) {
            json.raw("[")
            guard count > 0 else {
                json.raw("\n")
                newline(indent)
                json.raw("]")
                return
            }
            for index in 0..<count {
                if index > 0 { json.raw(",") }
                newline(indent + 1)
                element(&self, index, indent + 1)
            }
            newline(indent)
            json.raw("]")
        }

        mutating func strings(_ values: [String: String], indent: Int) {
            object(indent: indent, keys: values.keys.sorted(by: CanonicalWriter.keyOrder)) { out, key, _ in out.json.string(values[key]!) }
        }

        mutating func number(_ value: Double) {
            json.bytes.append(contentsOf: JSONText.number(value).utf8)
        }
    }
}
