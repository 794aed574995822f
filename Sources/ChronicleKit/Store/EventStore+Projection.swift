import Foundation
import GRDB

extension EventStore {
    /// Folds every recorded event again, into a new projection file that replaces the current
    /// one when it is complete (``ProjectionFile``); on any failure the current one stays.
    ///
    /// - Returns: Where the time went (for benchmarks and profiling).
    /// - Throws: ``DiagnosticsError`` when the recorded events break an invariant.
    @discardableResult
    public func rebuildProjection() throws -> RebuildDurations {
        try rebuildProjection(step: "building the projection")
    }

    /// Folds every recorded event `runs` times in memory, writing nothing, and returns the seconds
    /// each fold took: the rebuild's longest thread alone, for a benchmark or a profiler
    /// (`chronicle-bench --fold-only`). The events are read and corrected once, before the first run.
    public func foldTimes(runs: Int) throws -> [Double] {
        var events = try read { db in try EventStore.storedEventsForFolding(db) }
        _ = Corrections.apply(to: &events)
        let schemes = try self.schemes()
        return (0..<max(1, runs)).map { _ in
            let started = DispatchTime.now().uptimeNanoseconds
            var projector = Projector(schemes: schemes)
            // (A sink that keeps nothing, as a rebuild's fold hands closed states and names away to
            // the database thread, which works out each name's search form.)
            projector.sink = DiscardingSink()
            withExtendedLifetime(projector.fold(events)) {}
            return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        }
    }

    private final class DiscardingSink: ProjectionSink {
        func closed(_ interval: UnitInterval) {}
        func named(_ name: Projector.Name) {}
    }

    /// - Parameters:
    ///   - step: What ``progress`` is told the rebuild is doing, before each of its steps.
    ///   - reporting: `false` to tell ``progress`` nothing.
    func rebuildProjection(step: String, reporting: Bool = true) throws -> RebuildDurations {
        let clock = RebuildClock(progress: reporting ? progress : nil, step: step)
        let fresh = try attachFreshProjection()
        do {
            try writer.write { db in
                let problems = try EventStore.project(db, from: nil, into: fresh.alias, clock: clock)
                guard problems.isEmpty else { throw DiagnosticsError(problems) }
                try EventStore.adopt(fresh, db)
            }
        } catch {
            discard(fresh)
            throw error
        }
        try finish(fresh)
        try checkpointUnlessRead()
        return clock.durations
    }

    /// Seconds spent on each step of a full rebuild, inside its transaction.
    public struct RebuildDurations: Sendable {
        /// Reading and decoding every recorded event.
        public var reading: Double = 0
        /// Applying corrections and retractions.
        public var correcting: Double = 0
        /// Emptying the projected tables and dropping their indexes (a rebuild in place), or making them (a new file).
        public var clearing: Double = 0
        /// The fold, with the inserts of the rows it makes alongside it on the database thread.
        public var folding: Double = 0
        /// Of ``folding``, the time the database thread waited for the fold's next rows.
        public var waitingForFold: Double = 0
        /// Writing the still-open states, observations, uncertainty and the names.
        public var finishing: Double = 0
        /// Making the projected tables' indexes again.
        public var indexing: Double = 0

        public init() {}

        /// The steps together (the rebuild's transaction, less committing it).
        public var total: Double { reading + correcting + clearing + folding + finishing + indexing }
    }

    /// Notes the end of each step of a rebuild.
    final class RebuildClock {
        var durations = RebuildDurations()
        private var last = DispatchTime.now().uptimeNanoseconds
        /// Told where the rebuild stands, each step named after `step` ("building the projection: making" 3/10 "indexes").
        let progress: ProgressHandler?
        let step: String

        init(progress: ProgressHandler? = nil, step: String = "building the projection") {
            self.progress = progress
            self.step = step
        }

        /// Tells ``progress`` that the rebuild is at `part`, `done` of `total` `unit`.
        func report(_ part: String, _ done: Int = 0, of total: Int = 0, _ unit: String = "") {
            reporter(part, of: total, unit)(done)
        }

        /// What tells ``progress`` how far `part` is, for another thread (the fold's).
        func reporter(_ part: String, of total: Int, _ unit: String) -> @Sendable (Int) -> Void {
            { [progress, step] done in progress?(ProgressReport(step: "\(step): \(part)", done: done, total: total, unit: unit)) }
        }

        /// Seconds since the previous lap.
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { last = now }
            return Double(now - last) / 1e9
        }
    }

    /// Brings the projection up to the last recorded event, folding only from the
    /// first day the missing events touch.
    public func catchUp() throws {
        let changed = try writer.write { db -> Bool in
            let projected = try Int.fetchOne(db, sql: "SELECT position FROM projection") ?? 0
            let fresh = try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selection) FROM event WHERE position > ? ORDER BY position", arguments: [projected])
                .map { try StoredEvent(row: $0).scheduled }
            guard !fresh.isEmpty else { return false }
            let day = try EventStore.firstAffectedDay(db, fresh: fresh, recordedBefore: projected)
            let problems = try EventStore.project(db, from: day ?? Day(ordinal: Int(Int32.max)), recordedAfter: projected)
            guard problems.isEmpty else { throw DiagnosticsError(problems) }
            return true
        }
        if changed { try checkpointUnlessRead() }
    }

    /// The earliest day whose states new events can change: the day of each new event, and for a
    /// correction or retraction, the days its target had before and has after it.
    ///
    /// - Parameters:
    ///   - fresh: The new events, in store order.
    ///   - recordedBefore: The last position recorded before them.
    static func firstAffectedDay(_ db: Database, fresh: [ScheduledEvent], recordedBefore head: Int) throws -> Day? {
        var first: Day?
        for scheduled in fresh where scheduled.event.target == nil {
            first = min(first ?? scheduled.day, scheduled.day)
        }
        let targets = Set(fresh.compactMap(\.event.target))
        guard !targets.isEmpty else { return first }
        // The chain of events the new corrections name, with every correction of them, as it
        // stood before and as it stands after.
        var related: [ScheduledEvent] = []
        var seen = Set<String>()
        var wanted = targets
        var loaded = Set<String>()
        while !wanted.isEmpty {
            let list = Array(wanted)
            loaded.formUnion(wanted)
            var found: [ScheduledEvent] = []
            for start in stride(from: 0, to: list.count, by: 400) {
                let chunk = Array(list[start..<min(list.count, start + 400)])
                found += try Row.fetchAll(db, sql: """
                    SELECT \(StoredEvent.selection) FROM event WHERE position <= ? AND (id IN (\(databaseQuestionMarks(count: chunk.count))) OR target IN (\(databaseQuestionMarks(count: chunk.count))))
                    """, arguments: StatementArguments([head] + chunk + chunk)).map { try StoredEvent(row: $0).scheduled }
            }
            found += fresh.filter { wanted.contains($0.event.id) || $0.event.target.map(wanted.contains) == true }
            for event in found where seen.insert(event.event.id).inserted { related.append(event) }
            wanted = Set(found.flatMap { [$0.event.target, $0.event.id].compactMap { $0 } }).subtracting(loaded)
        }
        related.sort { $0.order < $1.order }
        let before = Corrections.effective(related.filter { $0.order <= head }).events
        let after = Corrections.effective(related).events
        if let day = firstAffectedDay(before: before, after: after) { first = min(first ?? day, day) }
        return first
    }

    /// Folds the events from a day on into the projected tables (from the start when `day` is `nil`).
    ///
    /// An incremental fold reads back only the events that can matter: those whose day (as
    /// recorded, or as corrected) is on or after `day`, the events recorded after `head`, and
    /// the corrections and retractions of all of them. The units it meets are read as it meets them.
    ///
    /// - Parameters:
    ///   - head: The last position the projection had folded (for an incremental fold).
    ///   - preloaded: Every recorded event, when the caller has them in memory (a first import).
    ///   - schema: For a full fold, the fresh projection file to fill (``FreshProjection``); `nil`
    ///     empties the current projection and fills it again.
    /// - Returns: Every invariant the events break; the caller rolls back when there are any.
    static func project(_ db: Database, from day: Day?, recordedAfter head: Int = Int.max, preloaded: consuming [ScheduledEvent]? = nil,
                        into schema: String? = nil, clock: RebuildClock = RebuildClock()) throws -> [Diagnostic] {
        guard let day else { return try rebuild(db, into: schema, preloaded: consume preloaded, clock: clock) }
        let current = try ProjectionFile.current(db)
        // The events to fold again, then the corrections of any of them and the events those name.
        var loaded: [String: ScheduledEvent] = [:]
        func add(_ rows: [Row]) throws -> [ScheduledEvent] {
            var added: [ScheduledEvent] = []
            for row in rows {
                let id: String = row[5]
                guard loaded[id] == nil else { continue }
                let scheduled = try StoredEvent(row: row).scheduled
                loaded[id] = scheduled
                added.append(scheduled)
            }
            return added
        }
        var frontier = try add(try Row.fetchAll(db, sql: """
            SELECT \(StoredEvent.selection) FROM event WHERE earliest >= ? OR position > ? OR id IN (SELECT id FROM corrected_day WHERE day >= ?)
            """, arguments: [day.ordinal, head, day.ordinal]))
        while !frontier.isEmpty {
            let ids = frontier.map(\.event.id)
            let targets = frontier.compactMap(\.event.target).filter { loaded[$0] == nil }
            var next: [ScheduledEvent] = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(ids.count, start + 500)])
                next += try add(try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selection) FROM event WHERE target IN (\(databaseQuestionMarks(count: chunk.count)))",
                                                 arguments: StatementArguments(chunk)))
            }
            for start in stride(from: 0, to: targets.count, by: 500) {
                let chunk = Array(targets[start..<min(targets.count, start + 500)])
                next += try add(try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selection) FROM event WHERE id IN (\(databaseQuestionMarks(count: chunk.count)))",
                                                 arguments: StatementArguments(chunk)))
            }
            frontier = next
        }
        let all = loaded.values.sorted { $0.order < $1.order }
        let corrected = Corrections.effective(all)

        // Units whose states from the day on are dropped: their names are gathered again below.
        // These states, and those opened again below, are found through one index: on a state's
        // end or, while it is open, its start (``ProjectionFile/indexes(in:)``). A state that begins
        // on or after the day, or has ended on or after it, is at or past the day there.
        let reach = "coalesce(validTo, validFrom) >= ?"
        let dropped = try String.fetchAll(db, sql: "SELECT DISTINCT unit FROM unit_state INDEXED BY unit_state_by_end_or_start WHERE \(reach) AND validFrom >= ?",
                                          arguments: [day.ordinal, day.ordinal])
        try db.execute(sql: "DELETE FROM unit_state INDEXED BY unit_state_by_end_or_start WHERE \(reach) AND validFrom >= ?", arguments: [day.ordinal, day.ordinal])
        try db.execute(sql: "DELETE FROM uncertainty WHERE eventDay >= ?", arguments: [day.ordinal])
        try db.execute(sql: "DELETE FROM observation WHERE eventDay >= ?", arguments: [day.ordinal])
        // States that held on the day before and were ended by an event folded again: open them.
        let cut = try Row.fetchAll(db, sql: """
            SELECT \(EventStore.stateSelection) FROM unit_state INDEXED BY unit_state_by_end_or_start WHERE \(reach) AND validTo >= ? AND validFrom < ?
            """, arguments: [day.ordinal, day.ordinal, day.ordinal])
            .map { row in
                var interval = try EventStore.interval(row)
                interval.validTo = nil
                interval.endEvent = nil
                return Projector.Tracked(interval: interval, rowID: row[0])
            }
        let source = StoredStates(db: db, before: day)
        var projector = Projector(schemes: try storedSchemes(db), initial: cut, source: source)
        var result = projector.fold(corrected.events.filter { $0.day >= day })
        result.names = []  // gathered again below for every unit whose states changed
        if let error = source.error { throw error }
        let problems = corrected.diagnostics + result.diagnostics
        guard problems.isEmpty else { return problems }
        try write(result, db, schema: current)

        // Names of every unit whose states changed, gathered from all its states.
        var touched = Set(dropped)
        touched.formUnion(result.intervals.map(\.unit))
        let statesOf = try db.cachedStatement(sql: "SELECT state FROM unit_state WHERE unit = ?")
        let forget = try db.cachedStatement(sql: "DELETE FROM unit_name WHERE unit = ?")
        var names: [Projector.Name] = []
        for unit in touched.sorted() {
            try forget.execute(arguments: [unit])
            for text in try String.fetchAll(statesOf, arguments: [unit]) {
                for (key, name) in try EventStore.state(fromJSON: text).names { names.append(.init(unit: unit, key: key, name: name)) }
            }
        }
        try writeNames(names, db, schema: current)
        // The days of corrected events, as they now stand.
        let correctedIDs = Set(all.compactMap(\.event.target))
        let effectiveDays = Dictionary(corrected.events.map { ($0.event.id, $0.day) }, uniquingKeysWith: { a, _ in a })
        let setDay = try db.cachedStatement(sql: "INSERT INTO corrected_day (id, day) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET day = excluded.day")
        let clearDay = try db.cachedStatement(sql: "DELETE FROM corrected_day WHERE id = ?")
        for id in correctedIDs.sorted() {
            if let day = effectiveDays[id] { try setDay.execute(arguments: [id, day.ordinal]) } else { try clearDay.execute(arguments: [id]) }
        }
        try db.execute(sql: "UPDATE projection SET position = (SELECT COALESCE(MAX(position), 0) FROM event)")
        return []
    }

    /// Folds every recorded event into empty projected tables: those of a fresh projection file
    /// (`schema`), or the current projection's, emptied first (`nil`).
    ///
    /// The fold runs on another thread and hands its rows over in batches while this thread
    /// (GRDB's, the only one that touches the connection) writes the batches before: on two
    /// cores the fold and SQLite's inserts overlap instead of taking turns.
    private static func rebuild(_ db: Database, into fresh: String?, preloaded: consuming [ScheduledEvent]?, clock: RebuildClock) throws -> [Diagnostic] {
        _ = clock.lap()
        var events: [ScheduledEvent]
        if let preloaded = consume preloaded {
            events = preloaded
        } else {
            let total = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") ?? 0
            clock.report("reading", 0, of: total, "recorded events")
            events = try withoutMemoryMap(db) {
                try storedEventsForFolding(db) { clock.report("reading", $0, of: total, "recorded events") }
            }
        }
        clock.durations.reading = clock.lap()
        clock.report("applying corrections")
        // Only the corrected days are kept once the fold has the events.
        let (correctionProblems, correctedDays) = Corrections.apply(to: &events)
        clock.durations.correcting = clock.lap()
        let schemes = try storedSchemes(db)
        let schema = try fresh ?? ProjectionFile.current(db)
        if fresh == nil {
            for index in ProjectionFile.indexes(in: schema) { try db.execute(sql: "DROP INDEX IF EXISTS \(schema).\(index.name)") }
            // (Emptied after their indexes are gone: deleting through six indexes took seconds at a million events.)
            for table in ["unit_name", "unit_state", "uncertainty", "observation", "corrected_day"] {
                try db.execute(sql: "DELETE FROM \(schema).\(table)")
            }
        }
        let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM main.event") ?? 0
        return try fill(db, schema: schema, events: consume events, corrected: Corrections.Plan(diagnostics: correctionProblems, namedDays: correctedDays),
                        schemes: schemes, position: position, clock: clock)
    }

    /// Fills the empty tables of a projection (`schema`, on `db`) with the fold of `events` as
    /// `plan` corrects them, then makes their indexes and records `position` as folded.
    ///
    /// The fold runs on another thread and hands its rows over in batches while this thread
    /// writes the batches before. `db` is the store's connection (a rebuild), or a connection of
    /// the new projection file's own (a first import, which fills it while it appends the events).
    static func fill(_ db: Database, schema: String, events: consuming [ScheduledEvent], corrected plan: Corrections.Plan, schemes: [Scheme],
                     position: Int, clock: RebuildClock) throws -> [Diagnostic] {
        // The projected tables' indexes are made after their rows are in (``ProjectionFile/indexes(in:)``).
        // Names go first into an unindexed load table and then, sorted, once each into `unit_name`.
        let indexes = ProjectionFile.indexes(in: schema)
        try db.execute(sql: "CREATE TEMPORARY TABLE unit_name_load (unit TEXT, key TEXT, name TEXT, folded TEXT)")

        // (Prepared before the fold starts: from here on, leaving early must stop the fold first.)
        let writer = try ProjectionWriter(db, schema: schema, names: "temp.unit_name_load")
        clock.durations.clearing = clock.lap()
        // The fold's thread owns the events from here (and lets them go when it is done).
        let total = events.count - plan.leaving.count
        clock.report("projecting", 0, of: total, "events")
        let folding = FoldJob(events: consume events, corrected: plan, schemes: schemes, folded: clock.reporter("projecting", of: total, "events"))
        let handoff = Parallel.Handoff<[ProjectedRow]>(capacity: 8)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { folding.run(into: handoff) }
        var waited: UInt64 = 0
        do {
            while true {
                let asked = DispatchTime.now().uptimeNanoseconds
                guard let batch = handoff.next() else { break }
                waited += DispatchTime.now().uptimeNanoseconds - asked
                for row in batch { try writer.write(row) }
            }
        } catch {
            // Stop taking rows; the fold runs to its end with nowhere to put them, then the transaction rolls back.
            handoff.cancel()
            done.wait()
            throw error
        }
        done.wait()
        clock.durations.folding = clock.lap()
        clock.durations.waitingForFold = Double(waited) / 1e9
        var result = folding.take()
        let problems = plan.diagnostics + result.diagnostics
        guard problems.isEmpty else { return problems }
        clock.report("writing open states and names")
        try write(result, db, schema: schema)
        result = Projector.Result()
        // SQLite sorts (the names below, each index) in runs as large as the store file's page
        // cache, then merges them: runs of 128 MiB made the indexes 1.5× slower than runs of 2 MiB,
        // and small runs are sorted on helper threads as well as this one (`PRAGMA threads`; the
        // sqlite3 shell at a million events: 12.9 → 7.4 → 5.8 s; docs/benchmarks.md).
        let cache = try Int.fetchOne(db, sql: "PRAGMA main.cache_size") ?? -2_000
        try db.execute(sql: "PRAGMA main.cache_size = -2048; PRAGMA threads = \(max(1, ProcessInfo.processInfo.activeProcessorCount))")
        defer { try? db.execute(sql: "PRAGMA main.cache_size = \(cache); PRAGMA threads = 0") }
        try db.execute(sql: """
            INSERT OR IGNORE INTO \(schema).unit_name (unit, key, name, folded) SELECT unit, key, name, folded FROM temp.unit_name_load ORDER BY unit, key, name;
            DROP TABLE temp.unit_name_load
            """)
        clock.durations.finishing = clock.lap()
        for (made, index) in indexes.enumerated() {
            clock.report("making", made, of: indexes.count, "indexes")
            try db.execute(sql: index.sql)
        }
        clock.report("making", indexes.count, of: indexes.count, "indexes")
        clock.durations.indexing = clock.lap()
        let setDay = try db.cachedStatement(sql: "INSERT INTO \(schema).corrected_day (id, day) VALUES (?, ?)")
        for (id, day) in plan.namedDays { try setDay.execute(arguments: [id, day]) }
        try db.execute(sql: "UPDATE \(schema).projection SET position = ?", arguments: [position])
        return []
    }

    /// Runs `body` with the store file (or the attached `schemas`) read through a small page
    /// cache instead of its memory map, then maps it again.
    ///
    /// Every page read through the map stays in the process's resident memory while the map
    /// lasts: a rebuild reads the whole log once, and at a million events its 600 MB of pages
    /// made a process that rebuilt the projection peak at 1.47 GiB, over the 1 GiB budget
    /// (docs/benchmarks.md). Read through a 2 MiB cache, the pages are copied and let go.
    static func withoutMemoryMap<T>(_ db: Database, schemas: [String] = ["main"], _ body: () throws -> T) throws -> T {
        var kept: [(schema: String, map: Int, cache: Int)] = []
        defer {
            for (schema, map, cache) in kept { try? db.execute(sql: "PRAGMA \(schema).mmap_size = \(map); PRAGMA \(schema).cache_size = \(cache)") }
        }
        for schema in schemas {
            let map = try Int.fetchOne(db, sql: "PRAGMA \(schema).mmap_size") ?? 0
            let cache = try Int.fetchOne(db, sql: "PRAGMA \(schema).cache_size") ?? -2_000
            kept.append((schema, map, cache))
            try db.execute(sql: "PRAGMA \(schema).mmap_size = 0; PRAGMA \(schema).cache_size = -2048")
        }
        return try body()
    }

    /// Every recorded event in store order, as the fold needs it (no payload text, no recording time).
    ///
    /// SQLite reads on this thread while other threads decode the payloads it has read, a chunk at a time.
    /// - Parameter read: Told how many rows have been read, every few thousand.
    static func storedEventsForFolding(_ db: Database, read: (Int) -> Void = { _ in }) throws -> [ScheduledEvent] {
        struct Read: Sendable {
            var position: Int, payload: String, file: String?, line: Int?
            func decoded(_ reader: inout PayloadReader) throws -> ScheduledEvent {
                ScheduledEvent(event: try Event.decoded(storedPayload: payload, reader: &reader),
                               location: file.map { SourceLocation(file: $0, line: line ?? 1) }, order: position)
            }
        }
        let rows = try RawQuery(db, "SELECT position, payload, file, line FROM event ORDER BY position", [])
        // A chunk of rows at a time, each with one payload reader (consecutive events that cite the
        // same sources share one array of them), decoded into a chunk the events are later moved out of.
        let decoding = Parallel.Pipeline<[Read], Parallel.Chunk<ScheduledEvent>> { reads in
            var reader = PayloadReader()
            let events = Parallel.Chunk<ScheduledEvent>(capacity: reads.count)
            for read in reads { events.append(try read.decoded(&reader)) }
            return events
        }
        var chunk: [Read] = []
        var count = 0
        // Events of one file share its path, made into a string once.
        var file: String?
        while try rows.next() {
            if chunk.isEmpty { chunk.reserveCapacity(4_096) }
            if let bytes = rows.bytes(2) {
                if file.map({ !$0.utf8.elementsEqual(bytes) }) ?? true { file = String(decoding: bytes, as: UTF8.self) }
            } else {
                file = nil
            }
            chunk.append(Read(position: rows.integer(0) ?? 0, payload: rows.text(1) ?? "", file: file, line: rows.integer(3)))
            if chunk.count == 4_096 {
                decoding.submit([chunk])
                chunk = []
                count += 4_096
                read(count)
            }
        }
        if !chunk.isEmpty { decoding.submit([chunk]) }
        read(count + chunk.count)
        // One array of the final size, the events moved into it: an array grown by appending a
        // million events (about 250 bytes each) is copied at every doubling, into pages the kernel
        // must first clear (a tenth of a rebuild's serial time at 1M, `perf record`), and appending
        // each chunk's array copied its events (``Parallel/Chunk``).
        return Parallel.Chunk.joined(try decoding.finish().flatMap { $0 })
    }

    /// A row a fold made. A name's search form is worked out on the fold's thread; a state's JSON
    /// on the database thread as it binds it (the fold is the longer of the two).
    enum ProjectedRow {
        case state(UnitInterval)
        case name(Projector.Name)
    }

    /// A rebuild's fold, run on its own thread: it hands the rows it makes to the database thread
    /// in batches, and keeps what is left (open states, observations, diagnostics) for the end.
    final class FoldJob: ProjectionSink, @unchecked Sendable {
        // `events` and `result` are touched by the fold's thread while it runs, and by the
        // database thread only after it has waited for the fold to finish.
        private var events: [ScheduledEvent]
        private let plan: Corrections.Plan
        private let schemes: [Scheme]
        private var result = Projector.Result()
        private var batch: [ProjectedRow] = []
        private var handoff: Parallel.Handoff<[ProjectedRow]>?
        static let batchSize = 2_048

        /// Told how many events the fold has applied, every few thousand (on the fold's thread).
        private let folded: @Sendable (Int) -> Void

        init(events: consuming [ScheduledEvent], corrected plan: Corrections.Plan, schemes: [Scheme], folded: @escaping @Sendable (Int) -> Void = { _ in }) {
            self.events = events
            self.plan = plan
            self.schemes = schemes
            self.folded = folded
        }

        func run(into handoff: Parallel.Handoff<[ProjectedRow]>) {
            self.handoff = handoff
            var projector = Projector(schemes: schemes)
            projector.sink = self
            projector.folded = folded
            result = projector.fold(events, corrected: plan)
            events = []
            send()
            handoff.close()
            self.handoff = nil
        }

        /// What the fold returned; call after it has finished.
        func take() -> Projector.Result {
            defer { result = Projector.Result() }
            return result
        }

        private func send() {
            guard !batch.isEmpty else { return }
            handoff?.send(batch)
            batch = []
            batch.reserveCapacity(FoldJob.batchSize)
        }

        func closed(_ interval: UnitInterval) {
            batch.append(.state(interval))
            if batch.count >= FoldJob.batchSize { send() }
        }

        func named(_ name: Projector.Name) {
            // Its search form is worked out by the database thread, which waits for the fold.
            batch.append(.name(name))
            if batch.count >= FoldJob.batchSize { send() }
        }
    }

    /// Writes a rebuild's rows as the fold hands them over.
    final class ProjectionWriter {
        let states: BulkInsert
        let names: BulkInsert
        /// Each state's JSON is written here and bound from here.
        var json = JSONBytes(capacity: 1_024)

        /// - Parameters:
        ///   - schema: The projection the states go into.
        ///   - table: Where names go (a load table, deduplicated after).
        init(_ db: Database, schema: String, names table: String) throws {
            states = try BulkInsert(db, EventStore.insertState(schema))
            names = try BulkInsert(db, "INSERT INTO \(table) (unit, key, name, folded) VALUES (?, ?, ?, ?)")
        }

        func write(_ row: ProjectedRow) throws {
            switch row {
            case .state(let interval):
                try EventStore.insert(interval, states, json: &json)
            case .name(let name):
                // Names come once per change, so there is little to gain from remembering foldings
                // (and a million of them would be held in memory): each is folded as it comes.
                try names.execute(.text(name.unit), .text(name.key), .text(name.name), .text(NameFolding.fold(name.name)))
            }
        }
    }

    /// Inserts a row of `unit_state`, with its place in the interval tree: see ``insert(_:_:json:)``.
    static func insertState(_ schema: String) -> String {
        """
        INSERT INTO \(schema).unit_state (unit, validFrom, validTo, parent, state, event, endEvent, lo, hi, fork) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    }

    /// Inserts a state's row, writing its JSON into a buffer the caller keeps for the next row.
    static func insert(_ interval: UnitInterval, _ statement: BulkInsert, json: inout JSONBytes) throws {
        let place = IntervalTree.place(validFrom: interval.validFrom.ordinal, validTo: interval.validTo?.ordinal)
        json.bytes.removeAll(keepingCapacity: true)
        interval.state.write(to: &json)
        try json.bytes.withUnsafeBufferPointer { state in
            try statement.execute(
                .text(interval.unit), .integer(interval.validFrom.ordinal), .integer(interval.validTo?.ordinal), .text(interval.state.parent),
                .utf8(state), .text(interval.event), .text(interval.endEvent),
                .integer(place.lo), .integer(place.hi), .integer(place.fork))
        }
    }

    static func insert(_ name: Projector.Name, _ statement: BulkInsert, folded: inout [String: String]) throws {
        let fold: String
        if let known = folded[name.name] { fold = known } else { fold = NameFolding.fold(name.name); folded[name.name] = fold }
        try statement.execute(.text(name.unit), .text(name.key), .text(name.name), .text(fold))
    }

    private static func write(_ result: Projector.Result, _ db: Database, schema: String) throws {
        // A new end moves a state in the interval tree.
        let reopen = try db.cachedStatement(sql: "UPDATE \(schema).unit_state SET validTo = ?, endEvent = ?, hi = ?, fork = ? WHERE id = ?")
        for (rowID, end) in result.reopened.sorted(by: { $0.key < $1.key }) {
            let place = IntervalTree.place(validFrom: end.validFrom.ordinal, validTo: end.validTo?.ordinal)
            try reopen.execute(arguments: [end.validTo?.ordinal, end.endEvent, place.hi, place.fork, rowID])
        }
        let insert = try BulkInsert(db, EventStore.insertState(schema))
        var json = JSONBytes(capacity: 1_024)
        for interval in result.intervals { try EventStore.insert(interval, insert, json: &json) }
        try writeNames(result.names, db, schema: schema)
        let uncertain = try BulkInsert(db, "INSERT INTO \(schema).uncertainty (unit, fromDay, toDay, event, eventDay) VALUES (?, ?, ?, ?, ?)")
        for u in result.uncertainties {
            try uncertain.execute(.text(u.unit), .integer(u.from.ordinal), .integer(u.to.ordinal), .text(u.event), .integer(u.eventDay.ordinal))
        }
        let observed = try BulkInsert(db, "INSERT INTO \(schema).observation (unit, key, value, date, event, eventDay) VALUES (?, ?, ?, ?, ?, ?)")
        for o in result.observations {
            try observed.execute(.text(o.unit), .text(o.key), .real(o.value), .text(o.date), .text(o.event), .integer(o.day.ordinal))
        }
    }

    /// Every name a unit had under each key, folded for search; a name is kept once however many states carry it.
    private static func writeNames(_ names: [Projector.Name], _ db: Database, schema: String) throws {
        let insert = try BulkInsert(db, "INSERT OR IGNORE INTO \(schema).unit_name (unit, key, name, folded) VALUES (?, ?, ?, ?)")
        var folded: [String: String] = [:]
        for name in names { try EventStore.insert(name, insert, folded: &folded) }
    }

    static func state(fromJSON text: String) throws -> UnitState {
        var text = text
        return try text.withUTF8 { try state(fromJSON: $0) }
    }

    static func state(fromJSON bytes: UnsafeBufferPointer<UInt8>) throws -> UnitState {
        if let fast = try? UnitState(storedJSON: bytes) { return fast }
        return try JSONDecoder().decode(UnitState.self, from: Data(buffer: bytes))
    }

    /// The columns ``interval(_:)`` reads, in its order: select these, not `*`.
    static let stateSelection = "id, unit, validFrom, validTo, state, event, endEvent"

    /// Reads a row of ``stateSelection`` (by index: looking columns up by name was a measurable cost).
    static func interval(_ row: Row) throws -> UnitInterval {
        let state = try EventStore.state(fromJSON: row[4])
        return UnitInterval(
            unit: row[1],
            validFrom: Day(ordinal: row[2]),
            validTo: (row[3] as Int?).map(Day.init(ordinal:)),
            state: state,
            event: row[5],
            endEvent: row[6])
    }

    /// The projected tables as plain rows, in a fixed order: for comparing two projections.
    public func projectionDump() throws(ChronicleError) -> [String] {
        try read { db in
            try ProjectionFile.comparedTables.flatMap { compared in
                try Row.fetchAll(db, sql: "SELECT \(compared.columns) FROM \(compared.table) ORDER BY \(compared.columns)").map(\.description)
            }
        }
    }
}

/// Folds names for lookup: case, diacritics, width, apostrophes, hyphens and spaces do not count.
public enum NameFolding {
    public static func fold(_ text: String) -> String {
        // ASCII letters and digits need only lower-casing: most names, and much faster than Foundation's folding.
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: text.utf8.compactMap { byte -> UInt8? in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
                default: nil
                }
            }, as: UTF8.self)
        }
        return general(text)
    }

    /// Any text, through Foundation's folding.
    static func general(_ text: String) -> String {
        let folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .precomposedStringWithCanonicalMapping
        return String(folded.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}

/// The projected tables as they stood before an incremental fold's first day, read one unit at a time.
final class StoredStates: ProjectionSource {
    let db: Database
    let day: Day
    /// The first database error met (the fold itself does not throw); the caller rethrows it.
    var error: (any Error)?

    init(db: Database, before day: Day) {
        self.db = db
        self.day = day
    }

    func latest(_ unit: UnitID) -> Projector.Tracked? {
        do {
            let statement = try db.cachedStatement(sql: "SELECT \(EventStore.stateSelection) FROM unit_state WHERE unit = ? AND validFrom < ? ORDER BY validFrom DESC LIMIT 1")
            guard let row = try Row.fetchOne(statement, arguments: [unit, day.ordinal]) else { return nil }
            let interval = try EventStore.interval(row)
            return interval.validTo == nil ? Projector.Tracked(interval: interval, rowID: row[0], reopened: false) : Projector.Tracked(interval: interval)
        } catch {
            self.error = self.error ?? error
            return nil
        }
    }

    func children(of unit: UnitID) -> [UnitID] {
        do {
            let statement = try db.cachedStatement(sql: """
                SELECT unit FROM unit_state WHERE parent = ? AND validFrom < ? AND (validTo IS NULL OR validTo >= ?)
                """)
            return try String.fetchAll(statement, arguments: [unit, day.ordinal, day.ordinal])
        } catch {
            self.error = self.error ?? error
            return []
        }
    }
}
