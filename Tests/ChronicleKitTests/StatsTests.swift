import Foundation
import Testing
@testable import ChronicleKit

/// `stats` counts each level's units on one day of each year in one pass over the states; the
/// counts must be those of the whole hierarchy read on each day.
@Suite struct StatsTests {
    /// Counted the slow way: every state that holds on the day, by level.
    static func countedOneDayAtATime(_ years: ClosedRange<Int>, month: Int, day: Int, in store: EventStore) throws -> [YearCount] {
        try years.compactMap { year -> YearCount? in
            guard let date = Day(year: year, month: month, day: min(day, Day.daysIn(month: month, year: year))) else { return nil }
            let states = try store.states(on: date)
            var counts: [String: Int] = [:]
            for state in states { counts[state.state.level, default: 0] += 1 }
            return YearCount(year: year, day: date.description, counts: counts, total: states.count)
        }
    }

    /// On a synthetic history of four tiers (towns moved, districts merged, split and restored),
    /// from before its first state to after its last, at the end, the start and on 29 February
    /// of each year (the 28th in common years).
    @Test(arguments: [(12, 31), (1, 1), (2, 29)])
    func onePassCountsWhatEachDaysHierarchyHolds(month: Int, day: Int) throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 3_000, seed: 12).folder, at: Fixtures.recordedAt)
        let years = 1890...2030
        let counted = try YearCount.yearly(years, month: month, day: day, in: store)
        #expect(counted == (try StatsTests.countedOneDayAtATime(years, month: month, day: day, in: store)))
        #expect(counted.count == years.count)
        #expect(counted.first?.total == 0, "nothing exists before 1900")
        #expect(Set(counted.flatMap(\.counts.keys)).count == 4)
        #expect(counted.map(\.total).max() ?? 0 > 200)
    }

    /// Quezal's levels and its units ending, merging and being restored, and a range of one year.
    @Test func quezalsYearsAreCountedAsItsHierarchies() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let years = 1900...1995
        let counted = try YearCount.yearly(years, in: store)
        #expect(counted == (try StatsTests.countedOneDayAtATime(years, month: 12, day: 31, in: store)))
        #expect(Set(counted.map(\.total)).count >= 3, "the country's units come and go")
        #expect(try YearCount.yearly(1950...1950, month: 6, day: 1, in: store)
                == StatsTests.countedOneDayAtATime(1950...1950, month: 6, day: 1, in: store))
        #expect(try store.levelCounts(on: []) == [])
    }
}
