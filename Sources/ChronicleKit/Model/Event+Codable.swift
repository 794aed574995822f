/// The flat key-value shape of an event, shared by event files (YAML) and the
/// store's canonical payload (JSON with sorted keys).
extension Event: Codable {
    enum Key: String, CodingKey, CaseIterable {
        case id, type, date, alternatives, sources, note, from
        case unit, names, level, parent, codes, coordinate, baseline
        case to, into, children, weights, recipient, area
        case corrects, set, retracts, reason, values
    }

    static let commonKeys: [Key] = [.id, .type, .date, .alternatives, .sources, .note, .from]

    /// The keys an event of each type may carry besides the common ones.
    static let keysByType: [String: [Key]] = [
        "established": [.unit, .names, .level, .parent, .codes, .coordinate, .baseline],
        "changed": [.unit, .to],
        "merged": [.unit, .into, .children],
        "split": [.unit, .into, .weights, .children],
        "territory-transferred": [.unit, .recipient, .area],
        "abolished": [.unit, .children],
        "restored": [.unit, .to],
        "corrected": [.corrects, .set],
        "retracted": [.retracts, .reason],
        "observed": [.unit, .values],
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        guard let allowed = Event.keysByType[type] else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c,
                debugDescription: "unknown event type '\(type)'; expected one of: \(Event.Action.types.joined(separator: ", "))")
        }
        let any = try decoder.container(keyedBy: AnyKey.self)
        let permitted = Set((Event.commonKeys + allowed).map(\.rawValue))
        for key in any.allKeys where !permitted.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown key '\(key.stringValue)' for \(type.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(type) event; it may carry: \(permitted.sorted().joined(separator: ", "))"))
        }
        id = try c.decode(String.self, forKey: .id)
        date = try c.decode(EDTFDate.self, forKey: .date)
        alternatives = try c.decodeIfPresent([AlternativeDate].self, forKey: .alternatives) ?? []
        sources = try c.decodeIfPresent([Source].self, forKey: .sources) ?? []
        note = try c.decodeIfPresent(String.self, forKey: .note)
        fromBox = try c.decodeIfPresent(Expectation.self, forKey: .from).map(Boxed.init)
        func unit() throws -> UnitID { try c.decode(UnitID.self, forKey: .unit) }
        func children() throws -> [UnitID: UnitID] { try c.decodeIfPresent([UnitID: UnitID].self, forKey: .children) ?? [:] }
        switch type {
        case "established":
            action = .established(Establishment(
                unit: try unit(),
                names: try c.decode([String: String].self, forKey: .names),
                level: try c.decode(String.self, forKey: .level),
                parent: try c.decodeIfPresent(UnitID.self, forKey: .parent),
                codes: try c.decodeIfPresent([String: String].self, forKey: .codes) ?? [:],
                coordinate: try c.decodeIfPresent(Coordinate.self, forKey: .coordinate),
                baseline: try c.decodeIfPresent(Bool.self, forKey: .baseline) ?? false))
        case "changed":
            action = .changed(unit: try unit(), to: try c.decode(Change.self, forKey: .to))
        case "merged":
            action = .merged(unit: try unit(), into: try c.decode(UnitID.self, forKey: .into), children: try children())
        case "split":
            action = .split(
                unit: try unit(), into: try c.decode([UnitID].self, forKey: .into),
                weights: try c.decodeIfPresent([UnitID: Double].self, forKey: .weights) ?? [:],
                children: try children())
        case "territory-transferred":
            action = .territoryTransferred(
                unit: try unit(), recipient: try c.decode(UnitID.self, forKey: .recipient),
                area: try c.decodeIfPresent(String.self, forKey: .area))
        case "abolished":
            action = .abolished(unit: try unit(), children: try children())
        case "restored":
            action = .restored(unit: try unit(), to: try c.decodeIfPresent(Change.self, forKey: .to) ?? Change())
        case "observed":
            action = .observed(unit: try unit(), values: try c.decode([String: Double].self, forKey: .values))
        case "corrected":
            action = .corrected(target: try c.decode(String.self, forKey: .corrects), set: try c.decode([String: JSONValue].self, forKey: .set))
        default:
            action = .retracted(target: try c.decode(String.self, forKey: .retracts), reason: try c.decode(String.self, forKey: .reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(date, forKey: .date)
        if !alternatives.isEmpty { try c.encode(alternatives, forKey: .alternatives) }
        try c.encode(sources, forKey: .sources)
        try c.encodeIfPresent(note, forKey: .note)
        try c.encodeIfPresent(from, forKey: .from)
        func encodeChildren(_ children: [UnitID: UnitID]) throws {
            if !children.isEmpty { try c.encode(children, forKey: .children) }
        }
        switch action {
        case .established(let e):
            try c.encode(e.unit, forKey: .unit)
            try c.encode(e.names, forKey: .names)
            try c.encode(e.level, forKey: .level)
            try c.encodeIfPresent(e.parent, forKey: .parent)
            if !e.codes.isEmpty { try c.encode(e.codes, forKey: .codes) }
            try c.encodeIfPresent(e.coordinate, forKey: .coordinate)
            if e.baseline { try c.encode(true, forKey: .baseline) }
        case .changed(let unit, let to), .restored(let unit, let to):
            try c.encode(unit, forKey: .unit)
            try c.encode(to, forKey: .to)
        case .merged(let unit, let into, let children):
            try c.encode(unit, forKey: .unit)
            try c.encode(into, forKey: .into)
            try encodeChildren(children)
        case .split(let unit, let into, let weights, let children):
            try c.encode(unit, forKey: .unit)
            try c.encode(into, forKey: .into)
            if !weights.isEmpty { try c.encode(weights, forKey: .weights) }
            try encodeChildren(children)
        case .territoryTransferred(let unit, let recipient, let area):
            try c.encode(unit, forKey: .unit)
            try c.encode(recipient, forKey: .recipient)
            try c.encodeIfPresent(area, forKey: .area)
        case .abolished(let unit, let children):
            try c.encode(unit, forKey: .unit)
            try encodeChildren(children)
        case .corrected(let target, let set):
            try c.encode(target, forKey: .corrects)
            try c.encode(set, forKey: .set)
        case .retracted(let target, let reason):
            try c.encode(target, forKey: .retracts)
            try c.encode(reason, forKey: .reason)
        case .observed(let unit, let values):
            try c.encode(unit, forKey: .unit)
            try c.encode(values, forKey: .values)
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}
