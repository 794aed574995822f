/// Reading the store's own JSON (event payloads and projected states) without `JSONDecoder`.
///
/// The store writes these texts itself, in canonical form, and reads them back on every
/// rebuild, catch-up and as-of query: `JSONDecoder` cost about 25 µs an event, most of a
/// rebuild (docs/benchmarks.md). This reader parses the JSON once into ``JSONValue`` and
/// maps it to the model by hand. A property test checks that it gives the same events and
/// states as the Codable path for every kind of event.
enum StoredJSON {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one JSON text.
    static func parse(_ text: String) throws(Malformed) -> JSONValue {
        var text = text
        let result: Result<JSONValue, Malformed> = text.withUTF8 { bytes in
            var parser = Parser(bytes: bytes)
            do throws(Malformed) {
                let value = try parser.value()
                parser.skipSpace()
                guard parser.index == bytes.count else { throw Malformed(description: "text after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        func fail(_ what: String) -> Malformed { Malformed(description: "\(what) at byte \(index)") }

        mutating func value() throws(Malformed) -> JSONValue {
            skipSpace()
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                var object: [String: JSONValue] = [:]
                try members { (parser: inout Parser, key: String) throws(Malformed) in object[key] = try parser.value() }
                return .object(object)
            case UInt8(ascii: "["):
                index += 1
                var array: [JSONValue] = []
                if take(UInt8(ascii: "]")) { return .array(array) }
                repeat { array.append(try value()) } while take(UInt8(ascii: ","))
                try expect(UInt8(ascii: "]"))
                return .array(array)
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default:
                return .number(try number())
            }
        }

        mutating func literal(_ word: StaticString) throws(Malformed) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw fail("unexpected end") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw fail("unknown literal") }
            index += count
        }

        mutating func number() throws(Malformed) -> Double {
            let start = index
            while index < bytes.count, Parser.isNumberByte(bytes[index]) { index += 1 }
            guard index > start, let value = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)) else {
                throw fail("expected a value")
            }
            return value
        }

        static func isNumberByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
            default: false
            }
        }

        mutating func expect(_ byte: UInt8) throws(Malformed) {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
            index += 1
        }

        /// `true` (and past it) when the next byte is `byte`.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// The members of an object, each handed to `member` with the parser placed at its value.
        mutating func members(_ member: (inout Parser, String) throws(Malformed) -> Void) throws(Malformed) {
            try expect(UInt8(ascii: "{"))
            if take(UInt8(ascii: "}")) { return }
            repeat {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                try member(&self, key)
            } while take(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"))
        }

        /// An object whose values are all strings.
        mutating func stringObject() throws(Malformed) -> [String: String] {
            var out: [String: String] = [:]
            try members { (parser: inout Parser, key: String) throws(Malformed) in
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else { throw parser.fail("expected a string") }
                // Room for a few names at once: grown one by one, a two-name object was allocated twice and rehashed.
                if out.capacity == 0 { out.reserveCapacity(4) }
                out[key] = try parser.string()
            }
            return out
        }

        /// A string value, or `nil` for `null`.
        mutating func optionalString() throws(Malformed) -> String? {
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "n") { try literal("null"); return nil }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string") }
            return try string()
        }

        /// A string starting at the opening quote.
        mutating func string() throws(Malformed) -> String {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
            guard index < bytes.count else { throw fail("unterminated string") }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            // Escapes: decode into a byte buffer.
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); index += 1; continue }
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), index + 1 < bytes.count,
                       bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                default:
                    throw fail("unknown escape")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(Malformed) -> UInt32 {
            guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw fail("bad \\u escape")
                }
                value = value * 16 + digit
            }
            return value
        }
    }
}

// MARK: - Mapping parsed JSON to the model

extension JSONValue {
    func object(_ what: String) throws(StoredJSON.Malformed) -> [String: JSONValue] {
        guard case .object(let value) = self else { throw StoredJSON.Malformed(description: "\(what) is not an object") }
        return value
    }

    func string(_ what: String) throws(StoredJSON.Malformed) -> String {
        guard case .string(let value) = self else { throw StoredJSON.Malformed(description: "\(what) is not a string") }
        return value
    }

    func number(_ what: String) throws(StoredJSON.Malformed) -> Double {
        guard case .number(let value) = self else { throw StoredJSON.Malformed(description: "\(what) is not a number") }
        return value
    }

    func array(_ what: String) throws(StoredJSON.Malformed) -> [JSONValue] {
        guard case .array(let value) = self else { throw StoredJSON.Malformed(description: "\(what) is not an array") }
        return value
    }

    func strings(_ what: String) throws(StoredJSON.Malformed) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in try object(what) { out[key] = try value.string(what) }
        return out
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    func required(_ key: String) throws(StoredJSON.Malformed) -> JSONValue {
        guard let value = self[key] else { throw StoredJSON.Malformed(description: "'\(key)' is missing") }
        return value
    }

    func optionalString(_ key: String) throws(StoredJSON.Malformed) -> String? {
        guard let value = self[key], value != .null else { return nil }
        return try value.string(key)
    }
}

extension Source {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let o = try value.object("a source")
        self.init(seed: try o.optionalString("seed"), title: try o.optionalString("title"),
                  url: try o.optionalString("url"), note: try o.optionalString("note"))
    }
}

extension Coordinate {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let o = try value.object("a coordinate")
        self.init(lat: try o.required("lat").number("lat"), lon: try o.required("lon").number("lon"))
    }
}

extension EDTFDate {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let text = try value.string("a date")
        do {
            try self.init(text)
        } catch {
            throw StoredJSON.Malformed(description: error.description)
        }
    }
}

extension Event.AlternativeDate {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let a = try value.object("an alternative")
        self.init(date: try EDTFDate(stored: try a.required("date")),
                  sources: try (a["sources"]?.array("sources") ?? []).map { s throws(StoredJSON.Malformed) in try Source(stored: s) },
                  note: try a.optionalString("note"))
    }
}

extension Event.Expectation {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let f = try value.object("from")
        self.init(level: try f.optionalString("level"), parent: try f.optionalString("parent"), name: try f.optionalString("name"))
    }
}

extension Event.Change {
    init(stored value: JSONValue) throws(StoredJSON.Malformed) {
        let o = try value.object("'to'")
        var codes: [String: String?]?
        if let raw = o["codes"], raw != .null {
            var out: [String: String?] = [:]
            for (key, code) in try raw.object("codes") { out[key] = code == .null ? String?.none : try code.string("a code") }
            codes = out
        }
        self.init(names: try o["names"].flatMap { $0 == .null ? nil : $0 }.map { v throws(StoredJSON.Malformed) in try v.strings("names") },
                  level: try o.optionalString("level"), parent: try o.optionalString("parent"), codes: codes,
                  coordinate: try o["coordinate"].flatMap { $0 == .null ? nil : $0 }.map { v throws(StoredJSON.Malformed) in try Coordinate(stored: v) })
    }
}

extension Event {
    /// Reads a payload the store wrote (canonical JSON); the same event `JSONDecoder` would give.
    /// (Straight from the bytes: ``PayloadReader``.)
    init(storedPayload text: String) throws(StoredJSON.Malformed) {
        var reader = PayloadReader()
        self = try reader.event(text)
    }

    /// Reads an event's members (a payload parsed, or an event file's mapping: ``EventFileReader``).
    init(stored o: [String: JSONValue]) throws(StoredJSON.Malformed) {
        let type = try o.required("type").string("type")
        func unit() throws(StoredJSON.Malformed) -> UnitID { try o.required("unit").string("unit") }
        func children() throws(StoredJSON.Malformed) -> [UnitID: UnitID] { try o["children"].map { v throws(StoredJSON.Malformed) in try v.strings("children") } ?? [:] }
        let action: Action
        switch type {
        case "established":
            action = .established(Establishment(
                unit: try unit(), names: try o.required("names").strings("names"), level: try o.required("level").string("level"),
                parent: try o.optionalString("parent"), codes: try o["codes"].map { v throws(StoredJSON.Malformed) in try v.strings("codes") } ?? [:],
                coordinate: try o["coordinate"].flatMap { $0 == .null ? nil : $0 }.map { v throws(StoredJSON.Malformed) in try Coordinate(stored: v) },
                baseline: o["baseline"] == .bool(true)))
        case "changed":
            action = .changed(unit: try unit(), to: try Change(stored: try o.required("to")))
        case "restored":
            action = .restored(unit: try unit(), to: try o["to"].map { v throws(StoredJSON.Malformed) in try Change(stored: v) } ?? Change())
        case "merged":
            action = .merged(unit: try unit(), into: try o.required("into").string("into"), children: try children())
        case "split":
            var weights: [UnitID: Double] = [:]
            for (key, value) in try o["weights"]?.object("weights") ?? [:] { weights[key] = try value.number("a weight") }
            action = .split(unit: try unit(), into: try o.required("into").array("into").map { v throws(StoredJSON.Malformed) in try v.string("into") },
                            weights: weights, children: try children())
        case "territory-transferred":
            action = .territoryTransferred(unit: try unit(), recipient: try o.required("recipient").string("recipient"),
                                           area: try o.optionalString("area"))
        case "abolished":
            action = .abolished(unit: try unit(), children: try children())
        case "observed":
            var values: [String: Double] = [:]
            for (key, value) in try o.required("values").object("values") { values[key] = try value.number("a value") }
            action = .observed(unit: try unit(), values: values)
        case "corrected":
            action = .corrected(target: try o.required("corrects").string("corrects"), set: try o.required("set").object("set"))
        case "retracted":
            action = .retracted(target: try o.required("retracts").string("retracts"), reason: try o.required("reason").string("reason"))
        default:
            throw StoredJSON.Malformed(description: "unknown event type '\(type)'")
        }
        var expectation: Expectation?
        if let from = o["from"], from != .null { expectation = try Expectation(stored: from) }
        self.init(
            id: try o.required("id").string("id"),
            date: try EDTFDate(stored: try o.required("date")),
            alternatives: try (o["alternatives"]?.array("alternatives") ?? []).map { v throws(StoredJSON.Malformed) in try AlternativeDate(stored: v) },
            sources: try (o["sources"]?.array("sources") ?? []).map { s throws(StoredJSON.Malformed) in try Source(stored: s) },
            note: try o.optionalString("note"),
            from: expectation,
            action: action)
    }
}

extension UnitState {
    /// Reads a state the projection wrote (``canonicalJSON``).
    init(storedJSON text: String) throws(StoredJSON.Malformed) {
        var text = text
        let read: Result<UnitState, StoredJSON.Malformed> = text.withUTF8 { bytes in Result { () throws(StoredJSON.Malformed) in try UnitState(storedJSON: bytes) } }
        self = try read.get()
    }

    /// Reads a state the projection wrote from its UTF-8 bytes, straight into the state's fields:
    /// an as-of query reads one state per unit.
    init(storedJSON bytes: UnsafeBufferPointer<UInt8>) throws(StoredJSON.Malformed) {
        var parser = StoredJSON.Parser(bytes: bytes)
        var names: [String: String]?
        var level: String?
        var parent: String?
        var codes: [String: String] = [:]
        var coordinate: Coordinate?
        try parser.members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
            switch key {
            case "names": names = try p.stringObject()
            case "codes": codes = try p.stringObject()
            case "level": level = try p.optionalString()
            case "parent": parent = try p.optionalString()
            case "coordinate":
                let value = try p.value()
                if value != .null { coordinate = try Coordinate(stored: value) }
            default: _ = try p.value()
            }
        }
        parser.skipSpace()
        guard parser.index == bytes.count, let names, let level else { throw StoredJSON.Malformed(description: "not a state") }
        self.init(names: names, level: level, parent: parent, codes: codes, coordinate: coordinate)
    }
}
