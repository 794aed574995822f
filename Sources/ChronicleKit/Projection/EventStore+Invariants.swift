import GRDB

extension EventStore {
    /// Checks the projected interval table against the hierarchy's invariants.
    ///
    /// Every unit's intervals are non-empty and do not overlap; on every day on
    /// which some state begins, every unit's parent exists, the unit's level may
    /// sit under the parent's level, only a country has no parent, and no unit is
    /// its own ancestor.
    ///
    /// - Returns: One sentence per violation; empty when the projection is sound.
    public func checkInvariants() throws(ChronicleError) -> [String] {
        let schemes = Dictionary(try schemes().map { ($0.country, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        // One read of the states; each is also checked to sit where the interval tree's queries
        // look for it (docs/decisions/0011).
        let all: [UnitInterval] = try read { db in
            try Row.fetchAll(db, sql: "SELECT \(EventStore.stateSelection), lo, hi, fork FROM unit_state ORDER BY unit, validFrom").map { row in
                let interval = try EventStore.interval(row)
                let place = IntervalTree.place(validFrom: interval.validFrom.ordinal, validTo: interval.validTo?.ordinal)
                if (row[7] as Int?) != place.lo || (row[8] as Int?) != place.hi || (row[9] as Int?) != place.fork {
                    problems.append("\(interval.unit): the state from \(interval.validFrom) is misplaced in the interval tree (rebuild the projection)")
                }
                return interval
            }
        }
        for (unit, intervals) in Dictionary(grouping: all, by: \.unit).sorted(by: { $0.key < $1.key }) {
            for (a, b) in zip(intervals, intervals.dropFirst()) {
                guard let end = a.validTo else {
                    problems.append("\(unit): an open interval from \(a.validFrom) is followed by another from \(b.validFrom)")
                    continue
                }
                if end > b.validFrom { problems.append("\(unit): intervals from \(a.validFrom) and \(b.validFrom) overlap") }
            }
            for interval in intervals where interval.validTo.map({ $0 <= interval.validFrom }) ?? false {
                problems.append("\(unit): the interval from \(interval.validFrom) is empty")
            }
        }
        for day in Set(all.map(\.validFrom)).sorted() {
            let states = Dictionary(all.filter { $0.contains(day) }.map { ($0.unit, $0.state) }, uniquingKeysWith: { a, _ in a })
            for (unit, state) in states.sorted(by: { $0.key < $1.key }) {
                let scheme = schemes[unit.split(separator: "/").first.map(String.init) ?? unit]
                guard let parent = state.parent else {
                    if scheme?.level(state.level)?.under.isEmpty == false { problems.append("\(unit) has no parent on \(day)") }
                    continue
                }
                guard let parentState = states[parent] else {
                    problems.append("\(unit)'s parent \(parent) does not exist on \(day)")
                    continue
                }
                if let rule = scheme?.level(state.level), !rule.under.contains(parentState.level) {
                    problems.append("\(unit) (\(state.level)) sits under \(parent) (\(parentState.level)) on \(day), which the scheme does not allow")
                }
                var seen: Set<UnitID> = [unit]
                var cursor: UnitID? = parent
                while let next = cursor {
                    if !seen.insert(next).inserted {
                        problems.append("\(unit) is its own ancestor on \(day)")
                        break
                    }
                    cursor = states[next]?.parent
                }
            }
        }
        return problems
    }
}
