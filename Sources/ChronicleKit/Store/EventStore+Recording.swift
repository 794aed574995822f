public import Foundation
import GRDB

/// What an import did.
public struct ImportReport: Hashable, Sendable {
    /// Events appended by this import.
    public var added: Int
    /// Events already recorded with the same content, skipped.
    public var unchanged: Int
    /// Countries whose scheme was recorded or replaced.
    public var schemes: [String]
    /// The store position after the import.
    public var position: Int
}

extension EventStore {
    /// Records the events of a folder that the store does not have yet, and brings
    /// the projection up to date, in one transaction.
    ///
    /// An event whose id is recorded with the same content is skipped; the same id
    /// with other content, or a recorded event missing from the folder, is refused.
    ///
    /// - Parameters:
    ///   - folder: The event files as read.
    ///   - recordedAt: The recorded time to stamp on the new events.
    /// - Throws: ``DiagnosticsError`` listing every problem; nothing is written then.
    ///   - complete: The folder holds every recorded event (the default); `false` appends the
    ///     folder's events to what the store has, without reporting the events it lacks.
    @discardableResult
    public func record(_ folder: EventFolder, at recordedAt: Date = Date(), complete: Bool = true) throws -> ImportReport {
        guard folder.diagnostics.isEmpty else { throw DiagnosticsError(folder.diagnostics) }
        do {
            let report = try writer.write { db in try record(folder, at: recordedAt, complete: complete, db) }
            if report.added > 0 || !report.schemes.isEmpty { try checkpoint() }
            return report
        } catch let error as DiagnosticsError {
            throw error
        } catch {
            throw ChronicleError.store("Cannot write to the store: \(EventStore.describe(error)) Nothing was recorded.")
        }
    }

    private func record(_ folder: EventFolder, at recordedAt: Date, complete: Bool, _ db: Database) throws -> ImportReport {
        let stamp = Timestamp.format(recordedAt)
        let stored = try storedEvents(db)
        let byID = Dictionary(stored.map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        var diagnostics: [Diagnostic] = []
        var fresh: [LocatedEvent] = []
        var unchanged = 0
        var inFolder = Set<String>()
        for located in folder.events {
            inFolder.insert(located.event.id)
            let payload = try Canonical.json(located.event)
            if let recorded = byID[located.event.id] {
                if recorded.payload == payload {
                    unchanged += 1
                } else {
                    diagnostics.append(Diagnostic(
                        location: located.location, eventID: located.event.id,
                        message: "event \(located.event.id) differs from the version recorded at position \(recorded.position) "
                            + "on \(Timestamp.format(recorded.recordedAt)); recorded events are never edited: "
                            + "restore it and record a corrected event (corrects: \(located.event.id)), "
                            + "or rebuild the store with --rebuild, which discards its recorded history"))
                }
            } else {
                fresh.append(located)
            }
        }
        for recorded in stored where complete && !inFolder.contains(recorded.event.id) {
            diagnostics.append(Diagnostic(
                location: recorded.location, eventID: recorded.event.id,
                message: "event \(recorded.event.id), recorded at position \(recorded.position) on \(Timestamp.format(recorded.recordedAt)), "
                    + "is no longer in the event files; recorded events are never removed: put it back and record a retracted event "
                    + "(retracts: \(recorded.event.id)), or rebuild the store with --rebuild, which discards its recorded history"))
        }
        guard diagnostics.isEmpty else { throw DiagnosticsError(diagnostics) }

        var changedSchemes: [String] = []
        let storedSchemes = try String.fetchAll(db, sql: "SELECT payload FROM scheme ORDER BY country")
        for scheme in folder.schemes.sorted(by: { $0.country < $1.country }) {
            let payload = try Canonical.json(scheme)
            if !storedSchemes.contains(payload) {
                try db.execute(
                    sql: "INSERT INTO scheme (country, payload, recordedAt) VALUES (?, ?, ?) ON CONFLICT(country) DO UPDATE SET payload = excluded.payload, recordedAt = excluded.recordedAt",
                    arguments: [scheme.country, payload, stamp])
                changedSchemes.append(scheme.country)
            }
        }

        let before = Corrections.effective(stored.map(\.scheduled)).events
        let insert = try db.cachedStatement(sql: """
            INSERT INTO event (position, id, type, unit, target, date, earliest, latest, payload, sources, file, line, recordedAt, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var head = try Row.fetchOne(db, sql: "SELECT position, hash FROM event ORDER BY position DESC LIMIT 1")
            .map { (position: $0["position"] as Int, hash: $0["hash"] as String) } ?? (position: 0, hash: HashChain.genesis)
        let mention = try db.cachedStatement(sql: "INSERT INTO event_unit (position, unit) VALUES (?, ?)")
        var all = stored.map(\.scheduled)
        for located in fresh {
            let event = located.event
            let position = head.position + 1
            var row = HashChain.Row(
                position: position, id: event.id, type: event.type, unit: event.unit, target: event.target,
                date: event.date.text, earliest: event.date.earliest.ordinal, latest: event.date.latest.ordinal,
                payload: try Canonical.json(event), sources: try Canonical.json(event.sources),
                file: located.location?.file, line: located.location?.line, recordedAt: stamp)
            let hash = try HashChain.hash(of: row, after: head.hash)
            row.hash = hash
            try insert.execute(arguments: [
                row.position, row.id, row.type, row.unit, row.target, row.date, row.earliest, row.latest,
                row.payload, row.sources, row.file, row.line, row.recordedAt, hash,
            ])
            head = (position, hash)
            var units = event.mentionedUnits
            if let target = event.target, let original = (all.first { $0.event.id == target }) {
                units += original.event.mentionedUnits
            }
            for unit in Set(units).sorted() { try mention.execute(arguments: [position, unit]) }
            all.append(ScheduledEvent(event: event, location: located.location, order: position))
        }

        if !fresh.isEmpty || !changedSchemes.isEmpty {
            let after = Corrections.effective(all).events
            let from = changedSchemes.isEmpty ? EventStore.firstAffectedDay(before: before, after: after) : nil
            let problems = try project(db, from: from, all: all)
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
        }
        let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") ?? 0
        return ImportReport(added: fresh.count, unchanged: unchanged, schemes: changedSchemes, position: position)
    }

    /// Moves everything committed from the write-ahead log into the store file and empties the log,
    /// so that the file alone holds the store (it may be copied, moved or compared byte for byte).
    public func checkpoint() throws {
        try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// How many events of a folder the store has not recorded (new, or recorded with other content).
    public func unrecorded(_ folder: EventFolder) throws(ChronicleError) -> Int {
        let stored = Dictionary(try events().map { ($0.event.id, $0.payload) }, uniquingKeysWith: { a, _ in a })
        return folder.events.filter { located in stored[located.event.id] != (try? Canonical.json(located.event)) }.count
    }

    /// The earliest day on which two versions of the effective events differ.
    static func firstAffectedDay(before: [ScheduledEvent], after: [ScheduledEvent]) -> Day? {
        let old = Dictionary(before.map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(after.map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        var first: Day?
        for id in Set(old.keys).union(new.keys) where old[id]?.event != new[id]?.event {
            for day in [old[id]?.day, new[id]?.day].compactMap({ $0 }) {
                first = min(first ?? day, day)
            }
        }
        return first
    }

    func storedEvents(_ db: Database, upTo position: Int? = nil) throws -> [StoredEvent] {
        try Row.fetchAll(db, sql: "SELECT * FROM event WHERE position <= ? ORDER BY position", arguments: [position ?? Int.max])
            .map(StoredEvent.init(row:))
    }

    /// Every recorded event in store order.
    ///
    /// - Parameter position: Only the events recorded up to this position (the `--known-at` view).
    public func events(upTo position: Int? = nil) throws(ChronicleError) -> [StoredEvent] {
        try read { db in try storedEvents(db, upTo: position) }
    }

    /// The recorded schemes.
    public func schemes() throws(ChronicleError) -> [Scheme] {
        try read { db in try storedSchemes(db) }
    }

    func storedSchemes(_ db: Database) throws -> [Scheme] {
        try String.fetchAll(db, sql: "SELECT payload FROM scheme ORDER BY country")
            .map { try JSONDecoder().decode(Scheme.self, from: Data($0.utf8)) }
    }

    /// The last recorded position (0 for an empty store).
    public func headPosition() throws(ChronicleError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") ?? 0 }
    }
}
