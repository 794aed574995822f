import GRDB
import Testing
@testable import ChronicleKit

/// The relational interval tree must find exactly the states a plain scan finds.
@Suite struct IntervalTreeTests {
    /// The fork is the number in `[lo, hi]` with the most trailing zero bits (checked by brute force).
    @Test func theForkIsTheNumberWithTheMostTrailingZeros() {
        for lo in 1...130 {
            for hi in lo...lo + 140 {
                let best = (lo...hi).max { $0.trailingZeroBitCount < $1.trailingZeroBitCount }!
                #expect(IntervalTree.fork(lo: lo, hi: hi) == best, "[\(lo), \(hi)]")
            }
        }
    }

    /// Every interval that contains a position has its fork on that position's path.
    @Test func anIntervalsForkLiesOnThePathOfEachOfItsDays() {
        var generator = SeededGenerator(state: 3)
        for _ in 0..<2_000 {
            let lo = Int.random(in: 1...IntervalTree.top, using: &generator)
            let hi = min(IntervalTree.top, lo + Int.random(in: 0...(1 << Int.random(in: 0...23, using: &generator)), using: &generator))
            let fork = IntervalTree.fork(lo: lo, hi: hi)
            for p in [lo, hi, (lo + hi) / 2] { #expect(IntervalTree.path(to: p).contains(fork), "[\(lo), \(hi)] at \(p)") }
        }
    }

    /// Days are placed in the tree's range: day 0 in the middle, the far past and future clamped to its ends.
    @Test func placesAreClampedToTheTree() {
        #expect(IntervalTree.place(validFrom: 0, validTo: 1) == (1 << 23, 1 << 23, 1 << 23))
        #expect(IntervalTree.place(validFrom: -1, validTo: 1) == ((1 << 23) - 1, 1 << 23, 1 << 23))
        #expect(IntervalTree.place(validFrom: 0, validTo: nil) == (1 << 23, IntervalTree.top, 1 << 23))
        #expect(IntervalTree.place(validFrom: -9_000_000, validTo: 9_000_000) == (1, IntervalTree.top, 1 << 23))
        #expect(IntervalTree.place(validFrom: 9_000_000, validTo: nil) == (IntervalTree.top, IntervalTree.top, IntervalTree.top))
    }

    /// A row placed wrongly in the tree is reported by the invariants, and so by `verify`. (That the
    /// writers place rows right is checked where catch-ups are compared with rebuilds, column by
    /// column and against the invariants: IncrementalProjectionTests.)
    @Test func aMisplacedStateIsReported() throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 1_000, seed: 4).folder, at: Fixtures.recordedAt)
        #expect(try store.checkInvariants() == [])
        try store.writer.write { db in try db.execute(sql: "UPDATE unit_state SET fork = fork + 1 WHERE id = (SELECT max(id) FROM unit_state)") }
        let problems = try store.checkInvariants()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("misplaced in the interval tree") == true)
    }

    /// On a synthetic history, the states of a day and the intervals overlapping a span are the
    /// ones a scan of every state finds, on days that begin and end states and on days between.
    @Test func queriesFindWhatAScanFinds() throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 3_000, seed: 21).folder, at: Fixtures.recordedAt)
        let all = try store.read { db in try Row.fetchAll(db, sql: "SELECT \(EventStore.stateSelection) FROM unit_state").map(EventStore.interval) }
        #expect(all.count > 3_000)
        var generator = SeededGenerator(state: 21)
        var days = Set<Int>()
        for interval in all.shuffled(using: &generator).prefix(60) {
            days.formUnion([interval.validFrom.ordinal, interval.validFrom.ordinal - 1])
            if let to = interval.validTo { days.formUnion([to.ordinal, to.ordinal - 1]) }
        }
        days.formUnion([-30_000, 0, 40_000])
        func key(_ i: UnitInterval) -> String { "\(i.unit) \(i.validFrom.ordinal)" }
        var found = 0
        for day in days.sorted() {
            let expected = all.filter { $0.validFrom.ordinal <= day && ($0.validTo.map { $0.ordinal > day } ?? true) }.map(key).sorted()
            let got = try store.states(on: Day(ordinal: day)).map(key)
            #expect(got == expected, "on \(Day(ordinal: day))")
            found += got.count
        }
        #expect(found > 10_000)
        for (from, length) in [(days.min()!, 1), (0, 365), (-20_000, 3_000), (-40_000, 100_000), (5, 0)] {
            let until = from + length
            let expected = all.filter { $0.validFrom.ordinal < until && ($0.validTo.map { $0.ordinal > from } ?? true) && from < until }
                .map(key).sorted()
            let got = try store.intervals(overlapping: Day(ordinal: from), Day(ordinal: until)).map(key).sorted()
            #expect(got == expected, "from \(from) for \(length) days")
        }
    }

    /// The states of a day come in unit order whatever order SQLite yields them in, ids that share
    /// their first sixteen bytes and ids that are prefixes of others included.
    @Test func intervalsAreJoinedInUnitOrder() {
        var generator = SeededGenerator(state: 17)
        let stems = ["sx/t", "sx/t1", "kp/pyongyang/district-", "kp/pyongyang/district", "a", "sx/d4719", "sx/d47190"]
        var units = Set<String>()
        while units.count < 3_000 {
            units.insert(stems.randomElement(using: &generator)! + String(Int.random(in: 0...999, using: &generator)))
        }
        units.formUnion(stems)
        let intervals = units.shuffled(using: &generator).map {
            UnitInterval(unit: $0, validFrom: Day(ordinal: 0), validTo: nil, state: UnitState(names: [:], level: "x", parent: nil), event: "e", endEvent: nil)
        }
        let chunks = stride(from: 0, to: intervals.count, by: 700).map { start in
            intervals[start..<min(intervals.count, start + 700)].map { Optional($0) }
        }
        let joined = EventStore.sortedByUnit(chunks).map(\.unit)
        #expect(joined == units.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(joined.count == units.count)
    }
}
