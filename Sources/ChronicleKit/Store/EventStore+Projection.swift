import Foundation
import GRDB

extension EventStore {
    /// Drops the projected tables and folds every recorded event again.
    ///
    /// - Throws: ``DiagnosticsError`` when the recorded events break an invariant.
    public func rebuildProjection() throws {
        try writer.write { db in
            let problems = try project(db, from: nil)
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
        }
    }

    /// Brings the projection up to the last recorded event, folding only from the
    /// first day the missing events touch.
    public func catchUp() throws {
        try writer.write { db in
            let projected = try Int.fetchOne(db, sql: "SELECT position FROM projection") ?? 0
            let stored = try storedEvents(db)
            guard let head = stored.last?.position, head > projected else { return }
            let before = Corrections.effective(stored.filter { $0.position <= projected }.map(\.scheduled)).events
            let after = Corrections.effective(stored.map(\.scheduled)).events
            let day = EventStore.firstAffectedDay(before: before, after: after)
            let problems = try project(db, from: day ?? Day(ordinal: Int(Int32.max)))
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
        }
        try checkpoint()
    }

    /// Folds the events from a day on into the projected tables (from the start when `day` is `nil`).
    ///
    /// Only the events that can matter are read back: those dated from the day on, every
    /// correction and retraction, and the events they name.
    ///
    /// - Returns: Every invariant the events break; the caller rolls back when there are any.
    func project(_ db: Database, from day: Day?, preloaded: [ScheduledEvent]? = nil) throws -> [Diagnostic] {
        let rows: [Row]
        if preloaded != nil {
            rows = []
        } else if let day {
            rows = try Row.fetchAll(db, sql: """
                SELECT * FROM event WHERE earliest >= ? OR target IS NOT NULL
                   OR id IN (SELECT target FROM event WHERE target IS NOT NULL)
                ORDER BY position
                """, arguments: [day.ordinal])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM event ORDER BY position")
        }
        let corrected = Corrections.effective(try preloaded ?? rows.map { try StoredEvent(row: $0).scheduled })
        var initial: [Projector.Tracked] = []
        if let day {
            initial = try loadTracked(db, before: day)
            try db.execute(sql: "DELETE FROM unit_state WHERE validFrom >= ?", arguments: [day.ordinal])
            try db.execute(sql: "DELETE FROM uncertainty WHERE eventDay >= ?", arguments: [day.ordinal])
            try db.execute(sql: "DELETE FROM observation WHERE eventDay >= ?", arguments: [day.ordinal])
        } else {
            try db.execute(sql: "DELETE FROM unit_name; DELETE FROM unit_state; DELETE FROM uncertainty; DELETE FROM observation")
        }
        var projector = Projector(schemes: try storedSchemes(db), initial: initial)
        let pending = day.map { day in corrected.events.filter { $0.day >= day } } ?? corrected.events
        let result = projector.fold(pending)
        let problems = corrected.diagnostics + result.diagnostics
        guard problems.isEmpty else { return problems }
        try write(result, db)
        try db.execute(sql: "UPDATE projection SET position = (SELECT COALESCE(MAX(position), 0) FROM event)")
        return []
    }

    /// Every unit's latest interval that began before a day; those still holding on it are reopened.
    private func loadTracked(_ db: Database, before day: Day) throws -> [Projector.Tracked] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, unit, validFrom, validTo, state, event, endEvent, MAX(validFrom)
            FROM unit_state WHERE validFrom < ? GROUP BY unit
            """, arguments: [day.ordinal])
        return try rows.map { row in
            var interval = try EventStore.interval(row)
            if let end = interval.validTo, end < day {
                return Projector.Tracked(interval: interval)
            }
            interval.validTo = nil
            interval.endEvent = nil
            return Projector.Tracked(interval: interval, rowID: row["id"])
        }
    }

    private func write(_ result: Projector.Result, _ db: Database) throws {
        let reopen = try db.cachedStatement(sql: "UPDATE unit_state SET validTo = ?, endEvent = ? WHERE id = ?")
        for (rowID, end) in result.reopened.sorted(by: { $0.key < $1.key }) {
            try reopen.execute(arguments: [end.validTo?.ordinal, end.endEvent, rowID])
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO unit_state (unit, validFrom, validTo, state, event, endEvent) VALUES (?, ?, ?, ?, ?, ?)
            """)
        let name = try db.cachedStatement(sql: "INSERT INTO unit_name (state, unit, key, name, folded) VALUES (?, ?, ?, ?, ?)")
        // A unit keeps most of its names from one state to the next: fold each text once.
        var folded: [String: String] = [:]
        for interval in result.intervals {
            try insert.execute(arguments: [
                interval.unit, interval.validFrom.ordinal, interval.validTo?.ordinal,
                interval.state.canonicalJSON, interval.event, interval.endEvent,
            ])
            let rowID = db.lastInsertedRowID
            for (key, text) in interval.state.names.sorted(by: { $0.key < $1.key }) {
                let fold: String
                if let known = folded[text] { fold = known } else { fold = NameFolding.fold(text); folded[text] = fold }
                try name.execute(arguments: [rowID, interval.unit, key, text, fold])
            }
        }
        let uncertain = try db.cachedStatement(sql: "INSERT INTO uncertainty (unit, fromDay, toDay, event, eventDay) VALUES (?, ?, ?, ?, ?)")
        for u in result.uncertainties {
            try uncertain.execute(arguments: [u.unit, u.from.ordinal, u.to.ordinal, u.event, u.eventDay.ordinal])
        }
        let observed = try db.cachedStatement(sql: "INSERT INTO observation (unit, key, value, date, event, eventDay) VALUES (?, ?, ?, ?, ?, ?)")
        for o in result.observations {
            try observed.execute(arguments: [o.unit, o.key, o.value, o.date, o.event, o.day.ordinal])
        }
    }

    static func interval(_ row: Row) throws -> UnitInterval {
        let text: String = row["state"]
        let state: UnitState
        if let fast = try? UnitState(storedJSON: text) { state = fast } else { state = try JSONDecoder().decode(UnitState.self, from: Data(text.utf8)) }
        return UnitInterval(
            unit: row["unit"],
            validFrom: Day(ordinal: row["validFrom"]),
            validTo: (row["validTo"] as Int?).map(Day.init(ordinal:)),
            state: state,
            event: row["event"],
            endEvent: row["endEvent"])
    }

    /// The projected tables as plain rows, in a fixed order: for comparing two projections.
    public func projectionDump() throws(ChronicleError) -> [String] {
        try read { db in
            let states = try Row.fetchAll(db, sql: "SELECT unit, validFrom, validTo, state, event, endEvent FROM unit_state ORDER BY unit, validFrom")
            let names = try Row.fetchAll(db, sql: """
                SELECT s.unit, s.validFrom, n.key, n.name, n.folded FROM unit_name n JOIN unit_state s ON s.id = n.state
                ORDER BY s.unit, s.validFrom, n.key
                """)
            let uncertain = try Row.fetchAll(db, sql: "SELECT * FROM uncertainty ORDER BY unit, fromDay, event")
            let observed = try Row.fetchAll(db, sql: "SELECT * FROM observation ORDER BY unit, key, eventDay, event")
            return (states + names + uncertain + observed).map(\.description)
        }
    }
}

/// Folds names for lookup: case, diacritics, width, apostrophes, hyphens and spaces do not count.
public enum NameFolding {
    public static func fold(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}
