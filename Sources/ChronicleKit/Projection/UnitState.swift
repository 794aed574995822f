/// What a unit is during one interval: its names, level, parent, codes and point.
public struct UnitState: Hashable, Sendable, Codable {
    /// Names keyed by the scheme's name keys (`en`, `ko`, `mr`, …).
    public var names: [String: String]
    /// A level code from the country's scheme.
    public var level: String
    /// The parent unit's id; only a country has none.
    public var parent: UnitID?
    /// Official identifiers keyed by code system, e.g. `iso3166-2`.
    public var codes: [String: String]
    public var coordinate: Coordinate?

    public init(
        names: [String: String], level: String, parent: UnitID?,
        codes: [String: String] = [:], coordinate: Coordinate? = nil
    ) {
        self.names = names
        self.level = level
        self.parent = parent
        self.codes = codes
        self.coordinate = coordinate
    }

    /// This state with a change applied: names given replace those keys, a `nil`
    /// code removes that code.
    public func applying(_ change: Event.Change) -> UnitState {
        var next = self
        for (key, name) in change.names ?? [:] { next.names[key] = name }
        if let level = change.level { next.level = level }
        if let parent = change.parent { next.parent = parent }
        for (system, code) in change.codes ?? [:] { next.codes[system] = code ?? nil }
        if let coordinate = change.coordinate { next.coordinate = coordinate }
        return next
    }
}

extension UnitState {
    /// The state as JSON with sorted keys, written by hand: the projection writes one per
    /// interval, and JSONEncoder was the largest cost of a rebuild (docs/benchmarks.md).
    var canonicalJSON: String {
        var out = JSONBytes(capacity: 128)
        write(to: &out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// ``canonicalJSON`` as bytes, appended to a buffer (a rebuild reuses one for every row,
    /// and binds the bytes without making a string of them).
    func write(to out: inout JSONBytes) {
        out.raw("{\"codes\":")
        out.object(codes)
        if let coordinate {
            out.raw(",\"coordinate\":{\"lat\":")
            out.number(coordinate.lat)
            out.raw(",\"lon\":")
            out.number(coordinate.lon)
            out.raw("}")
        }
        out.raw(",\"level\":")
        out.string(level)
        out.raw(",\"names\":")
        out.object(names)
        if let parent {
            out.raw(",\"parent\":")
            out.string(parent)
        }
        out.raw("}")
    }
}

/// JSON written straight into UTF-8 bytes, escaped as JSONEncoder escapes (RFC 8259; `\b`, `\f`
/// and `\u00XX` for other control characters; slashes as they are).
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ value: Int?) {
        guard let value else { return raw("null") }
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func string(_ text: String?) {
        guard let text else { return raw("null") }
        bytes.append(0x22)
        // Most text needs no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(0x22)
            return
        }
        let hex: StaticString = "0123456789abcdef"
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20:
                raw("\\u00")
                bytes.append(hex.utf8Start[Int(byte >> 4)])
                bytes.append(hex.utf8Start[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }

    /// A string-to-string object, keys in JSONEncoder's `.sortedKeys` order (UTF-8 bytes), as
    /// every canonical text the store writes.
    mutating func object(_ values: [String: String]) {
        bytes.append(UInt8(ascii: "{"))
        // Members are written from the pairs themselves, in key order: one and two members (most
        // codes and names) without sorting a copy, and never looking a key up again.
        var pairs = values.makeIterator()
        switch values.count {
        case 0:
            break
        case 1:
            let only = pairs.next()!
            member(only.key, only.value)
        case 2:
            let a = pairs.next()!, b = pairs.next()!
            let (first, second) = CanonicalWriter.keyOrder(a.key, b.key) ? (a, b) : (b, a)
            member(first.key, first.value)
            bytes.append(UInt8(ascii: ","))
            member(second.key, second.value)
        default:
            for (index, pair) in values.sorted(by: { CanonicalWriter.keyOrder($0.key, $1.key) }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                member(pair.key, pair.value)
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func member(_ key: String, _ value: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
        string(value)
    }

    /// A number as JSONEncoder writes a `Double` (``JSONText/number(_:)``).
    mutating func number(_ value: Double) {
        bytes.append(contentsOf: JSONText.number(value).utf8)
    }
}

/// Minimal JSON writing for the hot paths: strings escaped as RFC 8259 requires.
enum JSONText {
    static func string(_ text: String) -> String {
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + text + "\"" }
        var out = JSONBytes(capacity: text.utf8.count + 16)
        out.string(text)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    static func object(_ values: [String: String]) -> String {
        var out = JSONBytes(capacity: 64)
        out.object(values)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A number as JSONEncoder writes a `Double`: the shortest text that reads back the same, without a trailing `.0`.
    static func number(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}

/// One row of the interval table: a unit's state over `[validFrom, validTo)`.
public struct UnitInterval: Hashable, Sendable {
    public var unit: UnitID
    public var validFrom: Day
    /// The first day the state no longer holds; `nil` while it still holds.
    public var validTo: Day?
    public var state: UnitState
    /// The id of the event that began this state.
    public var event: String
    /// The id of the event that ended it.
    public var endEvent: String?

    public init(unit: UnitID, validFrom: Day, validTo: Day?, state: UnitState, event: String, endEvent: String?) {
        self.unit = unit
        self.validFrom = validFrom
        self.validTo = validTo
        self.state = state
        self.event = event
        self.endEvent = endEvent
    }

    public func contains(_ day: Day) -> Bool { validFrom <= day && validTo.map { day < $0 } ?? true }
}

/// A span of days on which a unit's state depends on an imprecise or disputed date.
public struct Uncertainty: Hashable, Sendable {
    public var unit: UnitID
    public var from: Day
    public var to: Day
    /// The event whose date is imprecise or disputed.
    public var event: String
    /// The day the event applies (its primary date's earliest day).
    public var eventDay: Day

    public init(unit: UnitID, from: Day, to: Day, event: String, eventDay: Day) {
        self.unit = unit
        self.from = from
        self.to = to
        self.event = event
        self.eventDay = eventDay
    }
}

/// A value measured for a unit on a date (a census population, say), as an `observed` event records it.
public struct Observation: Hashable, Sendable, Encodable {
    public var unit: UnitID
    public var key: String
    public var value: Double
    /// The observation's date as written, and the event that records it.
    public var date: String
    public var event: String
    /// The first day of the date, by which observations are ordered.
    public var day: Day

    public init(unit: UnitID, key: String, value: Double, date: String, event: String, day: Day) {
        self.unit = unit
        self.key = key
        self.value = value
        self.date = date
        self.event = event
        self.day = day
    }

    enum CodingKeys: String, CodingKey { case value, date, event }

    /// A value as people write it: whole numbers without a decimal point.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// An event in the order the projector applies it: by effective day, then store order.
public struct ScheduledEvent: Hashable, Sendable {
    public var event: Event
    public var location: SourceLocation?
    /// The store position (or file order before import) of the event as first recorded.
    public var order: Int

    public init(event: Event, location: SourceLocation?, order: Int) {
        self.event = event
        self.location = location
        self.order = order
    }

    var day: Day { event.date.earliest }

    static func precedes(_ a: ScheduledEvent, _ b: ScheduledEvent) -> Bool {
        (a.day, a.order) < (b.day, b.order)
    }
}
