import GRDB
import Testing
@testable import ChronicleKit

/// The hierarchy's invariants, checked in one sweep over the days states begin and end
/// (``HierarchySweep``): hand-made interval tables with known faults, a store whose projected rows
/// were changed behind its back, and random tables against a check of every state on every day.
@Suite struct InvariantTests {
    /// A state as the tests write it: unit, first day, first day after, parent, level.
    typealias Row = (unit: String, from: String, to: String?, parent: String?, level: String)

    static let scheme = Scheme(country: "qz", nameKeys: [], levels: [
        .init(code: "country", rank: 4, under: [], names: [:]),
        .init(code: "province", rank: 3, under: ["country"], names: [:]),
        .init(code: "district", rank: 2, under: ["province", "district"], names: [:]),
        .init(code: "town", rank: 1, under: ["province", "district"], names: [:]),
    ])

    /// What the sweep finds in `rows`, given in reverse: it takes them in any order, as a store reads them.
    func sweep(_ rows: [Row]) -> [InvariantViolation] {
        var sweep = HierarchySweep(schemes: ["qz": Self.scheme])
        for row in rows.reversed() {
            sweep.add(unit: row.unit, from: day(row.from).ordinal, to: row.to.map { day($0).ordinal },
                      parent: row.parent, level: row.level, misplaced: false)
        }
        return sweep.violations()
    }

    func violations(_ rows: [Row]) -> [String] { sweep(rows).map(\.description) }

    static let country: Row = ("qz", "1900-01-01", nil, nil, "country")

    @Test func aSoundHierarchyHasNoViolations() {
        #expect(violations([
            Self.country,
            ("qz/a", "1900-01-01", "1950-01-01", "qz", "province"),
            ("qz/a", "1950-01-01", nil, "qz", "province"),
            ("qz/a1", "1920-01-01", "1950-01-01", "qz/a", "district"),
            ("qz/a1", "1950-01-01", nil, "qz/a", "district"),
            ("qz/t", "1930-06-01", nil, "qz/a1", "town"),
        ]) == [])
    }

    /// A parent that ends under its child is reported on the day it ends, though no state begins then.
    @Test func aParentThatEndsIsMissedOnThatDay() {
        #expect(violations([
            ("qz", "1900-01-01", "1950-01-01", nil, "country"),
            ("qz/a", "1900-01-01", nil, "qz", "province"),
        ]) == ["qz/a's parent qz does not exist on 1950-01-01"])
    }

    @Test func aUnitUnderAnUnknownParentIsReportedWhenItBegins() {
        #expect(violations([Self.country, ("qz/a", "1910-03-01", nil, "qz/nowhere", "province")])
            == ["qz/a's parent qz/nowhere does not exist on 1910-03-01"])
    }

    /// Reported when it begins, and again when the parent's level or the unit's own state changes;
    /// not when the parent changes otherwise, nor on every later day some state begins.
    @Test func aLevelTheSchemeDoesNotAllowIsReportedWhenItBeginsAndWhenItChanges() {
        #expect(violations([
            Self.country,
            ("qz/p", "1900-01-01", nil, "qz", "province"),
            ("qz/d", "1900-01-01", "1925-01-01", "qz/p", "district"),
            ("qz/d", "1925-01-01", "1930-01-01", "qz/p", "district"),
            ("qz/d", "1930-01-01", nil, "qz", "province"),
            ("qz/t", "1920-01-01", "1935-01-01", "qz/d", "province"),
            ("qz/t", "1935-01-01", nil, "qz/d", "province"),
            ("qz/u", "1927-01-01", nil, "qz", "province"),
        ]) == [
            "qz/t (province) sits under qz/d (district) on 1920-01-01, which the scheme does not allow",
            "qz/t (province) sits under qz/d (province) on 1930-01-01, which the scheme does not allow",
            "qz/t (province) sits under qz/d (province) on 1935-01-01, which the scheme does not allow",
        ])
    }

    @Test func onlyACountryHasNoParent() {
        #expect(violations([Self.country, ("qz/a", "1900-01-01", nil, nil, "province")]) == ["qz/a has no parent on 1900-01-01"])
    }

    /// The units on the cycle are their own ancestors; a unit under the cycle is not.
    @Test func aCycleOfParentsNamesTheUnitsOnIt() {
        #expect(violations([
            Self.country,
            ("qz/a", "1900-01-01", nil, "qz", "province"),
            ("qz/x", "1900-01-01", "1960-01-01", "qz/a", "district"),
            ("qz/x", "1960-01-01", nil, "qz/y", "district"),
            ("qz/y", "1900-01-01", nil, "qz/x", "district"),
            ("qz/z", "1900-01-01", nil, "qz/y", "town"),
            ("qz/self", "1970-01-01", nil, "qz/self", "district"),
        ]) == [
            "qz/x is its own ancestor on 1960-01-01",
            "qz/y is its own ancestor on 1960-01-01",
            "qz/self is its own ancestor on 1970-01-01",
        ])
    }

    @Test func aUnitsOwnIntervalsAreCheckedUnitByUnit() {
        #expect(violations([
            Self.country,
            ("qz/a", "1900-01-01", "1920-01-01", "qz", "province"),
            ("qz/a", "1910-01-01", nil, "qz", "province"),
            ("qz/a", "1930-01-01", "1930-01-01", "qz", "province"),
            ("qz/b", "1900-01-01", "1900-01-01", "qz", "province"),
        ]) == [
            "qz/a: intervals from 1900-01-01 and 1910-01-01 overlap",
            "qz/a: an open interval from 1910-01-01 is followed by another from 1930-01-01",
            "qz/a: the interval from 1930-01-01 is empty",
            "qz/b: the interval from 1900-01-01 is empty",
        ])
    }

    /// Changed rows in a store's projection: what `verify` reports.
    @Test func rowsChangedInAStoreAreReported() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        #expect(try store.checkInvariants() == [])
        let (first, parent) = try store.read { db in
            let row = try #require(try GRDB.Row.fetchOne(db, sql: """
                SELECT validFrom, json_extract(state, '$.parent') FROM unit_state WHERE unit = 'qz/mill' ORDER BY validFrom LIMIT 1
                """))
            return (Day(ordinal: row[0]), row[1] as String)
        }
        try store.writer.write { db in
            try db.execute(sql: """
                UPDATE unit_state SET state = json_set(state, '$.parent', 'qz/atlantis') WHERE unit = 'qz/mill' AND validFrom = ?
                """, arguments: [first.ordinal])
        }
        #expect(try store.checkInvariants() == ["qz/mill's parent qz/atlantis does not exist on \(first)"])
        #expect(parent != "qz/atlantis")
    }

    /// Random tables, some with faults of every kind, against a check of the whole hierarchy on
    /// every day a state begins or ends: the same faults are found, and each is true on the day it names.
    @Test(arguments: 0..<40) func theSweepFindsWhatCheckingEveryDayFinds(seed: Int) {
        var random = SeededGenerator(state: UInt64(seed))
        let units = ["qz"] + (0..<9).map { "qz/u\($0)" }
        let levels = ["country", "province", "district", "town"]
        var rows: [Row] = []
        for unit in units {
            var from = Int.random(in: 0..<6, using: &random)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let length = Int.random(in: -1..<8, using: &random)
                let open = Int.random(in: 0..<5, using: &random) == 0
                let parent = unit == "qz" && Bool.random(using: &random) ? nil : units.randomElement(using: &random)
                let level = unit == "qz" ? "country" : levels[Int.random(in: 1..<4, using: &random)]
                let end: String? = open ? nil : date(from + length)
                let noParent = Int.random(in: 0..<10, using: &random) == 0
                rows.append((unit: unit, from: date(from), to: end, parent: noParent ? nil : parent, level: level))
                from += Int.random(in: 1..<6, using: &random)
            }
        }
        let reported = violationsByRule(rows)
        let everyDay = checkEveryDay(rows)
        #expect(Set(reported.map(\.rule)) == Set(everyDay.values.flatMap { $0 }))
        for violation in reported {
            #expect(everyDay[violation.day]?.contains(violation.rule) == true, "\(violation.rule) does not hold on \(violation.day)")
        }
    }

    private func date(_ offset: Int) -> String { Day(ordinal: day("1900-01-01").ordinal + offset).description }

    /// The sweep's rules of the hierarchy, each without its day, and the day.
    private func violationsByRule(_ rows: [Row]) -> [(rule: String, day: Day)] {
        sweep(rows).compactMap { violation in
            switch violation {
            case .noParent(let unit, let on): ("\(unit) has no parent", on)
            case .missingParent(let unit, let parent, let on): ("\(unit) under missing \(parent)", on)
            case .levelNotAllowed(let unit, let level, let parent, let parentLevel, let on): ("\(unit) \(level) under \(parent) \(parentLevel)", on)
            case .ownAncestor(let unit, let on): ("\(unit) on a cycle", on)
            default: nil
            }
        }
    }

    /// The whole hierarchy checked on every day a state begins or ends, by brute force: each
    /// unit's state in force (its earliest, where states overlap), and every rule for every unit.
    private func checkEveryDay(_ rows: [Row]) -> [Day: Set<String>] {
        let held = rows.filter { row in row.to.map { day($0) > day(row.from) } ?? true }
        let days = Set(held.flatMap { [day($0.from)] + ($0.to.map { [day($0)] } ?? []) })
        var found: [Day: Set<String>] = [:]
        for on in days {
            var states: [String: Row] = [:]
            for row in held.sorted(by: { day($0.from) < day($1.from) }) where day(row.from) <= on && row.to.map({ on < day($0) }) ?? true {
                if states[row.unit] == nil { states[row.unit] = row }
            }
            for (unit, state) in states {
                let under = Self.scheme.level(state.level)!.under
                guard let parent = state.parent else {
                    if !under.isEmpty { found[on, default: []].insert("\(unit) has no parent") }
                    continue
                }
                guard let parentState = states[parent] else {
                    found[on, default: []].insert("\(unit) under missing \(parent)")
                    continue
                }
                if !under.contains(parentState.level) {
                    found[on, default: []].insert("\(unit) \(state.level) under \(parent) \(parentState.level)")
                }
                var cursor: String? = parent
                var steps = 0
                while let next = cursor, steps <= states.count {
                    if next == unit {
                        found[on, default: []].insert("\(unit) on a cycle")
                        break
                    }
                    cursor = states[next]?.parent
                    steps += 1
                }
            }
        }
        return found
    }
}
