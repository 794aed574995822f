/// Finding the projected states that hold on a day, or overlap a span, without scanning every state
/// that began before it: a relational interval tree (Kriegel, Pötke and Seidl, "Managing Intervals
/// Efficiently in Object-Relational Databases", VLDB 2000; docs/decisions/0011).
///
/// Days are mapped into `1 ..< 2^24` (day 0, 1970-01-01, is `2^23`; days beyond ±23,000 years are
/// clamped, which only makes more candidates). A state's days `[lo, hi]` (inclusive) are filed
/// under their *fork*: of the numbers in `[lo, hi]`, the one with the most trailing zero bits,
/// which is where the interval would sit in a binary tree over all days. SQLite computes `lo`,
/// `hi` and `fork` as virtual columns of `unit_state`, so every write keeps them right, and
/// indexes them as `(fork, lo)` and `(fork, hi)`.
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

    /// The virtual columns, for `ALTER TABLE unit_state ADD COLUMN …` (in this order: `fork` reads the other two).
    static var columns: [String] {
        let lo = "max(1, min(validFrom + \(offset), \(top)))"
        let hi = "CASE WHEN validTo IS NULL THEN \(top) ELSE max(1, min(validTo - 1 + \(offset), \(top))) END"
        // The highest bit in which lo − 1 and hi differ (SQLite has no XOR: a ^ b = (a | b) − (a & b))
        // is the number of trailing bits to clear from hi.
        let differing = "(((lo - 1) | hi) - ((lo - 1) & hi))"
        let fork = "CASE "
            + (1..<bits).reversed().map { k in "WHEN \(differing) >= \(1 << k) THEN (hi >> \(k)) << \(k) " }.joined()
            + "ELSE hi END"
        return [
            "lo INTEGER GENERATED ALWAYS AS (\(lo)) VIRTUAL",
            "hi INTEGER GENERATED ALWAYS AS (\(hi)) VIRTUAL",
            "fork INTEGER GENERATED ALWAYS AS (\(fork)) VIRTUAL",
        ]
    }

    /// The fork of `[lo, hi]` as the virtual column computes it (for tests and for reasoning).
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
