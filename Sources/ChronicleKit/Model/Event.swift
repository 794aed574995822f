/// A unit's stable id, e.g. `kp/rason`. Never reused.
public typealias UnitID = String

/// A fact about administrative divisions, named in the past tense, with an
/// effective date and its sources.
///
/// Events are the source of truth: the store keeps them append-only and the
/// projector derives every unit state from them.
public struct Event: Hashable, Sendable {
    public var id: String
    public var date: EDTFDate
    /// Other dates given by other sources; the primary `date` is the one applied.
    public var alternatives: [AlternativeDate]
    public var sources: [Source]
    public var note: String?
    /// What the event's author believed the unit was just before it.
    public var from: Expectation? {
        get { fromBox?.value }
        set { fromBox = newValue.map(Boxed.init) }
    }
    public var action: Action
    /// `from`, held by reference: few events say it, and held in place it made every event 40
    /// bytes larger (48 of 218), where an import holds a million events twice while it appends them.
    var fromBox: Boxed<Expectation>?

    public init(
        id: String, date: EDTFDate, alternatives: [AlternativeDate] = [], sources: [Source],
        note: String? = nil, from: Expectation? = nil, action: Action
    ) {
        self.id = id
        self.date = date
        self.alternatives = alternatives
        self.sources = sources
        self.note = note
        self.fromBox = from.map(Boxed.init)
        self.action = action
    }

    /// A date that another source gives for the same event.
    public struct AlternativeDate: Hashable, Sendable, Codable {
        public var date: EDTFDate
        public var sources: [Source]
        public var note: String?

        public init(date: EDTFDate, sources: [Source], note: String? = nil) {
            self.date = date
            self.sources = sources
            self.note = note
        }
    }

    /// The state an event expects to find (`from:`); only the fields given are checked.
    public struct Expectation: Hashable, Sendable, Codable {
        public var level: String?
        public var parent: UnitID?
        public var name: String?

        public init(level: String? = nil, parent: UnitID? = nil, name: String? = nil) {
            self.level = level
            self.parent = parent
            self.name = name
        }
    }

    /// Changes to a unit's state (`to:`); fields left `nil` stay as they were.
    public struct Change: Hashable, Sendable, Codable {
        public var names: [String: String]?
        public var level: String?
        public var parent: UnitID?
        public var codes: [String: String?]?
        public var coordinate: Coordinate?

        public init(
            names: [String: String]? = nil, level: String? = nil, parent: UnitID? = nil,
            codes: [String: String?]? = nil, coordinate: Coordinate? = nil
        ) {
            self.names = names
            self.level = level
            self.parent = parent
            self.codes = codes
            self.coordinate = coordinate
        }
    }

    /// A unit's first state.
    public struct Establishment: Hashable, Sendable {
        public var unit: UnitID
        public var names: [String: String]
        public var level: String
        public var parent: UnitID?
        public var codes: [String: String]
        public var coordinate: Coordinate?
        /// The unit already existed when the record begins; the date is not its creation.
        public var baseline: Bool

        public init(
            unit: UnitID, names: [String: String], level: String, parent: UnitID?,
            codes: [String: String] = [:], coordinate: Coordinate? = nil, baseline: Bool = false
        ) {
            self.unit = unit
            self.names = names
            self.level = level
            self.parent = parent
            self.codes = codes
            self.coordinate = coordinate
            self.baseline = baseline
        }
    }

    /// What happened.
    public enum Action: Hashable, Sendable {
        case established(Establishment)
        /// Any of names, level, parent, codes change in one act.
        case changed(unit: UnitID, to: Change)
        /// The unit ends by absorption; its children move to `into` unless `children` says otherwise.
        case merged(unit: UnitID, into: UnitID, children: [UnitID: UnitID])
        /// The unit ends and its territory goes to existing successors.
        case split(unit: UnitID, into: [UnitID], weights: [UnitID: Double], children: [UnitID: UnitID])
        /// Land that is not itself a unit moves from `unit` to `recipient`.
        case territoryTransferred(unit: UnitID, recipient: UnitID, area: String?)
        /// The unit ends with no successor.
        case abolished(unit: UnitID, children: [UnitID: UnitID])
        /// An ended unit begins again under its old id.
        case restored(unit: UnitID, to: Change)
        /// Fields of an earlier event are replaced.
        case corrected(target: String, set: [String: JSONValue])
        /// An earlier event is withdrawn.
        case retracted(target: String, reason: String)
        /// Values measured for a unit on the date, such as a census population; nothing changes.
        case observed(unit: UnitID, values: [String: Double])
    }

    /// The type word used in event files and output.
    public var type: String { action.type }

    /// The unit the event is about, or `nil` for corrections and retractions.
    public var unit: UnitID? {
        switch action {
        case .established(let e): e.unit
        case .changed(let u, _), .merged(let u, _, _), .split(let u, _, _, _),
             .territoryTransferred(let u, _, _), .abolished(let u, _), .restored(let u, _), .observed(let u, _): u
        case .corrected, .retracted: nil
        }
    }

    /// The id of the event this one corrects or retracts.
    public var target: String? {
        switch action {
        case .corrected(let t, _), .retracted(let t, _): t
        default: nil
        }
    }

    /// The units whose history the event belongs to: its unit, the unit it merges into,
    /// successors, recipients and children it moves (not the parent a unit is placed under).
    public var mentionedUnits: [UnitID] {
        var units: [UnitID] = []
        switch action {
        case .established(let e): units = [e.unit]
        case .changed(let u, _), .restored(let u, _): units = [u]
        case .merged(let u, let into, let children): units = [u, into] + children.keys.sorted()
        case .split(let u, let into, _, let children): units = [u] + into + children.keys.sorted()
        case .territoryTransferred(let u, let r, _): units = [u, r]
        case .abolished(let u, let children): units = [u] + children.keys.sorted()
        case .observed(let u, _): units = [u]
        case .corrected, .retracted: units = []
        }
        var seen = Set<UnitID>()
        return units.filter { seen.insert($0).inserted }
    }

    /// The widest span of days the event's dates may denote, over the primary date and its alternatives.
    public var span: (earliest: Day, latest: Day) {
        let dates = [date] + alternatives.map(\.date)
        return (dates.map(\.earliest).min()!, dates.map(\.latest).max()!)
    }

    /// `true` when a query date inside ``span`` cannot be answered for certain.
    public var isImprecise: Bool { !date.isExact || !alternatives.isEmpty }
}

extension Event.Action {
    public static let types = [
        "established", "changed", "merged", "split", "territory-transferred", "abolished",
        "restored", "corrected", "retracted", "observed",
    ]

    public var type: String {
        switch self {
        case .established: "established"
        case .changed: "changed"
        case .merged: "merged"
        case .split: "split"
        case .territoryTransferred: "territory-transferred"
        case .abolished: "abolished"
        case .restored: "restored"
        case .corrected: "corrected"
        case .retracted: "retracted"
        case .observed: "observed"
        }
    }
}

/// A value held by reference, equal and hashed by its value (``Event/from``).
final class Boxed<Value: Hashable & Sendable>: Hashable, Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }

    static func == (lhs: Boxed, rhs: Boxed) -> Bool { lhs.value == rhs.value }

    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
