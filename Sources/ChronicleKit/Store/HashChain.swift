import Crypto
import Foundation
import GRDB

/// Tamper evidence: every stored event carries a SHA-256 hash over its canonical
/// stored bytes and the previous event's hash, so that changing, removing or
/// reordering any recorded row breaks every hash after it.
public enum HashChain {
    /// The hash that stands before the first event: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)

    /// One stored row of the `event` table, every column but the hash itself.
    struct Row: Codable, Equatable {
        var position: Int
        var id: String
        var type: String
        var unit: String?
        var target: String?
        var date: String
        var earliest: Int
        var latest: Int
        var payload: String
        var sources: String
        var file: String?
        var line: Int?
        var recordedAt: String
        var hash: String?

        enum CodingKeys: String, CodingKey {
            case position, id, type, unit, target, date, earliest, latest, payload, sources, file, line, recordedAt
        }

        init(position: Int, id: String, type: String, unit: String?, target: String?, date: String, earliest: Int, latest: Int,
             payload: String, sources: String, file: String?, line: Int?, recordedAt: String, hash: String? = nil) {
            (self.position, self.id, self.type, self.unit, self.target, self.date) = (position, id, type, unit, target, date)
            (self.earliest, self.latest, self.payload, self.sources, self.file, self.line) = (earliest, latest, payload, sources, file, line)
            (self.recordedAt, self.hash) = (recordedAt, hash)
        }

        init(_ row: GRDB.Row) {
            self.init(position: row["position"], id: row["id"], type: row["type"], unit: row["unit"], target: row["target"],
                      date: row["date"], earliest: row["earliest"], latest: row["latest"], payload: row["payload"],
                      sources: row["sources"], file: row["file"], line: row["line"], recordedAt: row["recordedAt"], hash: row["hash"])
        }

        /// The row as `Canonical.json` writes it (sorted keys, null for a missing column), written by
        /// hand: an append hashes every row, and JSONEncoder was most of its cost. A test compares the two.
        var canonicalJSON: String { String(decoding: canonicalBytes, as: UTF8.self) }

        /// ``canonicalJSON`` as UTF-8 bytes, built without intermediate strings.
        var canonicalBytes: [UInt8] {
            let halves = canonicalHalves
            return halves.head + String(position).utf8 + halves.tail
        }

        /// ``canonicalBytes`` up to the position's value (`…,"position":`) and after it. An import
        /// writes both halves of each row on a worker thread, ahead of the thread that numbers the
        /// rows and chains their hashes (escaping the payload was a third of that thread's time).
        var canonicalHalves: (head: [UInt8], tail: [UInt8]) {
            var out = JSONBytes(capacity: payload.utf8.count + sources.utf8.count + 256)
            out.raw("{\"date\":"); out.string(date)
            out.raw(",\"earliest\":"); out.integer(earliest)
            out.raw(",\"file\":"); out.string(file)
            out.raw(",\"id\":"); out.string(id)
            out.raw(",\"latest\":"); out.integer(latest)
            out.raw(",\"line\":"); out.integer(line)
            out.raw(",\"payload\":"); out.string(payload)
            out.raw(",\"position\":")
            let head = out.bytes
            out = JSONBytes(capacity: sources.utf8.count + 128)
            out.raw(",\"recordedAt\":"); out.string(recordedAt)
            out.raw(",\"sources\":"); out.string(sources)
            out.raw(",\"target\":"); out.string(target)
            out.raw(",\"type\":"); out.string(type)
            out.raw(",\"unit\":"); out.string(unit)
            out.raw("}")
            return (head, out.bytes)
        }

        /// Null columns are written as JSON null, so that every row hashes the same set of keys.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(position, forKey: .position)
            try c.encode(id, forKey: .id)
            try c.encode(type, forKey: .type)
            try c.encode(unit, forKey: .unit)
            try c.encode(target, forKey: .target)
            try c.encode(date, forKey: .date)
            try c.encode(earliest, forKey: .earliest)
            try c.encode(latest, forKey: .latest)
            try c.encode(payload, forKey: .payload)
            try c.encode(sources, forKey: .sources)
            try c.encode(file, forKey: .file)
            try c.encode(line, forKey: .line)
            try c.encode(recordedAt, forKey: .recordedAt)
        }
    }

    private static let lineFeed: [UInt8] = [0x0A]

    /// SHA-256, in lower-case hex, of the previous hash, a line feed, and the row's canonical JSON.
    static func hash(of row: Row, after previous: String) -> String {
        let halves = row.canonicalHalves
        return hash(head: halves.head, position: row.position, tail: halves.tail, after: previous)
    }

    /// ``hash(of:after:)`` of a row given as the two halves of its canonical JSON around its position
    /// (``Row/canonicalHalves``), fed to SHA-256 piece by piece.
    static func hash(head: [UInt8], position: Int, tail: [UInt8], after previous: String) -> String {
        var hasher = SHA256()
        var previous = previous
        previous.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(data: HashChain.lineFeed)
        hasher.update(data: head)
        var digits = String(position)
        digits.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        hasher.update(data: tail)
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 64) { out in
            for (index, byte) in hasher.finalize().enumerated() {
                out[2 * index] = hex.utf8Start[Int(byte >> 4)]
                out[2 * index + 1] = hex.utf8Start[Int(byte & 0x0F)]
            }
            return 64
        }
    }
}

/// What `verify` found.
public struct Verification: Sendable {
    /// Events whose hashes were recomputed.
    public var events: Int
    /// The last event's position and hash: publish it, and a later `verify` proves nothing before it changed.
    public var head: (position: Int, hash: String)?
    /// The first position whose stored hash does not match, if any.
    public var firstBadPosition: Int?
    /// Every problem found, one sentence each.
    public var problems: [String]
    /// Seconds each step took.
    public var durations = Durations()

    public struct Durations: Sendable {
        /// Recomputing the hash chain and checking each payload's canonical form.
        public var chain: Double = 0
        /// Folding every event into a fresh projection and comparing it with the projected tables.
        public var projection: Double = 0
        /// Checking the projected hierarchy's invariants.
        public var invariants: Double = 0
    }
}

extension EventStore {
    /// The last event's hash as stored (not recomputed), or `nil` for an empty store.
    public func chainHead() throws(ChronicleError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT hash FROM event ORDER BY position DESC LIMIT 1") }
    }

    /// Recomputes the hash chain, re-folds every event, compares the result with the
    /// projected tables, and checks the projected hierarchy's invariants.
    ///
    /// Each step reads a row at a time or builds on disk, so that a store of a million events
    /// is verified within the memory a rebuild takes (docs/benchmarks.md).
    public func verify() throws(ChronicleError) -> Verification {
        var started = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { started = now }
            return Double(now - started) / 1e9
        }
        var (verification, readable) = try checkChain()
        verification.durations.chain = lap()
        // (An event that cannot be read cannot be folded: the chain's report is all there is.)
        if verification.events > 0 && readable {
            verification.problems += try compareWithFreshProjection()
            verification.durations.projection = lap()
            verification.problems += try checkInvariants()
            verification.durations.invariants = lap()
        }
        return verification
    }

    /// The hash chain and each payload's canonical form, one row at a time.
    ///
    /// - Returns: What was found, and whether every payload could be read back.
    func checkChain() throws(ChronicleError) -> (Verification, readable: Bool) {
        let total = try headPosition()
        let progress = self.progress
        return try read { db in
            try EventStore.withoutMemoryMap(db) {
                var verification = Verification(events: 0, head: nil, firstBadPosition: nil, problems: [])
                var readable = true
                var previous = HashChain.genesis
                var reader = PayloadReader()
                let rows = try GRDB.Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY position")
                while let stored = try rows.next() {
                    let row = HashChain.Row(stored)
                    verification.events += 1
                    if row.position != verification.events, verification.firstBadPosition == nil {
                        verification.firstBadPosition = row.position
                        verification.problems.append("position \(verification.events) is missing: the event table has a gap before position \(row.position)")
                    }
                    if HashChain.hash(of: row, after: previous) != row.hash, verification.firstBadPosition == nil {
                        verification.firstBadPosition = row.position
                        verification.problems.append("the hash chain breaks at position \(row.position) (event \(row.id)): the stored row or an earlier one was changed after it was recorded")
                    }
                    previous = row.hash ?? ""
                    verification.head = (row.position, previous)
                    do {
                        if CanonicalWriter.event(try Event.decoded(storedPayload: row.payload, reader: &reader)) != row.payload {
                            verification.problems.append("the payload at position \(row.position) (event \(row.id)) is not in canonical form")
                        }
                    } catch {
                        if readable { verification.problems.append("the payload at position \(row.position) (event \(row.id)) cannot be read back: \(error)") }
                        readable = false
                    }
                    if verification.events % 4_096 == 0 {
                        progress?(ProgressReport(step: "verifying: the hash chain", done: verification.events, total: total, unit: "events"))
                    }
                }
                return (verification, readable)
            }
        }
    }

    /// Folds every event into a fresh projection file beside the store, compares it with the
    /// projected tables row by row, and lets it go.
    ///
    /// - Returns: The fold's problems, or one sentence naming where the tables first differ.
    func compareWithFreshProjection() throws(ChronicleError) -> [String] {
        do {
            let fresh = try attachFreshProjection()
            defer { discard(fresh) }
            let clock = RebuildClock(progress: progress, step: "verifying: folding every event again")
            // (The current projection is attached under the other alias.)
            guard let alias = fresh.alias, let current = ProjectionFile.aliases.first(where: { $0 != alias }) else { return [] }
            return try writer.writeWithoutTransaction { db in
                try EventStore.inSnapshot(db, projection: current) {
                    let problems = try EventStore.project(db, from: nil, into: alias, clock: clock)
                    guard problems.isEmpty else { return problems.map(\.description) }
                    let difference = try EventStore.withoutMemoryMap(db, schemas: [current, alias]) { () throws -> String? in
                        // Where they differ is looked for only when they do (it reads the tables in order: slower).
                        try ProjectionFile.sameRows(db, current, alias) ? nil : ProjectionFile.firstDifference(db, current, alias) ?? "their checksums"
                    }
                    guard let difference else { return [] }
                    return ["the projected tables do not match the events (\(difference)); rebuild them with 'chronicle verify --repair'"]
                }
            }
        } catch let error as ChronicleError {
            throw error
        } catch {
            throw .store("Cannot fold the events again to verify the store: \(EventStore.describe(error))")
        }
    }

    /// Runs `body` in a transaction that reads the store and its current projection (attached
    /// as `projection`) as they stood at one moment, and writes only to other files.
    ///
    /// A deferred transaction takes no lock on the store: other processes record events while
    /// `verify` folds them all again (an immediate one kept them waiting 12–16 s at a million
    /// events, longer than the 10 s they wait before giving up). Each file's snapshot is taken when
    /// the transaction first reads it, and a writer commits the store and the projection one
    /// after the other: when the projection's last folded position is not the store's last event,
    /// the snapshots straddle such a commit, and are taken again (a few times: a projection that
    /// stays behind is reported by the comparison).
    static func inSnapshot<T>(_ db: Database, projection: String, _ body: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            var result: T?
            try db.inTransaction(.deferred) {
                let folded = try Int.fetchOne(db, sql: "SELECT position FROM \(projection).projection")
                let head = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM main.event")
                guard folded == head || attempt == 5 else { return .rollback }
                result = try body()
                return .commit
            }
            if let result { return result }
            attempt += 1
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}
