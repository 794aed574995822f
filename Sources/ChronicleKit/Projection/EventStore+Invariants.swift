import GRDB

/// One way the projected interval table breaks the hierarchy's invariants.
public enum InvariantViolation: Hashable, Sendable, CustomStringConvertible {
    /// A row whose interval-tree columns are not where the tree's queries look for it.
    case misplaced(UnitID, from: Day)
    /// An interval that never ends, followed by another of the same unit.
    case openFollowed(UnitID, from: Day, next: Day)
    case overlap(UnitID, from: Day, next: Day)
    case empty(UnitID, from: Day)
    /// A unit whose level must sit under another has no parent.
    case noParent(UnitID, on: Day)
    case missingParent(UnitID, parent: UnitID, on: Day)
    /// The unit's level may not sit under its parent's.
    case levelNotAllowed(UnitID, level: String, parent: UnitID, parentLevel: String, on: Day)
    /// The unit is on a cycle of parents.
    case ownAncestor(UnitID, on: Day)

    public var description: String {
        switch self {
        case .misplaced(let unit, let from):
            "\(unit): the state from \(from) is misplaced in the interval tree (rebuild the projection)"
        case .openFollowed(let unit, let from, let next):
            "\(unit): an open interval from \(from) is followed by another from \(next)"
        case .overlap(let unit, let from, let next):
            "\(unit): intervals from \(from) and \(next) overlap"
        case .empty(let unit, let from):
            "\(unit): the interval from \(from) is empty"
        case .noParent(let unit, let day):
            "\(unit) has no parent on \(day)"
        case .missingParent(let unit, let parent, let day):
            "\(unit)'s parent \(parent) does not exist on \(day)"
        case .levelNotAllowed(let unit, let level, let parent, let parentLevel, let day):
            "\(unit) (\(level)) sits under \(parent) (\(parentLevel)) on \(day), which the scheme does not allow"
        case .ownAncestor(let unit, let day):
            "\(unit) is its own ancestor on \(day)"
        }
    }
}

extension EventStore {
    /// Checks the projected interval table against the hierarchy's invariants.
    ///
    /// Every unit's intervals are non-empty and do not overlap, and each row sits where the
    /// interval tree's queries look for it; on every day, every unit's parent exists, the unit's
    /// level may sit under the parent's level, only a country has no parent, and no unit is its
    /// own ancestor. A broken rule of the hierarchy is reported on the day it begins, and again on
    /// any later day on which the unit's state changes, or its parent's level, while it still holds.
    ///
    /// - Returns: One sentence per violation; empty when the projection is sound.
    public func checkInvariants() throws(ChronicleError) -> [String] {
        try invariantViolations().map(\.description)
    }

    func invariantViolations() throws(ChronicleError) -> [InvariantViolation] {
        let schemes = Dictionary(try schemes().map { ($0.country, $0) }, uniquingKeysWith: { a, _ in a })
        return try read { db in
            var sweep = HierarchySweep(schemes: schemes)
            // Only what the rules read, in the order the rows are stored (read through the unit
            // index instead, each row was a lookup elsewhere in the file: 3 s at a million events).
            let projection = try ProjectionFile.attached(db) ?? "main"
            try EventStore.withoutMemoryMap(db, schemas: [projection]) {
                let rows = try RawQuery(db, """
                    SELECT unit, validFrom, validTo, json_extract(state, '$.parent'), json_extract(state, '$.level'), lo, hi, fork
                    FROM \(projection).unit_state
                    """, [])
                while try rows.next() {
                    let from = rows.integer(1) ?? 0, to = rows.integer(2)
                    let place = IntervalTree.place(validFrom: from, validTo: to)
                    sweep.add(unit: rows.text(0) ?? "", from: from, to: to, parent: rows.text(3), level: rows.text(4) ?? "",
                              misplaced: rows.integer(5) != place.lo || rows.integer(6) != place.hi || rows.integer(7) != place.fork)
                }
            }
            return sweep.violations()
        }
    }
}

/// The hierarchy's invariants checked in one sweep over the days on which states begin or end.
///
/// Each day's changes are applied to the states in force, and only what they can break is
/// checked: the units whose state changed, and the children of those that began, ended or
/// changed level. A cycle of parents can only close through a unit whose parent
/// changed, so only those are walked upward. The cost grows with the number of states, not with
/// days × states, as checking the whole hierarchy on every day did (at 100,000 events, 560 s).
struct HierarchySweep {
    /// One state, its unit, parent and level as indexes into the tables below.
    private struct State {
        var unit: Int32
        var from: Int
        /// `Int.max` while open.
        var to: Int
        var parent: Int32
        var level: Int32
        /// Not where the interval tree's queries look for it.
        var misplaced: Bool
    }

    /// What a level may sit under, by country and level: `unknown` where no scheme says.
    private enum Rule { case unknown, under(Set<Int32>) }

    private let schemes: [String: Scheme]
    private var units: [UnitID] = []
    private var unitIndex: [UnitID: Int32] = [:]
    /// Each unit's country scheme, by unit index.
    private var unitScheme: [Int32] = []
    private var schemeList: [Scheme?] = []
    private var schemeIndex: [String: Int32] = [:]
    private var levels: [String] = []
    private var levelIndex: [String: Int32] = [:]
    private var rules: [Int: Rule] = [:]
    private var states: [State] = []

    init(schemes: [String: Scheme]) { self.schemes = schemes }

    private mutating func index(of unit: UnitID) -> Int32 {
        if let known = unitIndex[unit] { return known }
        let new = Int32(units.count)
        units.append(unit)
        unitIndex[unit] = new
        let country = unit.split(separator: "/").first.map(String.init) ?? unit
        if let known = schemeIndex[country] {
            unitScheme.append(known)
        } else {
            schemeIndex[country] = Int32(schemeList.count)
            unitScheme.append(Int32(schemeList.count))
            schemeList.append(schemes[country])
        }
        return new
    }

    private mutating func index(ofLevel level: String) -> Int32 {
        if let known = levelIndex[level] { return known }
        levelIndex[level] = Int32(levels.count)
        levels.append(level)
        return Int32(levels.count - 1)
    }

    /// Adds a state, in any order.
    mutating func add(unit: UnitID, from: Int, to: Int?, parent: UnitID?, level: String, misplaced: Bool) {
        states.append(State(unit: index(of: unit), from: from, to: to ?? .max, parent: parent.map { index(of: $0) } ?? -1,
                            level: index(ofLevel: level), misplaced: misplaced))
    }

    /// The rows' own problems: misplaced rows, then unit by unit, each unit's overlapping
    /// intervals and then its empty ones.
    private func rowViolations() -> [InvariantViolation] {
        var rank = [Int](repeating: 0, count: units.count)
        for (place, unit) in units.indices.sorted(by: { units[$0] < units[$1] }).enumerated() { rank[unit] = place }
        let order = states.indices.sorted { (rank[Int(states[$0].unit)], states[$0].from, $0) < (rank[Int(states[$1].unit)], states[$1].from, $1) }
        var misplaced: [InvariantViolation] = []
        var found: [InvariantViolation] = []
        var empty: [InvariantViolation] = []
        for (offset, row) in order.enumerated() {
            let state = states[row], unit = units[Int(state.unit)], from = Day(ordinal: state.from)
            if state.misplaced { misplaced.append(.misplaced(unit, from: from)) }
            if offset > 0, case let last = states[order[offset - 1]], last.unit == state.unit {
                if last.to == .max {
                    found.append(.openFollowed(unit, from: Day(ordinal: last.from), next: from))
                } else if last.to > state.from {
                    found.append(.overlap(unit, from: Day(ordinal: last.from), next: from))
                }
            } else {
                found += empty
                empty = []
            }
            if state.to <= state.from { empty.append(.empty(unit, from: from)) }
        }
        return misplaced + found + empty
    }

    private mutating func rule(for state: State) -> Rule {
        let key = Int(unitScheme[Int(state.unit)]) << 32 | Int(state.level)
        if let known = rules[key] { return known }
        var made = Rule.unknown
        if let level = schemeList[Int(unitScheme[Int(state.unit)])]?.level(levels[Int(state.level)]) {
            made = .under(Set(level.under.map { index(ofLevel: $0) }))
        }
        rules[key] = made
        return made
    }

    /// Every violation: the rows' own first, unit by unit, then the hierarchy's, day by day and
    /// unit by unit within a day.
    mutating func violations() -> [InvariantViolation] {
        var found = rowViolations()
        // (Empty intervals never hold on any day.)
        let held = states.indices.filter { states[$0].to > states[$0].from }
        let starts = held.sorted { (states[$0].from, $0) < (states[$1].from, $1) }
        let ends = held.filter { states[$0].to != .max }.sorted { (states[$0].to, $0) < (states[$1].to, $1) }
        // The state in force for each unit, by index into `states` (-1: none); a unit with
        // overlapping states takes its earliest, the others waiting in `overlapping`.
        var current = [Int](repeating: -1, count: units.count)
        var overlapping: [Int32: [Int]] = [:]
        var children = [Set<Int32>](repeating: [], count: units.count)
        // Per unit: the last day it was touched (-1: never), and the state in force before that day's changes.
        var touchedOn = [Int](repeating: -1, count: units.count)
        var before = [Int](repeating: -1, count: units.count)
        var walked = [Int](repeating: -1, count: units.count)
        var walks = 0
        var (nextStart, nextEnd, dayNumber) = (0, 0, 0)
        while nextStart < starts.count || nextEnd < ends.count {
            let day = min(nextStart < starts.count ? states[starts[nextStart]].from : .max,
                          nextEnd < ends.count ? states[ends[nextEnd]].to : .max)
            var touched: [Int32] = []
            func touch(_ unit: Int32) {
                guard touchedOn[Int(unit)] != dayNumber else { return }
                touchedOn[Int(unit)] = dayNumber
                before[Int(unit)] = current[Int(unit)]
                touched.append(unit)
            }
            while nextEnd < ends.count, states[ends[nextEnd]].to == day {
                let row = ends[nextEnd], unit = states[row].unit
                touch(unit)
                if current[Int(unit)] == row {
                    var waiting = overlapping.removeValue(forKey: unit) ?? []
                    current[Int(unit)] = waiting.isEmpty ? -1 : waiting.removeFirst()
                    if !waiting.isEmpty { overlapping[unit] = waiting }
                } else {
                    overlapping[unit]?.removeAll { $0 == row }
                    if overlapping[unit]?.isEmpty == true { overlapping[unit] = nil }
                }
                nextEnd += 1
            }
            while nextStart < starts.count, states[starts[nextStart]].from == day {
                let row = starts[nextStart], unit = states[row].unit
                touch(unit)
                if current[Int(unit)] == -1 { current[Int(unit)] = row } else { overlapping[unit, default: []].append(row) }
                nextStart += 1
            }
            let changed = touched.filter { current[Int($0)] != before[Int($0)] }
            for unit in changed {
                if before[Int(unit)] >= 0, case let parent = states[before[Int(unit)]].parent, parent >= 0 { children[Int(parent)].remove(unit) }
                if current[Int(unit)] >= 0, case let parent = states[current[Int(unit)]].parent, parent >= 0 { children[Int(parent)].insert(unit) }
            }
            // What the day's changes can break: the changed units; the children of those that began,
            // ended or changed level (a child's rules read nothing else of its parent); and cycles
            // through the changed.
            var check = Set(changed.filter { current[Int($0)] >= 0 })
            for unit in changed {
                let (was, now) = (before[Int(unit)], current[Int(unit)])
                if was < 0 || now < 0 || states[was].level != states[now].level { check.formUnion(children[Int(unit)]) }
            }
            var cyclic: Set<Int32> = []
            for unit in changed where current[Int(unit)] >= 0 && !cyclic.contains(unit) {
                walks += 1
                var path: [Int32] = [unit]
                var cursor = states[current[Int(unit)]].parent
                while cursor >= 0, current[Int(cursor)] >= 0, walked[Int(cursor)] != walks {
                    if cursor == unit {
                        cyclic.formUnion(path)
                        break
                    }
                    walked[Int(cursor)] = walks
                    path.append(cursor)
                    cursor = states[current[Int(cursor)]].parent
                }
            }
            let on = Day(ordinal: day)
            for unit in check.union(cyclic).sorted(by: { units[Int($0)] < units[Int($1)] }) {
                if check.contains(unit), let broken = checkParent(of: states[current[Int(unit)]], current: current, on: on) { found.append(broken) }
                if cyclic.contains(unit) { found.append(.ownAncestor(units[Int(unit)], on: on)) }
            }
            dayNumber += 1
        }
        return found
    }

    /// The rules about a state's parent: there is one unless the level is a country's, it
    /// exists, and the unit's level may sit under the parent's.
    private mutating func checkParent(of state: State, current: [Int], on day: Day) -> InvariantViolation? {
        let unit = units[Int(state.unit)]
        let rule = rule(for: state)
        guard state.parent >= 0 else {
            if case .under(let under) = rule, !under.isEmpty { return .noParent(unit, on: day) }
            return nil
        }
        let parent = units[Int(state.parent)]
        guard current[Int(state.parent)] >= 0 else { return .missingParent(unit, parent: parent, on: day) }
        let parentLevel = states[current[Int(state.parent)]].level
        if case .under(let under) = rule, !under.contains(parentLevel) {
            return .levelNotAllowed(unit, level: levels[Int(state.level)], parent: parent, parentLevel: levels[Int(parentLevel)], on: day)
        }
        return nil
    }
}
