/// One unit as of a day, in the shape that `--format json` prints and scripts rely on.
///
/// The keys `id`, `name`, `names`, `level`, `parent`, `codes` and `uncertain` are
/// fixed by the design; others may be added, never renamed.
public struct UnitView: Hashable, Sendable, Encodable {
    public var id: UnitID
    /// The common form of the name (the scheme's common key).
    public var name: String
    public var names: [String: String]
    public var level: String
    public var levelName: String
    /// The parent's id; `nil` only for a country.
    public var parent: UnitID?
    public var parentName: String?
    public var codes: [String: String]
    public var coordinate: Coordinate?
    /// The first day of this state (ISO date).
    public var validFrom: String
    /// The first day it no longer holds, or `nil`.
    public var validTo: String?
    /// The event that began this state.
    public var event: String
    /// `true` when the state on this day depends on an imprecise or disputed date.
    public var uncertain: Bool
    public var uncertainty: [UncertaintyView]
    /// The latest value of each observed quantity (population, …) on or before the day.
    public var observations: [String: Observation]
    /// The first name in a non-Latin script, in the scheme's key order (for terminal labels; not in JSON).
    public var localName: String?

    /// Why a unit is uncertain on a day: the event, its date, and the dates other sources give.
    public struct UncertaintyView: Hashable, Sendable, Encodable {
        public var event: String
        public var date: String
        public var alternatives: [String]
    }

    enum CodingKeys: String, CodingKey {
        case id, name, names, level, levelName, parent, parentName, codes, coordinate, validFrom, validTo, event, uncertain, uncertainty
        case observations
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(names, forKey: .names)
        try c.encode(level, forKey: .level)
        try c.encode(levelName, forKey: .levelName)
        try c.encode(parent, forKey: .parent)
        try c.encode(parentName, forKey: .parentName)
        try c.encode(codes, forKey: .codes)
        try c.encode(coordinate, forKey: .coordinate)
        try c.encode(validFrom, forKey: .validFrom)
        try c.encode(validTo, forKey: .validTo)
        try c.encode(event, forKey: .event)
        try c.encode(uncertain, forKey: .uncertain)
        try c.encode(uncertainty, forKey: .uncertainty)
        try c.encode(observations, forKey: .observations)
    }
}

/// The hierarchy as of one day: every unit's view, ready to render.
public struct Snapshot: Sendable {
    public var day: Day
    public var units: [UnitView]

    /// Reads the hierarchy on a day from the store.
    ///
    /// - Parameters:
    ///   - under: Only this unit and its descendants.
    ///   - level: Only units of this level code.
    public static func load(from store: EventStore, on day: Day, under root: UnitID? = nil, level: String? = nil) throws(ChronicleError) -> Snapshot {
        let intervals = try store.states(on: day)
        let views = try Namer(store: store).views(consume intervals, on: day)
        var selected = views
        if let root {
            let byParent = Dictionary(grouping: views, by: { $0.parent ?? "" })
            var keep = Set<UnitID>()
            var queue = [root]
            while let next = queue.popLast() {
                guard keep.insert(next).inserted else { continue }
                queue += (byParent[next] ?? []).map(\.id)
            }
            selected = selected.filter { keep.contains($0.id) }
        }
        if let level { selected = selected.filter { $0.level == level } }
        return Snapshot(day: day, units: selected)
    }
}

/// Turns intervals into views: names from the scheme, parents' names, uncertainty.
public struct Namer {
    let store: EventStore
    /// What naming needs of each scheme, by country, worked out once (a whole hierarchy names 100,000 units).
    let naming: [String: Naming]

    /// A scheme's name keys and level names. (A class: it is looked up once a unit, and copying a
    /// struct of a scheme and three collections cost a retain and release for each.)
    final class Naming: Sendable {
        let scheme: Scheme
        let commonNameKey: String
        let nameKeys: [String]
        /// Each level's name in the common name form (else `en`, else the code).
        let levelNames: [String: String]

        init(_ scheme: Scheme) {
            self.scheme = scheme
            commonNameKey = scheme.commonNameKey
            nameKeys = scheme.nameKeys.map(\.key)
            levelNames = Dictionary(scheme.levels.map { ($0.code, $0.names[scheme.commonNameKey] ?? $0.names["en"] ?? $0.code) },
                                    uniquingKeysWith: { first, _ in first })
        }
    }

    public init(store: EventStore) throws(ChronicleError) {
        self.store = store
        naming = Dictionary(try store.schemes().map { ($0.country, Naming($0)) }, uniquingKeysWith: { a, _ in a })
    }

    /// The naming of a unit's scheme (the country is the id's part before the first slash).
    func naming(of unit: UnitID) -> Naming? {
        naming[Projector.country(of: unit)]
    }

    func scheme(of unit: UnitID) -> Scheme? {
        naming(of: unit)?.scheme
    }

    /// The common name of a state.
    public func name(of unit: UnitID, _ state: UnitState) -> String {
        name(of: unit, state, naming(of: unit))
    }

    func name(of unit: UnitID, _ state: UnitState, _ naming: Naming?) -> String {
        state.names[naming?.commonNameKey ?? "en"] ?? state.names.values.sorted().first ?? unit
    }

    /// The first name, in the scheme's key order, written in a non-Latin script.
    public func localName(of unit: UnitID, _ state: UnitState) -> String? {
        localName(of: unit, state, naming(of: unit))
    }

    func localName(of unit: UnitID, _ state: UnitState, _ naming: Naming?) -> String? {
        // ASCII is Latin: when every name is ASCII there is nothing to look up in key order.
        guard state.names.values.contains(where: { !$0.utf8.allSatisfy { $0 < 0x80 } }) else { return nil }
        let keys = naming?.nameKeys ?? state.names.keys.sorted()
        return keys.lazy.compactMap { state.names[$0] }.first { name in
            // ASCII is Latin: most names are decided without looking at their scalars one by one.
            !name.utf8.allSatisfy { $0 < 0x80 } && name.unicodeScalars.contains {
                !($0.value < 0x0250 || (0x1E00...0x1EFF).contains($0.value)) && $0.properties.isAlphabetic
            }
        }
    }

    /// A level's name in the scheme's common name form (falling back to `en`, then the code).
    public func levelName(_ code: String, of unit: UnitID) -> String {
        naming(of: unit)?.levelNames[code] ?? code
    }

    /// The views of states on a day (the intervals are used up: each view takes over what its interval holds).
    public func views(_ given: consuming [UnitInterval], on day: Day) throws(ChronicleError) -> [UnitView] {
        var intervals = consume given
        // A few units are looked up one by one; a whole hierarchy in one pass over each table.
        let few = intervals.count <= 64 ? intervals.map(\.unit) : nil
        let uncertain = try store.uncertainties(on: day, units: few)
        let observed = try store.observations(on: day, units: few)
        // Each parent's common name: from the intervals given, or read for parents outside them.
        // (By index: a loop over the intervals themselves copied each one.)
        var parentNames: [UnitID: String] = [:]
        var wanted = Set<UnitID>()
        for i in intervals.indices { if let parent = intervals[i].state.parent { wanted.insert(parent) } }
        for i in intervals.indices where wanted.contains(intervals[i].unit) {
            parentNames[intervals[i].unit] = name(of: intervals[i].unit, intervals[i].state)
        }
        for parent in wanted.subtracting(parentNames.keys).sorted() {
            if let state = try store.state(of: parent, on: day) { parentNames[parent] = name(of: parent, state.state) }
        }
        let eventIDs = uncertain.values.flatMap { $0.map(\.event) }
        let events = try store.effectiveEvents(withIDs: eventIDs)
        // Views are made on every core (the closure reads shared state only): a whole hierarchy is
        // 100,000 units or more. Each takes its interval's names and codes rather than copying them.
        return Parallel.map(taking: &intervals) { interval in
            let reasons = (uncertain[interval.unit] ?? []).map { u in
                let event = events[u.event]
                return UnitView.UncertaintyView(event: u.event, date: event?.date.text ?? "", alternatives: event?.alternatives.map(\.date.text) ?? [])
            }
            let naming = naming(of: interval.unit)
            let name = name(of: interval.unit, interval.state, naming)
            let localName = localName(of: interval.unit, interval.state, naming)
            return UnitView(
                id: interval.unit, name: name, names: taking(&interval.state.names, leaving: [:]),
                level: interval.state.level, levelName: naming?.levelNames[interval.state.level] ?? interval.state.level,
                parent: interval.state.parent,
                parentName: interval.state.parent.flatMap { parentNames[$0] },
                codes: taking(&interval.state.codes, leaving: [:]), coordinate: interval.state.coordinate,
                validFrom: interval.validFrom.description, validTo: interval.validTo?.description,
                event: taking(&interval.event, leaving: ""), uncertain: !reasons.isEmpty, uncertainty: reasons,
                observations: observed[interval.unit] ?? [:],
                localName: localName)
        }
    }
}

/// The value in `place`, moved out, with `empty` left behind (no copy of what the value holds).
func taking<Value>(_ place: inout Value, leaving empty: Value) -> Value {
    var value = empty
    swap(&value, &place)
    return value
}
