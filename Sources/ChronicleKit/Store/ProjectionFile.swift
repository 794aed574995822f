import Foundation
import GRDB

/// The projected tables' own database file, beside the store file (docs/decisions/0013).
///
/// The store file holds the record (events, schemes, meta); everything derived from it lives
/// in `<store>-projection-<token>`, attached to the store's connection so that queries name
/// its tables without a schema. The store's `meta` names the current token.
///
/// A full rebuild writes a new file with no journal (nothing in it needs rolling back: on any
/// failure the file is deleted) and, in the transaction that commits it, points `meta` at it;
/// the old file is then let go. Written in place, through the store's write-ahead log, the
/// projection was written twice and its old rows deleted first: at a million events the
/// sqlite3 shell took 20.8 s for those steps against 11.2 s into a new file (docs/benchmarks.md).
enum ProjectionFile {
    /// The projection's shape; a file of another version is built again on open. Version 2 has one
    /// index for a catch-up where version 1 had two (docs/decisions/0016).
    static let version = 2

    /// The `meta` key naming the current projection file's token.
    static let metaKey = "projection"

    /// The two names a projection file is attached under: the current one and, during a full rebuild, its successor.
    static let aliases = ["projection_a", "projection_b"]

    /// Where a store's projection file with this token lives.
    static func path(store: String, token: String) -> String { "\(store)-projection-\(token)" }

    /// The projection files beside a store, by path (the current one, and any left by a rebuild that was killed).
    static func files(of store: String) -> [String] {
        let url = URL(fileURLWithPath: store)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + "-projection-"
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix(prefix) && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") && !$0.hasSuffix("-journal") }
            .map { folder + "/" + $0 }
    }

    /// Removes a projection file and its log files.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// The projected tables, without their indexes (made once the rows are in: ``indexes(in:)``).
    static func tables(in schema: String) -> String {
        """
        CREATE TABLE \(schema).unit_state (
            id INTEGER PRIMARY KEY,
            unit TEXT NOT NULL,
            validFrom INTEGER NOT NULL,
            validTo INTEGER,
            parent TEXT,
            state TEXT NOT NULL,
            event TEXT NOT NULL,
            endEvent TEXT,
            lo INTEGER,
            hi INTEGER,
            fork INTEGER
        );
        CREATE TABLE \(schema).unit_name (
            unit TEXT NOT NULL,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            folded TEXT NOT NULL,
            PRIMARY KEY (unit, key, name)
        ) WITHOUT ROWID;
        CREATE TABLE \(schema).uncertainty (
            unit TEXT NOT NULL,
            fromDay INTEGER NOT NULL,
            toDay INTEGER NOT NULL,
            event TEXT NOT NULL,
            eventDay INTEGER NOT NULL
        );
        CREATE TABLE \(schema).observation (
            unit TEXT NOT NULL,
            key TEXT NOT NULL,
            value REAL NOT NULL,
            date TEXT NOT NULL,
            event TEXT NOT NULL,
            eventDay INTEGER NOT NULL
        );
        CREATE TABLE \(schema).corrected_day (
            id TEXT PRIMARY KEY,
            day INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX \(schema).corrected_day_by_day ON corrected_day(day);
        CREATE TABLE \(schema).projection (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            position INTEGER NOT NULL
        );
        INSERT INTO \(schema).projection (id, position) VALUES (1, 0);
        PRAGMA \(schema).user_version = \(version);
        """
    }

    /// The indexes of the tables a rebuild fills, by name: each is made after the rows are in
    /// (one sort each, where inserting a million rows into B-trees in no common order spilled the page cache).
    ///
    /// - `unit_state_by_unit`: a unit's states in order; `by_end_or_start`: the states a catch-up
    ///   folds again and those it opens (version 1 had two indexes for them, `(validFrom, validTo)`
    ///   and `(validTo)`); `by_parent`: children; `by_fork_lo`, `by_fork_hi`: the interval tree
    ///   (``IntervalTree``). A whole hierarchy's latest observations are read from
    ///   `observation_by_unit` alone (at a million events, 69 → 40 ms in the sqlite3 shell).
    static func indexes(in schema: String) -> [(name: String, sql: String)] {
        [
            ("unit_state_by_unit", "ON unit_state(unit, validFrom)"),
            ("unit_state_by_end_or_start", "ON unit_state(coalesce(validTo, validFrom))"),
            ("unit_state_by_parent", "ON unit_state(parent, validFrom) WHERE parent IS NOT NULL"),
            ("unit_state_by_fork_lo", "ON unit_state(fork, lo)"),
            ("unit_state_by_fork_hi", "ON unit_state(fork, hi)"),
            ("uncertainty_by_unit", "ON uncertainty(unit, fromDay)"),
            ("uncertainty_by_event_day", "ON uncertainty(eventDay)"),
            ("observation_by_unit", "ON observation(unit, key, eventDay, value, date, event)"),
            ("observation_by_event_day", "ON observation(eventDay)"),
        ].map { ($0.0, "CREATE INDEX \(schema).\($0.0) \($0.1)") }
    }

    /// What a projection holds: each projected table's columns (all but a row id), which are also
    /// an order that sorts its rows completely, led by an index's columns so that the rows come
    /// out of the index; and how to name a row's first column. `verify` compares these, and
    /// ``EventStore/projectionDump()`` lists them.
    static let comparedTables: [(table: String, columns: String, described: @Sendable (String) -> String)] = [
        ("unit_state", "unit, validFrom, validTo, parent, state, event, endEvent, lo, hi, fork", { "the states of \($0)" }),
        ("unit_name", "unit, key, name, folded", { "the names of \($0)" }),
        ("uncertainty", "unit, fromDay, toDay, event, eventDay", { "the uncertain days of \($0)" }),
        ("observation", "unit, key, eventDay, value, date, event", { "the observations of \($0)" }),
        ("corrected_day", "id, day", { "the day of the corrected event \($0)" }),
        ("projection", "position", { _ in "the last event folded" }),
    ]

    /// Whether two projections hold the same rows, found without sorting: each table is read in
    /// the order its rows are stored, and its rows' hashes are added up, so that the order (a
    /// projection caught up over time stores its rows in another than a fresh one) does not count.
    ///
    /// Reading the tables in a common order instead, through their indexes, made verify's fold
    /// and comparison 22.8 s at a million events against 15.7 s: every row was a look-up in
    /// another part of the file. The hash is Swift's, keyed afresh in each process: the projection
    /// is the events' to make again, and a damaged row goes unnoticed only by a 128-bit collision.
    static func sameRows(_ db: Database, _ one: String, _ other: String) throws -> Bool {
        for compared in comparedTables {
            func digest(_ schema: String) throws -> [UInt64] {
                let rows = try RawQuery(db, "SELECT \(compared.columns) FROM \(schema).\(compared.table)", [])
                var sum: [UInt64] = [0, 0, 0]
                while try rows.next() {
                    for salt in 0..<2 {
                        var hasher = Hasher()
                        hasher.combine(salt)
                        rows.hashRow(into: &hasher)
                        sum[salt] &+= UInt64(bitPattern: Int64(hasher.finalize()))
                    }
                    sum[2] += 1
                }
                return sum
            }
            if try digest(one) != digest(other) { return false }
        }
        return true
    }

    /// Where two projections' tables first differ, as a phrase ("the states of kp/rason"), or
    /// `nil` when they hold the same rows.
    ///
    /// The tables are read side by side in the same order, a row at a time: nothing is held.
    static func firstDifference(_ db: Database, _ one: String, _ other: String) throws -> String? {
        for compared in comparedTables {
            let read = { (schema: String) in
                try RawQuery(db, "SELECT \(compared.columns) FROM \(schema).\(compared.table) ORDER BY \(compared.columns)", [])
            }
            let (left, right) = (try read(one), try read(other))
            while true {
                let (more, moreRight) = (try left.next(), try right.next())
                if !more && !moreRight { break }
                if more && moreRight && left.sameRow(as: right) { continue }
                // The row one table has where the other has a later one (or none): the first that differs.
                let first = [more ? left.text(0) : nil, moreRight ? right.text(0) : nil].compactMap { $0 }
                    .min { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                return compared.described(first ?? "")
            }
        }
        return nil
    }

    /// The pragmas each attached projection gets (SQLite keeps them per attached database).
    static func tune(_ db: Database, _ schema: String, maxPageCount: Int?) throws {
        // A page cache of up to 64 MiB (the store file's is 128 MiB: the two together stay within
        // what an import's memory budget allows) and reads through a memory map, as for the store.
        try db.execute(sql: "PRAGMA \(schema).cache_size = -65536; PRAGMA \(schema).mmap_size = 4294967296")
        if let maxPageCount { try db.execute(sql: "PRAGMA \(schema).max_page_count = \(maxPageCount)") }
    }

    /// The name the current projection is attached under, for writing to it: refuses a projection
    /// that another process has replaced since this connection attached it (its rows would go to a
    /// file no longer in use).
    static func current(_ db: Database) throws -> String {
        let files = Dictionary(try Row.fetchAll(db, sql: "PRAGMA database_list").map { ($0["name"] as String, $0["file"] as String? ?? "") },
                               uniquingKeysWith: { a, _ in a })
        guard let alias = aliases.first(where: { files[$0] != nil }) else { throw ChronicleError.store("The store has no projection attached.") }
        if let store = files["main"], !store.isEmpty,
           let token = try String.fetchOne(db, sql: "SELECT value FROM main.meta WHERE key = ?", arguments: [metaKey]),
           files[alias] != path(store: store, token: token) {
            throw ChronicleError.store("Another chronicle process rebuilt the projection of the store \(store) while this one had it open; "
                + "nothing was written. Run the command again.")
        }
        return alias
    }

    /// The name the current projection is attached under, if one is.
    static func attached(_ db: Database) throws -> String? {
        try Row.fetchAll(db, sql: "PRAGMA database_list").map { $0["name"] as String }.first(where: aliases.contains)
    }
}

/// A projection file being built by a full rebuild: attached (under the alias the current one
/// does not use) with no journal, its tables made and not yet indexed. A first import's is not
/// attached (`alias` is `nil`): a connection of its own fills it while the import appends the
/// events (``EarlyProjection``), and it is attached once the import has committed.
struct FreshProjection {
    let alias: String?
    let token: String
    /// The file, or `nil` for a store in memory.
    let path: String?
}

extension EventStore {
    /// Attaches a new, empty projection file for a full rebuild to fill.
    func attachFreshProjection() throws -> FreshProjection {
        try writer.writeWithoutTransaction { db in
            let current = try ProjectionFile.attached(db)
            let alias = ProjectionFile.aliases.first { $0 != current }!
            let token = String(UUID().uuidString.prefix(8)).lowercased()
            let path = storePath.map { ProjectionFile.path(store: $0, token: token) }
            if let path { ProjectionFile.remove(path) }
            try db.execute(sql: "ATTACH DATABASE ? AS \(alias)", arguments: [path ?? ":memory:"])
            do {
                try db.execute(sql: "PRAGMA \(alias).journal_mode = OFF; PRAGMA \(alias).synchronous = NORMAL")
                try ProjectionFile.tune(db, alias, maxPageCount: maxPageCount)
                try db.execute(sql: ProjectionFile.tables(in: alias))
            } catch {
                try? db.execute(sql: "DETACH DATABASE \(alias)")
                if let path { ProjectionFile.remove(path) }
                throw error
            }
            return FreshProjection(alias: alias, token: token, path: path)
        }
    }

    /// A new projection file's name, for a first import to fill on a connection of its own
    /// (``EarlyProjection``); nothing is attached.
    func unattachedFreshProjection() -> FreshProjection? {
        guard let storePath else { return nil }
        let token = String(UUID().uuidString.prefix(8)).lowercased()
        let path = ProjectionFile.path(store: storePath, token: token)
        ProjectionFile.remove(path)
        return FreshProjection(alias: nil, token: token, path: path)
    }

    /// Points the store at a fresh projection; call inside the transaction that fills it.
    static func adopt(_ fresh: FreshProjection, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [ProjectionFile.metaKey, fresh.token])
    }

    /// After the transaction that adopted it committed: lets go of the old projection, and the
    /// fresh one gets a write-ahead log like the store's.
    func finish(_ fresh: FreshProjection) throws {
        try writer.writeWithoutTransaction { db in
            let alias: String
            if let attached = fresh.alias {
                alias = attached
            } else {
                // A first import's file, filled on its own connection: attached now.
                let current = try ProjectionFile.attached(db)
                alias = ProjectionFile.aliases.first { $0 != current }!
                try db.execute(sql: "ATTACH DATABASE ? AS \(alias)", arguments: [fresh.path ?? ":memory:"])
                try ProjectionFile.tune(db, alias, maxPageCount: maxPageCount)
            }
            if let old = try ProjectionFile.attached(db), old != alias {
                // (Statements prepared on the old file would keep it busy.)
                db.releaseMemory()
                try db.execute(sql: "DETACH DATABASE \(old)")
            }
            // (In memory, a journal in memory: later transactions must be able to roll back.)
            try db.execute(sql: "PRAGMA \(alias).journal_mode = \(fresh.path == nil ? "MEMORY" : "WAL"); PRAGMA \(alias).synchronous = NORMAL")
        }
        // Older files (the one just let go, any left by a rebuild that was killed).
        if let storePath, let current = fresh.path {
            for file in ProjectionFile.files(of: storePath) where file != current { ProjectionFile.remove(file) }
        }
    }

    /// After a failed rebuild: the fresh file goes, the current projection stays.
    func discard(_ fresh: FreshProjection) {
        if let alias = fresh.alias {
            _ = try? writer.writeWithoutTransaction { db in
                db.releaseMemory()
                try db.execute(sql: "DETACH DATABASE \(alias)")
            }
        }
        if let path = fresh.path { ProjectionFile.remove(path) }
    }

    /// Attaches the projection the store's `meta` names, when its file is there and of this
    /// version, and brings it up to the last recorded event; otherwise builds it (or, for a store
    /// opened read-only, says why it cannot).
    ///
    /// The store file and the projection file commit each transaction separately (SQLite's
    /// write-ahead log is atomic per file): after a crash between the two the projection is
    /// behind the record, and is caught up here, or ahead of it, and is built again.
    ///
    /// - Returns: Why the projection was built (`nil` when the one there was used, or the store holds no event).
    func openProjection(readOnly: Bool) throws -> String? {
        enum Found { case usable, behind, unusable(String) }
        let found = try writer.writeWithoutTransaction { db -> Found in
            guard let storePath,
                  let token = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [ProjectionFile.metaKey])
            else { return .unusable("the store had no projection file (it was made by an older Chronicle)") }
            let path = ProjectionFile.path(store: storePath, token: token)
            guard FileManager.default.fileExists(atPath: path) else { return .unusable("its projection file was missing") }
            let alias = ProjectionFile.aliases[0]
            // (A file that cannot be read as a projection, not a database or cut short, is built again:
            // it holds nothing that the record does not.)
            var (version, folded) = (0, Int.max)
            do {
                try db.execute(sql: "ATTACH DATABASE ? AS \(alias)", arguments: [path])
            } catch {
                return .unusable("its projection file could not be read")
            }
            do {
                try ProjectionFile.tune(db, alias, maxPageCount: maxPageCount)
                version = try Int.fetchOne(db, sql: "PRAGMA \(alias).user_version") ?? 0
                folded = try Int.fetchOne(db, sql: "SELECT position FROM \(alias).projection") ?? Int.max
            } catch {
                (version, folded) = (0, Int.max)
            }
            let head = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") ?? 0
            // A projection ahead of the record (its commit landed and the store's did not) is built again.
            guard version == ProjectionFile.version && folded <= head else {
                db.releaseMemory()
                try db.execute(sql: "DETACH DATABASE \(alias)")
                return .unusable(folded == Int.max ? "its projection file could not be read"
                    : version != ProjectionFile.version ? "its projection file was made by another version of Chronicle"
                    : "its projection was ahead of the recorded events")
            }
            return folded < head ? .behind : .usable
        }
        var reason: String?
        switch found {
        case .usable: return nil
        case .behind where !readOnly:
            try catchUp()
            return nil
        case .behind: break
        case .unusable(let why): reason = why
        }
        if readOnly {
            throw ChronicleError.store("The store \(storePath ?? "in memory") has no usable projection file beside it (missing, made by "
                + "another version of Chronicle, or behind the record after a crash); open the store once where it can be written and "
                + "Chronicle builds it, or copy the projection file along with the store.")
        }
        // (A new, empty store makes its first projection file here: nothing to report.)
        let recorded = try headPosition() > 0
        _ = try rebuildProjection(step: "rebuilding the projection", reporting: recorded)
        return recorded ? reason : nil
    }
}
