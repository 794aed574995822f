/// Reads event payloads straight from their bytes into events, one pass, no tree.
///
/// ``StoredJSON/parse(_:)`` followed by ``Event/init(stored:)`` made a `JSONValue` tree of each
/// payload first: a dictionary and a string for every object and member, all let go again once
/// the event was built. A rebuild reads every payload the store holds (a million at a million
/// events), and that tree was most of its reading step. This reader walks the members in the
/// order they come and puts each value where it belongs.
///
/// It also lets consecutive events that cite the same sources share one array of them (as a
/// file's events mostly do, and as the import that recorded them did, `SourceLists`): the raw
/// bytes of a payload's `sources` are compared with the previous payload's before anything is
/// made of them.
///
/// It reads what ``Event/init(stored:)`` reads: members in any order, unknown members skipped,
/// `null` where that reader takes it; a test compares the two on every kind of event.
struct PayloadReader {
    private var lastSourceBytes: [UInt8] = []
    private var lastSources: [Source] = []

    /// The event a payload the store wrote holds.
    mutating func event(_ text: String) throws(StoredJSON.Malformed) -> Event {
        var text = text
        let read: Result<Event, StoredJSON.Malformed> = text.withUTF8 { bytes in
            Result { () throws(StoredJSON.Malformed) in try event(bytes) }
        }
        return try read.get()
    }

    /// The event a payload's UTF-8 bytes hold.
    mutating func event(_ bytes: UnsafeBufferPointer<UInt8>) throws(StoredJSON.Malformed) -> Event {
        var p = StoredJSON.Parser(bytes: bytes)
        var type: String?, id: String?, date: EDTFDate?, unit: String?
        var names: [String: String]?, level: String?, parent: String?, codes: [String: String]?, coordinate: Coordinate?
        var baseline = false
        var to: Event.Change?, children: [UnitID: UnitID]?
        var into: Into?, weights: [UnitID: Double]?, recipient: String?, area: String?
        var values: [String: Double]?, corrects: String?, set: [String: JSONValue]?, retracts: String?, reason: String?
        var from: Event.Expectation?, alternatives: [Event.AlternativeDate] = [], sources: [Source] = [], note: String?
        try p.members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
            switch key {
            case "type": type = try p.requiredString("type")
            case "id": id = try p.requiredString("id")
            case "date": date = try p.date()
            case "unit": unit = try p.requiredString("unit")
            case "names": names = try p.stringObject()
            case "level": level = try p.optionalString()
            case "parent": parent = try p.optionalString()
            case "codes": codes = try p.stringObject()
            case "coordinate": coordinate = try p.coordinate()
            case "baseline": baseline = try p.isTrue()
            case "to": to = try p.change()
            case "children": children = try p.stringObject()
            case "into":
                if p.peek(UInt8(ascii: "[")) {
                    var all: [UnitID] = []
                    try p.elements { (p: inout StoredJSON.Parser) throws(StoredJSON.Malformed) in all.append(try p.requiredString("into")) }
                    into = .many(all)
                } else {
                    into = .one(try p.requiredString("into"))
                }
            case "weights": weights = try p.numberObject("a weight")
            case "recipient": recipient = try p.requiredString("recipient")
            case "area": area = try p.optionalString()
            case "values": values = try p.numberObject("a value")
            case "corrects": corrects = try p.requiredString("corrects")
            case "set": set = try p.value().object("set")
            case "retracts": retracts = try p.requiredString("retracts")
            case "reason": reason = try p.requiredString("reason")
            case "from": from = try p.isNull() ? nil : try p.expectation()
            case "alternatives":
                alternatives = try p.value().array("alternatives").map { v throws(StoredJSON.Malformed) in try Event.AlternativeDate(stored: v) }
            case "sources": sources = try sharedSources(&p)
            case "note": note = try p.optionalString()
            default: try p.skipValue()
            }
        }
        p.skipSpace()
        guard p.index == bytes.count else { throw p.fail("text after the payload") }

        func required<Value>(_ value: Value?, _ key: String) throws(StoredJSON.Malformed) -> Value {
            guard let value else { throw StoredJSON.Malformed(description: "'\(key)' is missing") }
            return value
        }
        let action: Event.Action
        switch try required(type, "type") {
        case "established":
            action = .established(Event.Establishment(
                unit: try required(unit, "unit"), names: try required(names, "names"), level: try required(level, "level"),
                parent: parent, codes: codes ?? [:], coordinate: coordinate, baseline: baseline))
        case "changed":
            action = .changed(unit: try required(unit, "unit"), to: try required(to, "to"))
        case "restored":
            action = .restored(unit: try required(unit, "unit"), to: to ?? Event.Change())
        case "merged":
            guard case .one(let target) = try required(into, "into") else { throw StoredJSON.Malformed(description: "into is not a string") }
            action = .merged(unit: try required(unit, "unit"), into: target, children: children ?? [:])
        case "split":
            guard case .many(let targets) = try required(into, "into") else { throw StoredJSON.Malformed(description: "into is not an array") }
            action = .split(unit: try required(unit, "unit"), into: targets, weights: weights ?? [:], children: children ?? [:])
        case "territory-transferred":
            action = .territoryTransferred(unit: try required(unit, "unit"), recipient: try required(recipient, "recipient"), area: area)
        case "abolished":
            action = .abolished(unit: try required(unit, "unit"), children: children ?? [:])
        case "observed":
            action = .observed(unit: try required(unit, "unit"), values: try required(values, "values"))
        case "corrected":
            action = .corrected(target: try required(corrects, "corrects"), set: try required(set, "set"))
        case "retracted":
            action = .retracted(target: try required(retracts, "retracts"), reason: try required(reason, "reason"))
        case let other:
            throw StoredJSON.Malformed(description: "unknown event type '\(other)'")
        }
        return Event(id: try required(id, "id"), date: try required(date, "date"), alternatives: alternatives, sources: sources,
                     note: note, from: from, action: action)
    }

    /// `into`: one unit (a merger) or several (a split); which is known only from `type`, which sorts after it.
    private enum Into {
        case one(UnitID)
        case many([UnitID])
    }

    /// The payload's sources: the previous payload's array when the bytes are the same.
    private mutating func sharedSources(_ p: inout StoredJSON.Parser) throws(StoredJSON.Malformed) -> [Source] {
        let start = p.index
        try p.skipValue()
        let raw = UnsafeBufferPointer(rebasing: p.bytes[start..<p.index])
        if raw.elementsEqual(lastSourceBytes) { return lastSources }
        var reread = StoredJSON.Parser(bytes: raw)
        let sources = try reread.value().array("sources").map { s throws(StoredJSON.Malformed) in try Source(stored: s) }
        lastSourceBytes = Array(raw)
        lastSources = sources
        return sources
    }
}

extension StoredJSON.Parser {
    /// `true` (and past it) when the value is `null`.
    mutating func isNull() throws(StoredJSON.Malformed) -> Bool {
        skipSpace()
        guard peek(UInt8(ascii: "n")) else { return false }
        try literal("null")
        return true
    }

    /// `true` when the next byte (after white space) is `byte`; does not move past it.
    mutating func peek(_ byte: UInt8) -> Bool {
        skipSpace()
        return index < bytes.count && bytes[index] == byte
    }

    /// Whether the value is `true`; any other value is read and counts as `false` (as `o["baseline"] == .bool(true)`).
    mutating func isTrue() throws(StoredJSON.Malformed) -> Bool {
        if peek(UInt8(ascii: "t")) {
            try literal("true")
            return true
        }
        try skipValue()
        return false
    }

    mutating func requiredString(_ what: String) throws(StoredJSON.Malformed) -> String {
        guard peek(UInt8(ascii: "\"")) else { throw StoredJSON.Malformed(description: "\(what) is not a string") }
        return try string()
    }

    mutating func date() throws(StoredJSON.Malformed) -> EDTFDate {
        let text = try requiredString("a date")
        do {
            return try EDTFDate(text)
        } catch {
            throw StoredJSON.Malformed(description: error.description)
        }
    }

    /// The elements of an array, each handed to `element` with the parser placed at it.
    mutating func elements(_ element: (inout StoredJSON.Parser) throws(StoredJSON.Malformed) -> Void) throws(StoredJSON.Malformed) {
        try expect(UInt8(ascii: "["))
        if take(UInt8(ascii: "]")) { return }
        repeat {
            skipSpace()
            try element(&self)
        } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    /// An object whose values are all numbers.
    mutating func numberObject(_ what: String) throws(StoredJSON.Malformed) -> [String: Double] {
        var out: [String: Double] = [:]
        try members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
            guard p.index < p.bytes.count, StoredJSON.Parser.isNumberByte(p.bytes[p.index]) else { throw StoredJSON.Malformed(description: "\(what) is not a number") }
            out[key] = try p.number()
        }
        return out
    }

    /// Moves past one value of any kind without making anything of it.
    mutating func skipValue() throws(StoredJSON.Malformed) {
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try members { (p: inout StoredJSON.Parser, _: String) throws(StoredJSON.Malformed) in try p.skipValue() }
        case UInt8(ascii: "["):
            try elements { (p: inout StoredJSON.Parser) throws(StoredJSON.Malformed) in try p.skipValue() }
        case UInt8(ascii: "\""):
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
            }
            guard index < bytes.count else { throw fail("unterminated string") }
            index += 1
        default:
            _ = try value()
        }
    }

    /// A coordinate, or `nil` for `null`. (This and the other members few events have,
    /// `alternatives` and a list of sources not seen just before, go through ``JSONValue`` and the
    /// mappings of `PayloadDecoding.swift`: only the members many events have are read by hand.)
    mutating func coordinate() throws(StoredJSON.Malformed) -> Coordinate? {
        let value = try value()
        return value == .null ? nil : try Coordinate(stored: value)
    }

    /// A change (`to`), as ``Event/Change/init(stored:)`` reads it.
    mutating func change() throws(StoredJSON.Malformed) -> Event.Change {
        guard peek(UInt8(ascii: "{")) else { throw StoredJSON.Malformed(description: "'to' is not an object") }
        var change = Event.Change()
        try members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
            switch key {
            case "names": change.names = try p.isNull() ? nil : try p.stringObject()
            case "level": change.level = try p.optionalString()
            case "parent": change.parent = try p.optionalString()
            case "codes":
                guard !(try p.isNull()) else { change.codes = nil; return }
                var codes: [String: String?] = [:]
                try p.members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
                    codes[key] = try p.isNull() ? String?.none : try p.requiredString("a code")
                }
                change.codes = codes
            case "coordinate": change.coordinate = try p.coordinate()
            default: try p.skipValue()
            }
        }
        return change
    }

    /// What the event's author believed before it (`from`), as ``Event/Expectation/init(stored:)``
    /// reads it: a move says where from, so many events have it.
    mutating func expectation() throws(StoredJSON.Malformed) -> Event.Expectation {
        var expectation = Event.Expectation()
        try members { (p: inout StoredJSON.Parser, key: String) throws(StoredJSON.Malformed) in
            switch key {
            case "level": expectation.level = try p.optionalString()
            case "parent": expectation.parent = try p.optionalString()
            case "name": expectation.name = try p.optionalString()
            default: try p.skipValue()
            }
        }
        return expectation
    }
}
