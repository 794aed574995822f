import Foundation
import GRDB

/// The append-only event store, with the projected interval table beside it.
///
/// The `event` table is the record: triggers make UPDATE and DELETE on it fail.
/// Every other table is derived from it by the ``Projector`` and can be rebuilt.
/// Each method that writes is one transaction: all of it or nothing.
public struct EventStore: Sendable {
    let writer: any DatabaseWriter
    /// The store's file (`nil` in memory): its projection file is named after it (``ProjectionFile``).
    let storePath: String?
    /// A limit on each file's size in pages (to test a full disk).
    let maxPageCount: Int?
    /// Why opening the store built its projection again (its file was missing, of another version,
    /// unreadable), or `nil` when it used the one there: a large store takes a while, worth saying.
    public private(set) var projectionRebuilt: String?
    /// Told where long work stands: recording an import, building the projection.
    let progress: ProgressHandler?

    /// Opens (creating it when missing) a store file.
    ///
    /// - Parameters:
    ///   - path: The store file.
    ///   - readOnly: Open an existing store for reading only (a store on a read-only disk).
    ///   - maxPageCount: A limit on the file's size in pages, to test a full disk.
    ///   - progress: Told where long work on this store stands (building its projection when it
    ///     opens, recording, rebuilding).
    /// - Throws: ``ChronicleError/store(_:)`` with a sentence naming the file.
    public init(path: String, readOnly: Bool = false, maxPageCount: Int? = nil, progress: ProgressHandler? = nil) throws(ChronicleError) {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "chronicle"
        config.readonly = readOnly
        // WAL is set by hand: GRDB's pool set-up writes a throw-away table whenever the
        // log is empty, which would change the store file on every run (docs/decisions).
        config.prepareDatabase { db in
            if !readOnly { try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
            // A page cache of up to 128 MiB (SQLite's default is 2 MiB): a large import or rebuild
            // writes to several indexes in no common order, and a small cache spills them to disk.
            // With 256 MiB an import of a million events peaked at 992 MiB, against 968 MiB with
            // this, of the 1 GiB it must stay under; a rebuild took 79 s against 86 s (one run each,
            // within this machine's noise; docs/benchmarks.md).
            // Temporary sorts are left in files (SQLite's default): kept in memory (`temp_store =
            // MEMORY`) they made a rebuild's indexes 1.7× slower (docs/benchmarks.md).
            try db.execute(sql: "PRAGMA cache_size = -131072")
            // Reads through a memory map (up to 4 GiB of the file) rather than a copy per page: a
            // whole-hierarchy as-of reads rows from all over a large store.
            try db.execute(sql: "PRAGMA mmap_size = 4294967296")
            if let maxPageCount { try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)") }
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let superseded = try queue.read { db in try EventStore.migrator.hasBeenSuperseded(db) }
            if superseded {
                throw ChronicleError.store("The store \(path) was written by a newer version of Chronicle: its schema has "
                    + "migrations this version does not know. Use a newer chronicle, or rebuild the store with --rebuild.")
            }
            if readOnly {
                let complete = try queue.read { db in try EventStore.migrator.hasCompletedMigrations(db) }
                guard complete else { throw ChronicleError.store("The store \(path) is read-only and was made by an older Chronicle; rebuild it where it can be written.") }
            } else {
                try EventStore.migrator.migrate(queue)
            }
            writer = queue
            storePath = path
            self.maxPageCount = maxPageCount
            self.progress = progress
            projectionRebuilt = try openProjection(readOnly: readOnly)
        } catch let error as ChronicleError {
            throw error
        } catch let error as DiagnosticsError {
            throw ChronicleError.store("Cannot build the projection of the store \(path): its recorded events break a rule:\n\(error)")
        } catch {
            throw .store("Cannot open the store \(path): \(EventStore.describe(error))")
        }
    }

    /// A fresh store in memory, for tests and one-off validation.
    public static func inMemory() throws -> EventStore {
        let queue = try DatabaseQueue()
        try migrator.migrate(queue)
        let store = EventStore(writer: queue)
        _ = try store.openProjection(readOnly: false)
        return store
    }

    init(writer: any DatabaseWriter) {
        self.writer = writer
        storePath = nil
        maxPageCount = nil
        progress = nil
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: return "the file is not a Chronicle store (not an SQLite database)."
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "the store is busy: another chronicle process is writing to it. Try again when it has finished."
            case .SQLITE_READONLY, .SQLITE_CANTOPEN: return "the store cannot be opened for writing (\(error.message ?? "permission denied"))."
            case .SQLITE_FULL: return "the disk is full."
            case .SQLITE_CORRUPT: return "the store file is damaged (\(error.message ?? "corrupt"))."
            default: return error.message ?? "\(error)"
            }
        }
        return "\(error)"
    }

    /// Runs a read, turning database errors into sentences.
    func read<T>(_ body: (Database) throws -> T) throws(ChronicleError) -> T {
        do {
            return try writer.read(body)
        } catch let error as ChronicleError {
            throw error
        } catch {
            throw .store("Cannot read the store: \(EventStore.describe(error))")
        }
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE event (
                    position INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    unit TEXT,
                    target TEXT,
                    date TEXT NOT NULL,
                    earliest INTEGER NOT NULL,
                    latest INTEGER NOT NULL,
                    payload TEXT NOT NULL,
                    sources TEXT NOT NULL,
                    file TEXT,
                    line INTEGER,
                    recordedAt TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE TRIGGER event_no_update BEFORE UPDATE ON event
                BEGIN SELECT RAISE(ABORT, 'events are append-only: record a corrected event instead'); END;
                CREATE TRIGGER event_no_delete BEFORE DELETE ON event
                BEGIN SELECT RAISE(ABORT, 'events are append-only: record a retracted event instead'); END;
                CREATE TABLE event_unit (
                    position INTEGER NOT NULL REFERENCES event(position),
                    unit TEXT NOT NULL
                );
                CREATE INDEX event_unit_by_unit ON event_unit(unit, position);
                CREATE TABLE scheme (
                    country TEXT PRIMARY KEY,
                    payload TEXT NOT NULL,
                    recordedAt TEXT NOT NULL
                );
                CREATE TABLE unit_state (
                    id INTEGER PRIMARY KEY,
                    unit TEXT NOT NULL,
                    validFrom INTEGER NOT NULL,
                    validTo INTEGER,
                    state TEXT NOT NULL,
                    event TEXT NOT NULL,
                    endEvent TEXT
                );
                CREATE INDEX unit_state_by_unit ON unit_state(unit, validFrom);
                CREATE INDEX unit_state_by_time ON unit_state(validFrom, validTo);
                CREATE TABLE unit_name (
                    state INTEGER NOT NULL REFERENCES unit_state(id) ON DELETE CASCADE,
                    unit TEXT NOT NULL,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    folded TEXT NOT NULL
                );
                CREATE INDEX unit_name_by_folded ON unit_name(folded);
                CREATE INDEX unit_name_by_state ON unit_name(state);
                CREATE TABLE uncertainty (
                    unit TEXT NOT NULL,
                    fromDay INTEGER NOT NULL,
                    toDay INTEGER NOT NULL,
                    event TEXT NOT NULL,
                    eventDay INTEGER NOT NULL
                );
                CREATE INDEX uncertainty_by_unit ON uncertainty(unit, fromDay);
                CREATE INDEX uncertainty_by_event_day ON uncertainty(eventDay);
                CREATE TABLE observation (
                    unit TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value REAL NOT NULL,
                    date TEXT NOT NULL,
                    event TEXT NOT NULL,
                    eventDay INTEGER NOT NULL
                );
                CREATE INDEX observation_by_unit ON observation(unit, key, eventDay);
                CREATE INDEX observation_by_event_day ON observation(eventDay);
                CREATE TABLE projection (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    position INTEGER NOT NULL
                );
                INSERT INTO projection (id, position) VALUES (1, 0);
                """)
        }
        migrator.registerMigration("v2-meta") { db in
            try db.execute(sql: "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        // Indexes that let a catch-up read only the events it needs; the projected states carry
        // their parent for finding children; names are kept once per unit, key and name; and the
        // days of corrected events are kept for finding the events a catch-up must fold again.
        // The projected tables are derived, so they are made afresh here (docs/decisions/0009); since
        // v6 they live in their own file, which opening the store builds.
        migrator.registerMigration("v3-incremental") { db in
            try db.execute(sql: """
                CREATE INDEX event_by_earliest ON event(earliest);
                CREATE INDEX event_by_target ON event(target) WHERE target IS NOT NULL;
                DROP TABLE unit_name;
                DROP TABLE unit_state;
                CREATE TABLE unit_state (
                    id INTEGER PRIMARY KEY,
                    unit TEXT NOT NULL,
                    validFrom INTEGER NOT NULL,
                    validTo INTEGER,
                    parent TEXT,
                    state TEXT NOT NULL,
                    event TEXT NOT NULL,
                    endEvent TEXT
                );
                CREATE INDEX unit_state_by_unit ON unit_state(unit, validFrom);
                CREATE INDEX unit_state_by_time ON unit_state(validFrom, validTo);
                CREATE INDEX unit_state_by_end ON unit_state(validTo) WHERE validTo IS NOT NULL;
                CREATE INDEX unit_state_by_parent ON unit_state(parent, validFrom) WHERE parent IS NOT NULL;
                CREATE TABLE unit_name (
                    unit TEXT NOT NULL,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    folded TEXT NOT NULL,
                    PRIMARY KEY (unit, key, name)
                ) WITHOUT ROWID;
                CREATE TABLE corrected_day (
                    id TEXT PRIMARY KEY,
                    day INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX corrected_day_by_day ON corrected_day(day);
                """)
        }
        // The interval tree's columns and indexes, for finding the states of a day or a span
        // (IntervalTree, docs/decisions/0011). The rows already projected are placed here; from
        // now on the projection's writers place each row they write.
        migrator.registerMigration("v4-interval-tree") { db in
            try db.execute(sql: """
                ALTER TABLE unit_state ADD COLUMN lo INTEGER;
                ALTER TABLE unit_state ADD COLUMN hi INTEGER;
                ALTER TABLE unit_state ADD COLUMN fork INTEGER;
                """)
            // (A store from before v3 has an empty projection here: v6 builds it, in its own file.)
            try IntervalTree.placeAll(db)
            // Indexed once the rows are placed: one sort each, not an index update per row placed.
            try db.execute(sql: """
                CREATE INDEX unit_state_by_fork_lo ON unit_state(fork, lo);
                CREATE INDEX unit_state_by_fork_hi ON unit_state(fork, hi);
                """)
        }
        // A whole hierarchy's latest observations are read from the index alone (at a million
        // events, 69 → 40 ms for the SELECT in the sqlite3 shell): the index carries the columns read.
        migrator.registerMigration("v5-observation-cover") { db in
            try db.execute(sql: """
                DROP INDEX observation_by_unit;
                CREATE INDEX observation_by_unit ON observation(unit, key, eventDay, value, date, event);
                """)
        }
        // The projected tables move to a file of their own (``ProjectionFile``, docs/decisions/0013):
        // they go from the store file here, and opening the store builds the projection's file.
        migrator.registerMigration("v6-projection-file") { db in
            try db.execute(sql: """
                DROP TABLE unit_state;
                DROP TABLE unit_name;
                DROP TABLE uncertainty;
                DROP TABLE observation;
                DROP TABLE corrected_day;
                DROP TABLE projection;
                """)
        }
        return migrator
    }

    /// A value the store keeps about itself (not part of the record), or `nil`.
    public func meta(_ key: String) throws(ChronicleError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// Sets a value the store keeps about itself.
    public func setMeta(_ key: String, _ value: String) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }
}
