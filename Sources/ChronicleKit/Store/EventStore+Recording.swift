public import Foundation
import GRDB
import Synchronization

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
    /// Where the import's time went (not part of equality: it differs from run to run).
    public var durations = Durations()

    /// Seconds spent on each part of an import, inside its transaction.
    public struct Durations: Sendable {
        /// Comparing with the recorded events and appending the new ones to the log (hashes, `event_unit`).
        public var appending: Double = 0
        /// Folding and writing the projected tables.
        public var projecting: Double = 0
    }

    public init(added: Int, unchanged: Int, schemes: [String], position: Int) {
        (self.added, self.unchanged, self.schemes, self.position) = (added, unchanged, schemes, position)
    }

    public static func == (a: ImportReport, b: ImportReport) -> Bool {
        (a.added, a.unchanged, a.schemes, a.position) == (b.added, b.unchanged, b.schemes, b.position)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(added)
        hasher.combine(unchanged)
        hasher.combine(schemes)
        hasher.combine(position)
    }
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
    ///
    /// The folder is consumed: the import takes its events over before appending them, and holds
    /// one array of them, not two (a caller that keeps using the folder keeps its own copy).
    @discardableResult
    public func record(_ folder: consuming EventFolder, at recordedAt: Date = Date(), complete: Bool = true) throws -> ImportReport {
        guard folder.diagnostics.isEmpty else { throw DiagnosticsError(folder.diagnostics) }
        var folder = consume folder
        var fresh: FreshProjection?
        do {
            // A store that holds nothing folds what it is given into a new projection file, adopted
            // in the transaction that records the events (``ProjectionFile``).
            // (A store in a file fills it on a connection of its own while the events are appended.)
            if try headPosition() == 0 && !(folder.events.isEmpty && folder.schemes.isEmpty) {
                fresh = try unattachedFreshProjection() ?? attachFreshProjection()
            }
            var adopted = false
            let report: ImportReport
            do {
                report = try writer.write { db in try record(&folder, at: recordedAt, complete: complete, fresh: fresh, adopted: &adopted, db) }
            } catch {
                if let fresh { discard(fresh) }
                throw error
            }
            if let fresh { if adopted { try finish(fresh) } else { discard(fresh) } }
            if report.added > 0 || !report.schemes.isEmpty { try checkpointUnlessRead() }
            return report
        } catch let error as DiagnosticsError {
            throw error
        } catch {
            throw ChronicleError.store("Cannot write to the store: \(EventStore.describe(error)) Nothing was recorded.")
        }
    }

    /// What the store holds of one recorded event, without decoding it.
    private struct Recorded {
        var position: Int
        var payload: String
        var recordedAt: String
        var location: SourceLocation?
    }

    /// - Parameters:
    ///   - fresh: An empty projection file for the fold of a store that held nothing.
    ///   - adopted: Set when the transaction adopts `fresh` (it commits with it).
    private func record(_ folder: inout EventFolder, at recordedAt: Date, complete: Bool, fresh: FreshProjection?, adopted: inout Bool,
                        _ db: Database) throws -> ImportReport {
        let started = DispatchTime.now().uptimeNanoseconds
        let stamp = Timestamp.format(recordedAt)
        // The recorded events the folder is compared with: all of them when the folder should be
        // complete, otherwise only those whose ids the folder uses.
        var recorded: [String: Recorded] = [:]
        func collect(_ rows: [Row]) {
            for row in rows {
                recorded[row["id"]] = Recorded(
                    position: row["position"], payload: row["payload"], recordedAt: row["recordedAt"],
                    location: (row["file"] as String?).map { SourceLocation(file: $0, line: row["line"] ?? 1) })
            }
        }
        let columns = "id, position, payload, recordedAt, file, line"
        if complete {
            collect(try Row.fetchAll(db, sql: "SELECT \(columns) FROM event"))
        } else {
            let ids = folder.events.map(\.event.id)
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(ids.count, start + 500)])
                collect(try Row.fetchAll(db, sql: "SELECT \(columns) FROM event WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                                         arguments: StatementArguments(chunk)))
            }
        }
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

        let insert = try BulkInsert(db, """
            INSERT INTO event (position, id, type, unit, target, date, earliest, latest, payload, sources, file, line, recordedAt, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var head = try Row.fetchOne(db, sql: "SELECT position, hash FROM event ORDER BY position DESC LIMIT 1")
            .map { (position: $0["position"] as Int, hash: $0["hash"] as String) } ?? (position: 0, hash: HashChain.genesis)
        let startPosition = head.position
        let mention = try BulkInsert(db, "INSERT INTO event_unit (position, unit) VALUES (?, ?)")
        // A correction's units are those of the event it names (recorded before, or in this import).
        let targeted = Set(folder.events.compactMap(\.event.target))
        var mentionsByID: [String: [UnitID]] = [:]

        // New events are appended as they are met, while no problem has been found: the import is one
        // transaction, so any problem, here or in the projection, rolls every row back. Nothing is
        // held for a second pass (a million payloads, say).
        var diagnostics: [Diagnostic] = []
        // The folder's events become the ones handed to the fold before anything is appended, and
        // the folder lets go of its own array: held side by side through the appends, with the
        // store's page cache filling, the two arrays were an import's peak (docs/benchmarks.md).
        // The events already recorded are dropped once the appends are done.
        var scheduled = folder.events.map { ScheduledEvent(event: $0.event, location: $0.location, order: 0) }
        folder.events = []
        /// Where the new events are in `scheduled`, in order.
        var new: [Int] = []
        var unchanged = 0
        // The ids of the folder, to report recorded events missing from it (none to report for an empty store).
        var inFolder = Set<String>()
        let checkMissing = complete && !recorded.isEmpty
        // A store that held nothing has its projection folded and written into a new file while the
        // events are appended (``EarlyProjection``): every event is new, so each one's position is
        // known before it is appended, and nothing changes `scheduled` until the fold has it.
        var early: EarlyProjection?
        if let fresh, fresh.alias == nil, let path = fresh.path, recorded.isEmpty, startPosition == 0 {
            for index in scheduled.indices { scheduled[index].order = startPosition + index + 1 }
            early = try EarlyProjection(path: path, events: scheduled, schemes: try EventStore.storedSchemes(db), position: startPosition + scheduled.count,
                                        maxPageCount: maxPageCount, progress: progress)
        }
        // (On any failure before it is done, it is stopped and waited for.)
        defer { early?.cancel() }
        // Each event's canonical payload and sources, the halves of its row's canonical JSON and the
        // units it names are written on another thread, a block ahead of this one, which numbers,
        // chains and inserts (the two took turns on one core).
        let writing = PreparedRows(scheduled, recordedAt: stamp)
        defer { writing.stop() }
        let total = scheduled.count
        progress?(ProgressReport(step: "recording", done: 0, total: total, unit: "events"))
        for compared in scheduled.indices {
            if compared % 4_096 == 0 && compared > 0 {
                progress?(ProgressReport(step: "recording", done: compared, total: total, unit: "events"))
                // A projection that has already failed (a full disk, a broken invariant) ends the import now.
                try early?.stopIfFailed()
            }
            let event = scheduled[compared].event
            let location = scheduled[compared].location
            if checkMissing { inFolder.insert(event.id) }
            let prepared = writing.next()
            if let previous = recorded[event.id] {
                if previous.payload == prepared.payload || (try? Event(storedPayload: previous.payload)) == event {
                    unchanged += 1
                } else {
                    diagnostics.append(Diagnostic(
                        location: location, eventID: event.id,
                        message: "event \(event.id) differs from the version recorded at position \(previous.position) "
                            + "on \(previous.recordedAt); recorded events are never edited: "
                            + "restore it and record a corrected event (corrects: \(event.id)), "
                            + "or rebuild the store with --rebuild, which discards its recorded history"))
                }
                continue
            }
            guard diagnostics.isEmpty else { continue }
            let position = head.position + 1
            let hash = HashChain.hash(head: prepared.head, position: position, tail: prepared.tail, after: head.hash)
            try insert.execute(
                .integer(position), .text(event.id), .text(event.type), .text(event.unit), .text(event.target), .text(event.date.text),
                .integer(event.date.earliest.ordinal), .integer(event.date.latest.ordinal), .text(prepared.payload), .text(prepared.sources),
                .text(location?.file), .integer(location?.line), .text(stamp), .text(hash))
            head = (position, hash)
            var units = prepared.units
            if let target = event.target {
                units = Set(units + (try mentionsByID[target] ?? String.fetchAll(db, sql: """
                    SELECT u.unit FROM event_unit u JOIN event e ON e.position = u.position WHERE e.id = ?
                    """, arguments: [target]))).sorted()
            }
            if targeted.contains(event.id) { mentionsByID[event.id] = units }
            for unit in units { try mention.execute(.integer(position), .text(unit)) }
            new.append(compared)
        }
        if checkMissing {
            for (id, previous) in recorded.sorted(by: { $0.value.position < $1.value.position }) where !inFolder.contains(id) {
                diagnostics.append(Diagnostic(
                    location: previous.location, eventID: id,
                    message: "event \(id), recorded at position \(previous.position) on \(previous.recordedAt), "
                        + "is no longer in the event files; recorded events are never removed: put it back and record a retracted event "
                        + "(retracts: \(id)), or rebuild the store with --rebuild, which discards its recorded history"))
            }
        }
        guard diagnostics.isEmpty else { throw DiagnosticsError(diagnostics) }
        progress?(ProgressReport(step: "recording", done: total, total: total, unit: "events"))
        // (Stopped first: the worker shares `scheduled`, which is about to change.)
        writing.stop()
        assert(early == nil || new.count == scheduled.count, "a first import's events are all new")
        if early == nil {
            // Only the new events stay, in order, each with its position: each moved down over the
            // recorded ones before it.
            scheduled.keep(ascending: new)
            for kept in scheduled.indices { scheduled[kept].order = startPosition + kept + 1 }
            if scheduled.capacity > 2 * scheduled.count + 1_024 { scheduled = Array(scheduled[...]) }
        }

        let appended = DispatchTime.now().uptimeNanoseconds
        let added = scheduled.count
        if let early, let fresh {
            // The fold's thread holds the events now, and lets them go when it is done.
            scheduled = []
            let problems = try early.finish()
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
            try EventStore.adopt(fresh, db)
            adopted = true
        } else if !scheduled.isEmpty || !changedSchemes.isEmpty {
            let problems: [Diagnostic]
            if recorded.isEmpty && startPosition == 0 {
                // A store that held nothing folds the events it was just given, without reading them back
                // (handed over, so that the fold can let them go once it has the corrected ones).
                problems = try EventStore.project(db, from: nil, preloaded: consume scheduled, into: fresh?.alias,
                                                  clock: RebuildClock(progress: progress))
                if let fresh, problems.isEmpty {
                    try EventStore.adopt(fresh, db)
                    adopted = true
                }
            } else if !changedSchemes.isEmpty {
                problems = try EventStore.project(db, from: nil, clock: RebuildClock(progress: progress))
            } else {
                let day = try EventStore.firstAffectedDay(db, fresh: scheduled, recordedBefore: startPosition)
                problems = try EventStore.project(db, from: day ?? Day(ordinal: Int(Int32.max)), recordedAfter: startPosition)
            }
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
        }
        var report = ImportReport(added: added, unchanged: unchanged, schemes: changedSchemes, position: head.position)
        report.durations = .init(appending: Double(appended - started) / 1e9, projecting: Double(DispatchTime.now().uptimeNanoseconds - appended) / 1e9)
        return report
    }

    /// Moves everything committed from the write-ahead logs into the store file and its projection
    /// file and empties the logs, so that the files alone hold the store (they may be copied, moved
    /// or compared byte for byte).
    public func checkpoint() throws {
        _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate, on: nil) }
    }

    /// The same, after a write has committed, unless a reader still holds a snapshot from before
    /// it (another process in the middle of a long query, or `verify` folding every event again):
    /// then the logs are left for a later checkpoint (the next write's, or SQLite's own when the
    /// last connection closes), at once.
    ///
    /// A truncating checkpoint waits for such readers, and gave up after the store's 10 s busy
    /// timeout: an import whose events were committed then said that nothing was recorded.
    func checkpointUnlessRead() throws {
        try writer.writeWithoutTransaction { db in
            let timeout = try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = \(timeout)") }
            do {
                try db.checkpoint(.truncate, on: nil)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                // A reader is still on an older snapshot.
            }
        }
    }

    /// The current projection file (``ProjectionFile``), for a store kept in a file.
    public func projectionPath() throws(ChronicleError) -> String? {
        guard let storePath else { return nil }
        return try meta(ProjectionFile.metaKey).map { ProjectionFile.path(store: storePath, token: $0) }
    }

    /// How many events of a folder the store has not recorded (new, or recorded with other content).
    public func unrecorded(_ folder: EventFolder) throws(ChronicleError) -> Int {
        let stored = Dictionary(try events().map { ($0.event.id, $0.payload) }, uniquingKeysWith: { a, _ in a })
        return folder.events.filter { located in stored[located.event.id] != CanonicalWriter.event(located.event) }.count
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
        try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selection) FROM event WHERE position <= ? ORDER BY position", arguments: [position ?? Int.max])
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
        try read { db in try EventStore.storedSchemes(db) }
    }

    static func storedSchemes(_ db: Database) throws -> [Scheme] {
        try String.fetchAll(db, sql: "SELECT payload FROM scheme ORDER BY country")
            .map { try JSONDecoder().decode(Scheme.self, from: Data($0.utf8)) }
    }

    /// The last recorded position (0 for an empty store).
    public func headPosition() throws(ChronicleError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") ?? 0 }
    }
}

/// What the thread that appends an import's events needs of each of them, written on a worker
/// thread at most two blocks ahead of it.
struct PreparedRow {
    /// The event's canonical payload and sources (the `payload` and `sources` columns).
    var payload: String
    var sources: String
    /// The halves of its row's canonical JSON around the position (``HashChain/Row/canonicalHalves``),
    /// which only the appending thread knows.
    var head: [UInt8]
    var tail: [UInt8]
    /// The units the event names, each once, in order (a correction's are joined with those of the
    /// event it names, which only the appending thread knows).
    var units: [UnitID]
}

/// The ``PreparedRow`` of each event of an import, in order, written on a worker thread at most two
/// blocks ahead of the thread that records them.
final class PreparedRows: @unchecked Sendable {
    private static let block = 4_096
    // `events` is read by the worker only, and let go by it when it is done.
    private var events: [ScheduledEvent]
    private let recordedAt: String
    private let handoff = Parallel.Handoff<[PreparedRow]>(capacity: 2)
    private let done = DispatchGroup()
    private var current: [PreparedRow] = []
    private var offset = 0
    private var stopped = false
    /// Blocks the recording thread is done with, handed back for the worker to free: memory is
    /// best freed by the thread that allocated it (freed on the recording thread, the rows' buffers
    /// went back to the worker's malloc arena under a lock the two threads then waited on).
    private let spent = Mutex<[[PreparedRow]]>([])

    /// - Parameter recordedAt: The recorded time stamped on every new row, as stored.
    init(_ events: [ScheduledEvent], recordedAt: String) {
        self.events = events
        self.recordedAt = recordedAt
        DispatchQueue.global().async(group: done) { self.write() }
    }

    private func write() {
        var start = 0
        var sources = SourcesTexts()
        while start < events.count {
            let end = min(events.count, start + PreparedRows.block)
            freeSpent()
            let rows = events[start..<end].map { PreparedRows.prepared($0, recordedAt: recordedAt, sources: &sources) }
            guard handoff.send(rows) else { break }
            start = end
        }
        events = []
        handoff.close()
    }

    /// Frees, on the worker, the blocks the recording thread has handed back.
    private func freeSpent() {
        let blocks = spent.withLock { taking(&$0, leaving: []) }
        withExtendedLifetime(blocks) {}
    }

    static func prepared(_ scheduled: ScheduledEvent, recordedAt: String, sources texts: inout SourcesTexts) -> PreparedRow {
        let event = scheduled.event
        let sources = texts.text(of: event.sources)
        let payload = CanonicalWriter.event(event, sources: sources)
        let halves = HashChain.Row(
            position: 0, id: event.id, type: event.type, unit: event.unit, target: event.target,
            date: event.date.text, earliest: event.date.earliest.ordinal, latest: event.date.latest.ordinal,
            payload: payload, sources: sources, file: scheduled.location?.file, line: scheduled.location?.line,
            recordedAt: recordedAt).canonicalHalves
        return PreparedRow(payload: payload, sources: sources, head: halves.head, tail: halves.tail,
                           units: Set(event.mentionedUnits).sorted())
    }

    /// The canonical text of each list of sources, written once per list: the events of an import
    /// share one array for equal lists (``SourceLists``), which the payload and the `sources`
    /// column each wrote again for every event (a third of this thread's time).
    ///
    /// Lists are known by where their elements are stored, so the cache is only valid while every
    /// list it has seen is alive and unchanged: here, for as long as the worker holds the events.
    struct SourcesTexts {
        private var texts: [UnsafeRawPointer: String] = [:]

        mutating func text(of sources: [Source]) -> String {
            guard let address = sources.withUnsafeBufferPointer({ $0.baseAddress.map(UnsafeRawPointer.init) }) else {
                return CanonicalWriter.sources(sources)
            }
            if let text = texts[address] { return text }
            let text = CanonicalWriter.sources(sources)
            texts[address] = text
            return text
        }
    }

    /// The next event's row; call once for each event, in order.
    func next() -> PreparedRow {
        if offset == current.count {
            let done = current
            current = handoff.next() ?? []
            offset = 0
            spent.withLock { $0.append(done) }
        }
        precondition(offset < current.count, "asked for more rows than there are events")
        defer { offset += 1 }
        return current[offset]
    }

    /// Stops the worker (it may be ahead) and waits for it; safe to call more than once.
    func stop() {
        guard !stopped else { return }
        stopped = true
        handoff.cancel()
        done.wait()
        current = []
    }
}
