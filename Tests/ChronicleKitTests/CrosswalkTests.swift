import Testing
@testable import ChronicleKit

/// Crosswalks composed from events, on Quezal and on North Korea, in both directions.
@Suite struct CrosswalkTests {
    let store: EventStore

    init() throws { store = try Fixtures.store(Fixtures.quezal) }

    /// The pairs for one unit of the first day, as "to relation weight".
    func pairs(_ unit: UnitID, _ first: String, _ second: String) throws -> [String] {
        try Crosswalk.compute(day(first), day(second), in: store).rows.filter { $0.from == unit }.map { row in
            "\(row.to ?? "-") \(row.relation) \(row.weight.map { String($0) } ?? "?")"
        }
    }

    @Test func mergeAndItsReverse() throws {
        #expect(try pairs("qz/beta", "1929-06-01", "1935-01-01") == ["qz/alpha merged into 1.0"])
        #expect(try pairs("qz/alpha", "1935-01-01", "1929-06-01") == ["qz/alpha same 1.0", "qz/beta absorbed ?"])
        #expect(try pairs("qz/alpha", "1929-06-01", "1935-01-01") == ["qz/alpha same 1.0"])
    }

    @Test func splitWithWeights() throws {
        #expect(try pairs("qz/south", "1939-01-01", "1941-01-01") == ["qz/southeast split into 0.4", "qz/southwest split into 0.6"])
        #expect(try pairs("qz/southwest", "1941-01-01", "1939-01-01") == ["qz/south split from 1.0"])
    }

    @Test func splitWithoutWeightsSaysSo() throws {
        let rows = try Crosswalk.compute(day("1979"), day("1981"), in: store).rows.filter { $0.from == "qz/southeast" }
        #expect(rows.map(\.to) == ["qz/coast", "qz/hills"])
        #expect(rows.allSatisfy { $0.weight == nil && $0.relation == "split into" })
        #expect(rows.map(\.weightNote) == Array(repeating: "split event qz-southeast-1980-split gives no weights", count: 2))
        #expect(try pairs("qz/hills", "1981", "1979") == ["qz/southeast split from 1.0"])
    }

    @Test func aMergerUndoneIsTheSameUnit() throws {
        #expect(try pairs("qz/beta", "1929-06-01", "1951-01-01") == ["qz/beta same 1.0"])
        #expect(try pairs("qz/beta", "1951-01-01", "1929-06-01") == ["qz/beta same 1.0"])
        #expect(try pairs("qz/alpha", "1951-01-01", "1929-06-01") == ["qz/alpha same 1.0"])
        let steps = try Crosswalk.compute(day("1929-06-01"), day("1951-01-01"), in: store).steps.filter { $0.from == "qz/beta" }
        #expect(steps.map { "\($0.date) \($0.relation) \($0.before) → \($0.after)" } == [
            "1930-01-01 merged into [\"qz/beta\"] → [\"qz/alpha\"]",
            "1950-03-01 restored [\"qz/alpha\"] → [\"qz/beta\"]",
        ])
    }

    @Test func renameBothWays() throws {
        #expect(try pairs("qz/north", "1960-06-01", "1962-01-01") == ["qz/north renamed 1.0"])
        #expect(try pairs("qz/north", "1962-01-01", "1960-06-01") == ["qz/north renamed 1.0"])
        let row = try #require(try Crosswalk.compute(day("1960-06-01"), day("1962"), in: store).rows.first { $0.from == "qz/north" })
        #expect(row.fromName == "North")
        #expect(row.toName == "Northland")
        #expect(row.events == ["qz-north-1960-renamed"])
    }

    @Test func territoryTransferBothWays() throws {
        #expect(try pairs("qz/alpha", "1954-06-01", "1956-01-01") == ["qz/alpha same 1.0", "qz/beta transferred ?"])
        #expect(try pairs("qz/beta", "1956-01-01", "1954-06-01") == ["qz/alpha received territory from ?", "qz/beta same 1.0"])
    }

    @Test func hungnamBetween2004And2006() throws {
        let korea = try Fixtures.store(Fixtures.northKorea)
        let forward = try Crosswalk.compute(day("2004-06-01"), day("2006-01-01"), in: korea).rows
        let hungnam = forward.filter { $0.from == "kp/hungnam" }
        #expect(hungnam.map { "\($0.to ?? "-") \($0.relation)" } == ["kp/hamhung merged into"])
        #expect(hungnam.first?.events == ["kp-hungnam-2005-merged-into-hamhung"])
        let backward = try Crosswalk.compute(day("2006-01-01"), day("2004-06-01"), in: korea).rows
        #expect(backward.filter { $0.from == "kp/hamhung" }.map { "\($0.to ?? "-") \($0.relation)" } == [
            "kp/hamhung same", "kp/hungnam absorbed",
        ])
    }
}

/// Land that reaches one unit by two paths, and restorations of mergers made before the first day.
@Suite struct CrosswalkEdgeTests {
    @Test func twoPathsBackToDifferentUnitsAreBothKept() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let rows = try Crosswalk.compute(day("1990-01-01"), day("1929-06-01"), in: store).rows.filter { $0.from == "qz/beta" }
        #expect(rows.map { "\($0.to ?? "-") \($0.relation)" } == ["qz/alpha received territory from", "qz/beta same"])
    }

    @Test func aRestorationOfAnEarlierMergerGivesPartOfTheLandBack() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let rows = try Crosswalk.compute(day("1935-01-01"), day("1951-01-01"), in: store).rows.filter { $0.from == "qz/alpha" }
        #expect(rows.map { "\($0.to ?? "-") \($0.relation) \($0.weight.map { String($0) } ?? "?")" } == [
            "qz/alpha same 1.0", "qz/beta restored ?",
        ])
    }
}

extension CrosswalkEdgeTests {
    @Test func aMergerInsideTheWindowAddsNoRestoredRow() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let rows = try Crosswalk.compute(day("1929-06-01"), day("1951-01-01"), in: store).rows.filter { $0.from == "qz/alpha" }
        #expect(rows.map { "\($0.to ?? "-") \($0.relation)" } == ["qz/alpha same"])
    }
}
