import Foundation
import GRDB

/// A unit found by name.
public struct NameMatch: Hashable, Sendable {
    public var unit: UnitID
    /// The name that matched, and the key it is written under.
    public var name: String
    public var key: String
    /// `true` when the whole folded name matched, not only part of it.
    public var exact: Bool
    /// `true` when the name is one the unit no longer had on the day asked about.
    public var former: Bool
}

extension EventStore {
    /// The states that hold on a day, ordered by unit id.
    public func states(on day: Day) throws(ChronicleError) -> [UnitInterval] {
        try read { db in
            let rows = try RawQuery(db, IntervalTree.query(selecting: EventStore.stateSelection, from: day.ordinal, through: day.ordinal), [])
            // For a whole hierarchy, decoding the states is as much work as reading them: SQLite
            // reads on this thread, copying each chunk's text into one buffer, while other threads
            // make strings and states of what it has read.
            // (Optional, so that joining them can move each state out instead of copying it.)
            let decoding = Parallel.Pipeline<StoredIntervals, [UnitInterval?]> { try $0.decoded() }
            var chunk = StoredIntervals()
            while try rows.next() {
                chunk.append(unit: rows.bytes(1), from: rows.integer(2) ?? 0, to: rows.integer(3),
                             state: rows.bytes(4), event: rows.bytes(5), endEvent: rows.bytes(6))
                if chunk.rows.count == StoredIntervals.size {
                    decoding.submit([chunk])
                    chunk = StoredIntervals()
                }
            }
            decoding.submit([chunk])
            return EventStore.sortedByUnit(try decoding.finish().flatMap { $0 })
        }
    }

    /// How many units of each level hold on each of `days` (ascending), the levels that have none
    /// left out.
    ///
    /// One pass over the states that overlap the days, each added to the days from its first to
    /// its last (a running sum per level), instead of a whole hierarchy read and decoded for each
    /// day: `chronicle stats` over 127 years of a million events took 24 s that way (now 2.5 s).
    public func levelCounts(on days: [Day]) throws(ChronicleError) -> [[String: Int]] {
        guard let first = days.first, let last = days.last else { return [] }
        let ordinals = days.map(\.ordinal)
        precondition(zip(ordinals, ordinals.dropFirst()).allSatisfy { $0 < $1 }, "days must ascend")
        /// The index of the first day on or after `ordinal`.
        func firstDay(from ordinal: Int) -> Int {
            var (low, high) = (0, ordinals.count)
            while low < high {
                let middle = (low + high) / 2
                if ordinals[middle] < ordinal { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return try read { db in
            let rows = try RawQuery(db, IntervalTree.query(selecting: "validFrom, validTo, json_extract(state, '$.level')",
                                                           from: first.ordinal, through: last.ordinal), [])
            var levels: [String: Int] = [:]
            // For each level, what changes from each day to the next: +1 where a state begins
            // holding, -1 where it stops.
            var changes: [[Int]] = []
            while try rows.next() {
                let start = firstDay(from: rows.integer(0) ?? 0)
                let end = rows.integer(1).map(firstDay(from:)) ?? ordinals.count
                guard start < end else { continue }
                let level = rows.text(2) ?? ""
                let index = levels[level] ?? {
                    levels[level] = changes.count
                    changes.append(Array(repeating: 0, count: ordinals.count + 1))
                    return changes.count - 1
                }()
                changes[index][start] += 1
                changes[index][end] -= 1
            }
            var counts = Array(repeating: [String: Int](), count: ordinals.count)
            for (level, index) in levels {
                var holding = 0
                for day in ordinals.indices {
                    holding += changes[index][day]
                    if holding > 0 { counts[day][level] = holding }
                }
            }
            return counts
        }
    }

    /// Rows of ``stateSelection`` as read, their text in one buffer, not yet decoded: one
    /// allocation a chunk on SQLite's thread instead of four strings a row.
    struct StoredIntervals: Sendable {
        static let size = 4_096
        struct Row: Sendable {
            var from: Int, to: Int?
            /// Where each text column's bytes start in ``text``, and how many (`-1`: NULL).
            var unit: (Int32, Int32), state: (Int32, Int32), event: (Int32, Int32), endEvent: (Int32, Int32)
        }
        var text: [UInt8] = []
        var rows: [Row] = []

        init() {
            rows.reserveCapacity(StoredIntervals.size)
            text.reserveCapacity(StoredIntervals.size * 192)
        }

        private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>?) -> (Int32, Int32) {
            guard let bytes else { return (Int32(text.count), -1) }
            let start = Int32(text.count)
            text.append(contentsOf: bytes)
            return (start, Int32(bytes.count))
        }

        mutating func append(unit: UnsafeBufferPointer<UInt8>?, from: Int, to: Int?, state: UnsafeBufferPointer<UInt8>?,
                             event: UnsafeBufferPointer<UInt8>?, endEvent: UnsafeBufferPointer<UInt8>?) {
            rows.append(Row(from: from, to: to, unit: keep(unit), state: keep(state), event: keep(event), endEvent: keep(endEvent)))
        }

        func decoded() throws -> [UnitInterval?] {
            try text.withUnsafeBufferPointer { text in
                func bytes(_ range: (Int32, Int32)) -> UnsafeBufferPointer<UInt8> {
                    UnsafeBufferPointer(rebasing: text[Int(range.0)..<Int(range.0) + max(0, Int(range.1))])
                }
                func string(_ range: (Int32, Int32)) -> String? {
                    range.1 < 0 ? nil : String(decoding: bytes(range), as: UTF8.self)
                }
                return try rows.map { row in
                    UnitInterval(unit: string(row.unit) ?? "", validFrom: Day(ordinal: row.from), validTo: row.to.map(Day.init(ordinal:)),
                                 state: try EventStore.state(fromJSON: bytes(row.state)), event: string(row.event) ?? "",
                                 endEvent: string(row.endEvent))
                }
            }
        }
    }

    /// Intervals (one per unit) joined and ordered by unit id, as SQLite orders text (by bytes).
    ///
    /// The first sixteen bytes of each id, as two numbers, decide almost every comparison, and the
    /// keys sort without touching the strings (a hundred thousand ids; sorting by the strings
    /// themselves, or by indices into them, was a measurable part of an as-of query). The
    /// intervals are then moved out of their chunks in that order: copying them, with a retain of
    /// everything each holds, took 30–85 ms at 104k units.
    static func sortedByUnit(_ chunks: consuming [[UnitInterval?]]) -> [UnitInterval] {
        struct Key {
            var high: UInt64, low: UInt64, chunk: Int32, index: Int32
        }
        var keys: [Key] = []
        keys.reserveCapacity(chunks.reduce(0) { $0 + $1.count })
        for c in chunks.indices {
            for i in chunks[c].indices {
                var high: UInt64 = 0, low: UInt64 = 0, count = 0
                for byte in chunks[c][i]!.unit.utf8.prefix(16) {
                    if count < 8 { high |= UInt64(byte) << (56 - 8 * count) } else { low |= UInt64(byte) << (56 - 8 * (count - 8)) }
                    count += 1
                }
                keys.append(Key(high: high, low: low, chunk: Int32(c), index: Int32(i)))
            }
        }
        keys.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            // Ids that share their first sixteen bytes. Unit ids are ASCII slugs, for which
            // String order is SQLite's byte order.
            return chunks[Int(a.chunk)][Int(a.index)]!.unit < chunks[Int(b.chunk)][Int(b.index)]!.unit
        }
        var sorted: [UnitInterval] = []
        sorted.reserveCapacity(keys.count)
        for key in keys { sorted.append(chunks[Int(key.chunk)][Int(key.index)].take()!) }
        return sorted
    }

    /// One unit's state on a day, or `nil` when it does not exist then.
    public func state(of unit: UnitID, on day: Day) throws(ChronicleError) -> UnitInterval? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(EventStore.stateSelection) FROM unit_state WHERE unit = ? AND validFrom <= ? AND (validTo IS NULL OR validTo > ?)
                """, arguments: [unit, day.ordinal, day.ordinal]).map(EventStore.interval)
        }
    }

    /// The latest observation of each key made on or before a day, by unit.
    public func observations(on day: Day, units: [UnitID]? = nil) throws(ChronicleError) -> [UnitID: [String: Observation]] {
        try read { db in
            var found: [UnitID: [String: Observation]] = [:]
            // SQLite takes the bare columns from the row with the greatest eventDay.
            let select = "SELECT unit, key, value, date, event, MAX(eventDay) AS eventDay FROM observation"
            if let units {
                let statement = try db.cachedStatement(sql: "\(select) WHERE unit = ? AND eventDay <= ? GROUP BY key")
                for unit in units {
                    for row in try Row.fetchAll(statement, arguments: [unit, day.ordinal]) {
                        let o = Observation(unit: row[0], key: row[1], value: row[2], date: row[3], event: row[4], day: Day(ordinal: row[5]))
                        found[o.unit, default: [:]][o.key] = o
                    }
                }
            } else {
                // A whole hierarchy's observations (tens of thousands): read at the C level, by column index.
                let rows = try RawQuery(db, "\(select) WHERE eventDay <= ? GROUP BY unit, key", [day.ordinal])
                while try rows.next() {
                    let o = Observation(unit: rows.text(0) ?? "", key: rows.text(1) ?? "", value: rows.real(2) ?? 0, date: rows.text(3) ?? "",
                                        event: rows.text(4) ?? "", day: Day(ordinal: rows.integer(5) ?? 0))
                    found[o.unit, default: [:]][o.key] = o
                }
            }
            return found
        }
    }

    /// The first day on which any unit exists, or `nil` for an empty store.
    public func firstDay() throws(ChronicleError) -> Day? {
        try read { db in try Int.fetchOne(db, sql: "SELECT MIN(validFrom) FROM unit_state").map(Day.init(ordinal:)) }
    }

    /// The keys of every observation recorded (population, …), sorted.
    public func observationKeys() throws(ChronicleError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT key FROM observation ORDER BY key") }
    }

    /// Every interval that overlaps a span of days, ordered by unit and start.
    public func intervals(overlapping from: Day, _ until: Day) throws(ChronicleError) -> [UnitInterval] {
        try read { db in
            var intervals: [UnitInterval] = []
            try EventStore.eachInterval(db, overlapping: from, until) { intervals.append($0) }
            return intervals
        }
    }

    /// Each interval that overlaps a span of days, ordered by unit and start, read a row at a time
    /// (for output too large to hold: all the rows of a long span, held as rows and then as
    /// states, took twice the memory of the states alone).
    static func eachInterval(_ db: Database, overlapping from: Day, _ until: Day, _ body: (UnitInterval) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT * FROM (\(IntervalTree.query(selecting: EventStore.stateSelection, from: from.ordinal, through: until.ordinal - 1))) ORDER BY unit, validFrom
            """)
        while let row = try rows.next() { try body(try EventStore.interval(row)) }
    }

    /// Every interval of one unit, oldest first.
    public func intervals(of unit: UnitID) throws(ChronicleError) -> [UnitInterval] {
        try read { db in try EventStore.intervals(of: unit, db) }
    }

    /// Every interval of one unit, oldest first, inside a read already open.
    static func intervals(of unit: UnitID, _ db: Database) throws -> [UnitInterval] {
        try Row.fetchAll(db, sql: "SELECT \(EventStore.stateSelection) FROM unit_state WHERE unit = ? ORDER BY validFrom", arguments: [unit])
            .map(EventStore.interval)
    }

    /// The uncertainties that hold on a day, by unit (only for `units`, when given).
    public func uncertainties(on day: Day, units: [UnitID]? = nil) throws(ChronicleError) -> [UnitID: [Uncertainty]] {
        try read { db in
            var rows: [Row] = []
            if let units {
                let statement = try db.cachedStatement(sql: "SELECT * FROM uncertainty WHERE unit = ? AND fromDay <= ? AND toDay > ? ORDER BY eventDay, event")
                for unit in units { rows += try Row.fetchAll(statement, arguments: [unit, day.ordinal, day.ordinal]) }
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM uncertainty WHERE fromDay <= ? AND toDay > ? ORDER BY unit, eventDay, event",
                                        arguments: [day.ordinal, day.ordinal])
            }
            return Dictionary(grouping: rows.map(EventStore.uncertainty), by: \.unit)
        }
    }

    /// Every span on which a unit's state depends on an imprecise or disputed date.
    public func uncertainties(of unit: UnitID) throws(ChronicleError) -> [Uncertainty] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM uncertainty WHERE unit = ? ORDER BY fromDay, event", arguments: [unit])
                .map(EventStore.uncertainty)
        }
    }

    static func uncertainty(_ row: Row) -> Uncertainty {
        Uncertainty(unit: row["unit"], from: Day(ordinal: row["fromDay"]), to: Day(ordinal: row["toDay"]),
                    event: row["event"], eventDay: Day(ordinal: row["eventDay"]))
    }

    /// Recorded events by id.
    public func events(withIDs ids: some Sequence<String>) throws(ChronicleError) -> [String: StoredEvent] {
        let list = Array(Set(ids))
        return try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selection) FROM event WHERE id IN (\(databaseQuestionMarks(count: list.count)))",
                                        arguments: StatementArguments(list))
            return Dictionary(try rows.map { let e = try StoredEvent(row: $0); return (e.event.id, e) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Events by id as they now stand, with every correction recorded so far applied.
    public func effectiveEvents(withIDs ids: some Sequence<String>) throws(ChronicleError) -> [String: Event] {
        let list = Array(Set(ids))
        guard !list.isEmpty else { return [:] }
        let stored = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(StoredEvent.selection) FROM event WHERE id IN (\(databaseQuestionMarks(count: list.count))) OR target IN (\(databaseQuestionMarks(count: list.count)))
                ORDER BY position
                """, arguments: StatementArguments(list + list)).map(StoredEvent.init(row:))
        }
        let effective = Corrections.effective(stored.map(\.scheduled)).events
        return Dictionary(effective.map { ($0.event.id, $0.event) }, uniquingKeysWith: { a, _ in a })
    }

    /// Every recorded event that names a unit, with the corrections and retractions of those events, in store order.
    public func events(touching unit: UnitID) throws(ChronicleError) -> [StoredEvent] {
        try read { db in
            try Row.fetchAll(db, sql: """
                WITH touching(id) AS (
                    SELECT e.id FROM event e JOIN event_unit u ON u.position = e.position WHERE u.unit = ?
                    UNION SELECT event FROM unit_state WHERE unit = ?
                    UNION SELECT endEvent FROM unit_state WHERE unit = ? AND endEvent IS NOT NULL
                )
                SELECT \(StoredEvent.selection) FROM event WHERE id IN touching OR target IN touching ORDER BY position
                """, arguments: [unit, unit, unit]).map(StoredEvent.init(row:))
        }
    }

    /// For every event, the units whose states it began or ended.
    public func unitsTouched() throws(ChronicleError) -> [String: [UnitID]] {
        try read { db in
            var touched: [String: [UnitID]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT event AS id, unit FROM unit_state UNION SELECT endEvent AS id, unit FROM unit_state WHERE endEvent IS NOT NULL
                ORDER BY id, unit
                """) {
                touched[row["id"], default: []].append(row["unit"])
            }
            return touched
        }
    }

    /// `true` when some interval of the unit was ever recorded.
    public func exists(_ unit: UnitID) throws(ChronicleError) -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM unit_state WHERE unit = ?)", arguments: [unit]) ?? false }
    }

    /// Units with a name (present or past, in any script) that matches, best matches first.
    ///
    /// - Parameters:
    ///   - text: Any name or romanization; case, diacritics, spaces and hyphens do not count.
    ///   - day: When given, only units that exist on that day, and names they had then come first.
    public func search(_ text: String, on day: Day? = nil) throws(ChronicleError) -> [NameMatch] {
        let folded = NameFolding.fold(text)
        guard !folded.isEmpty else { return [] }
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT unit, key, name, folded FROM unit_name WHERE instr(folded, ?) > 0 ORDER BY unit, key, name
                """, arguments: [folded])
            // Each matching unit's names on the day (or now): a match among them is current, any other is former.
            var namesThen: [UnitID: [String: String]?] = [:]
            var best: [UnitID: NameMatch] = [:]
            for row in rows {
                let unit: UnitID = row["unit"]
                if namesThen[unit] == nil {
                    let text = try day.map { d in try String.fetchOne(db, sql: """
                        SELECT state FROM unit_state WHERE unit = ? AND validFrom <= ? AND (validTo IS NULL OR validTo > ?)
                        """, arguments: [unit, d.ordinal, d.ordinal]) }
                        ?? String.fetchOne(db, sql: "SELECT state FROM unit_state WHERE unit = ? AND validTo IS NULL", arguments: [unit])
                    namesThen[unit] = .some(try text.map { try EventStore.state(fromJSON: $0).names })
                }
                let current = namesThen[unit]!
                if day != nil && current == nil { continue }
                let key: String = row["key"]
                let name: String = row["name"]
                let match = NameMatch(unit: unit, name: name, key: key, exact: (row["folded"] as String) == folded,
                                      former: current?[key] != name)
                if let existing = best[unit], EventStore.rank(existing) <= EventStore.rank(match) { continue }
                best[unit] = match
            }
            return best.values.sorted { (EventStore.rank($0), $0.unit) < (EventStore.rank($1), $1.unit) }
        }
    }

    private static func rank(_ match: NameMatch) -> Int { (match.exact ? 0 : 2) + (match.former ? 1 : 0) }

    /// The unit an argument names: an id, or a name that only one unit matches exactly.
    ///
    /// - Throws: ``ChronicleError/notFound(_:)`` or ``ChronicleError/usage(_:)`` (ambiguous) with a sentence that lists candidates.
    public func resolve(_ text: String, on day: Day? = nil) throws(ChronicleError) -> UnitID {
        if try exists(text) { return text }
        let matches = try search(text, on: day)
        let exact = matches.filter(\.exact)
        if exact.count == 1 { return exact[0].unit }
        if exact.count > 1 {
            let current = exact.filter { !$0.former }
            if current.count == 1 { return current[0].unit }
            throw .usage("'\(text)' names several units: \(exact.map { "\($0.unit) (\($0.name))" }.joined(separator: ", ")). Give the id instead.")
        }
        let hint = matches.prefix(5).map { "\($0.unit) (\($0.name))" }
        throw .usage("No unit is called '\(text)'" + (hint.isEmpty ? "." : ". Did you mean: \(hint.joined(separator: ", "))?"))
    }
}
