import GRDB

/// Finding the projected states that hold on a day, or overlap a span, without scanning every state
/// that began before it: a relational interval tree (Kriegel, Pötke and Seidl, "Managing Intervals
/// Efficiently in Object-Relational Databases", VLDB 2000; docs/decisions/0011).
///
/// Days are mapped into `1 ..< 2^24` (day 0, 1970-01-01, is `2^23`; days beyond ±23,000 years are
/// clamped, which only makes more candidates). A state's days `[lo, hi]` (inclusive) are filed
/// under their *fork*: of the numbers in `[lo, hi]`, the one with the most trailing zero bits,
/// which is where the interval would sit in a binary tree over all days. `lo`, `hi` and `fork`
/// are columns of `unit_state`, written with each row by the projection's writers (``place(validFrom:validTo:)``)
/// and checked by ``EventStore/checkInvariants()``, and indexed as `(fork, lo)` and `(fork, hi)`.
///
/// Every interval that contains a day `p` has its fork on the path from the root to `p`, so a
/// query reads about 24 short index ranges: forks left of `p` whose `hi ≥ p`, forks right of `p`
/// whose `lo ≤ p`, and `p` itself. Before this, a query for a day read the index entries of
/// every state that began before it (at a million events, 1.06 of 1.8 million for 1960).
enum IntervalTree {
    static let bits = 24
    static let offset = 1 << 23
    static let top = (1 << 24) - 1

    /// A day's place in the tree.
    static func position(_ ordinal: Int) -> Int {
        min(max(ordinal + offset, 1), top)
    }

    /// A state's place in the tree: the columns `lo`, `hi` and `fork` written with its row.
    static func place(validFrom: Int, validTo: Int?) -> (lo: Int, hi: Int, fork: Int) {
        let lo = position(validFrom)
        let hi = validTo.map { position($0 - 1) } ?? top
        return (lo, hi, fork(lo: lo, hi: hi))
    }

    /// Fills `lo`, `hi` and `fork` of every row (for the migration that adds them).
    static func placeAll(_ db: Database) throws {
        var rows: [(id: Int, from: Int, to: Int?)] = []
        let read = try RawQuery(db, "SELECT id, validFrom, validTo FROM unit_state", [])
        while try read.next() { rows.append((read.integer(0) ?? 0, read.integer(1) ?? 0, read.integer(2))) }
        let update = try BulkInsert(db, "UPDATE unit_state SET lo = ?, hi = ?, fork = ? WHERE id = ?")
        for row in rows {
            let place = place(validFrom: row.from, validTo: row.to)
            try update.execute(.integer(place.lo), .integer(place.hi), .integer(place.fork), .integer(row.id))
        }
    }

    /// The fork of `[lo, hi]`: of the numbers in it, the one with the most trailing zero bits.
    static func fork(lo: Int, hi: Int) -> Int {
        let differing = (lo - 1) ^ hi
        guard differing > 0 else { return hi }
        let k = Int.bitWidth - 1 - differing.leadingZeroBitCount
        return (hi >> k) << k
    }

    /// The forks on the path from the root to a position, nearest the root first.
    static func path(to p: Int) -> [Int] {
        (0..<bits).reversed().map { k in ((p >> (k + 1)) << (k + 1)) | (1 << k) }
    }

    /// A query for the states overlapping the days `from ... through` (inclusive ordinals): one
    /// `SELECT` of `columns` for the forks between the two, one for the forks left of them (by
    /// `hi`) and one for those right of them (by `lo`). The forks only narrow the candidates: each
    /// part also tests `validFrom` and `validTo`. The parts read disjoint forks, so no row comes
    /// twice; the rows come in no particular order. An empty span (`through < from`) overlaps nothing.
    static func query(selecting columns: String, from: Int, through: Int) -> String {
        guard from <= through else { return "SELECT \(columns) FROM unit_state WHERE 0" }
        let a = position(from), b = position(through)
        let left = Set(path(to: a).filter { $0 < a }).sorted()
        let right = Set(path(to: b).filter { $0 > b }).sorted()
        let exact = "validFrom <= \(through) AND (validTo IS NULL OR validTo > \(from))"
        func list(_ forks: [Int]) -> String { forks.map(String.init).joined(separator: ", ") }
        var parts = ["SELECT \(columns) FROM unit_state INDEXED BY unit_state_by_fork_lo WHERE fork BETWEEN \(a) AND \(b) AND \(exact)"]
        if !left.isEmpty {
            parts.append("SELECT \(columns) FROM unit_state INDEXED BY unit_state_by_fork_hi WHERE fork IN (\(list(left))) AND hi >= \(a) AND \(exact)")
        }
        if !right.isEmpty {
            parts.append("SELECT \(columns) FROM unit_state INDEXED BY unit_state_by_fork_lo WHERE fork IN (\(list(right))) AND lo <= \(b) AND \(exact)")
        }
        return parts.joined(separator: "\nUNION ALL ")
    }
}
