import Foundation
import GRDB

extension EventStore {
    /// The store as it stood when the event at `position` had just been recorded:
    /// an in-memory copy of the records up to it, projected afresh. Every query
    /// asked of it answers as the store would have answered then.
    ///
    /// The scheme is the current one: schemes are configuration, not recorded history.
    public func asKnown(at position: Int) throws -> EventStore {
        let copy = try EventStore.inMemory()
        try copy.copyRecords(from: self, upTo: position)
        try copy.rebuildProjection()
        return copy
    }

    /// Copies the recorded rows (events, their units, schemes) of another store into this empty one.
    func copyRecords(from other: EventStore, upTo position: Int?) throws {
        let limit = position ?? Int.max
        let (events, mentions, schemes) = try other.writer.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM event WHERE position <= ? ORDER BY position", arguments: [limit]),
             try Row.fetchAll(db, sql: "SELECT * FROM event_unit WHERE position <= ?", arguments: [limit]),
             try Row.fetchAll(db, sql: "SELECT * FROM scheme"))
        }
        try writer.write { db in
            for (table, rows) in [("event", events), ("event_unit", mentions), ("scheme", schemes)] {
                guard let first = rows.first else { continue }
                let columns = Array(first.columnNames)
                let insert = try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))")
                for row in rows { try insert.execute(arguments: StatementArguments(columns.map { row[$0] as DatabaseValue })) }
            }
        }
    }

    /// The store position that `--known-at` names: a position, or the last event
    /// recorded at or before a timestamp (a bare date means the end of that day, UTC).
    ///
    /// - Throws: ``ChronicleError/usage(_:)`` when the text is neither.
    public func position(knownAt text: String) throws(ChronicleError) -> Int {
        let head = try headPosition()
        if let position = Int(text) {
            guard position >= 0 else { throw .usage("--known-at takes a store position (0 to \(head)) or a timestamp; '\(text)' is neither.") }
            return try importBoundary(atOrBefore: min(position, head))
        }
        let instant: Date
        if let date = Timestamp.parse(text) {
            instant = date
        } else if let day = Day(iso: text), day.civil.month > 0, text.count == 10 {
            instant = Date(timeIntervalSince1970: Double(day.ordinal + 1) * 86_400 - 0.001)
        } else {
            throw .usage("--known-at takes a store position (0 to \(head)) or a timestamp such as 2026-11-23 or 2026-11-23T15:04:00Z; '\(text)' is neither.")
        }
        let stamp = Timestamp.format(instant)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event WHERE recordedAt <= ?", arguments: [stamp]) ?? 0
        }
    }

    /// The last position at or before `position` at which an import ended: the store was only
    /// ever seen between imports, since each import is one transaction.
    public func importBoundary(atOrBefore position: Int) throws(ChronicleError) -> Int {
        try read { db in
            guard let next: String = try String.fetchOne(db, sql: "SELECT recordedAt FROM event WHERE position = ?", arguments: [position + 1]),
                  let here: String = try String.fetchOne(db, sql: "SELECT recordedAt FROM event WHERE position = ?", arguments: [position]),
                  here == next else { return position }
            return try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event WHERE recordedAt < ?", arguments: [here]) ?? 0
        }
    }
}
