import Foundation
import Testing
@testable import ChronicleKit

/// `asof --format json` writes views by hand; the text must be JSONEncoder's, byte for byte.
@Suite struct UnitViewJSONTests {
    @Test func snapshotsOfEveryDataSetAreWrittenAsJSONEncoderWritesThem() throws {
        var stores: [(String, EventStore, [Day])] = [
            ("North Korea", try Fixtures.store(Fixtures.northKorea), (1945...2026).map { Day(year: $0, month: 12, day: 31)! }),
            ("Quezal", try Fixtures.store(Fixtures.quezal), (1899...2030).map { Day(year: $0, month: 7, day: 1)! }),
        ]
        let synthetic = try EventStore.inMemory()
        try synthetic.record(SyntheticHistory(eventCount: 3_000, seed: 11).folder, at: Fixtures.recordedAt)
        stores.append(("synthetic", synthetic, stride(from: 1900, through: 2020, by: 10).map { Day(year: $0, month: 3, day: 15)! }))
        var compared = 0
        var sawUncertain = false, sawObservation = false
        for (name, store, days) in stores {
            for day in days {
                let units = try Snapshot.load(from: store, on: day).units
                #expect(UnitViewJSON.encode(units) == (try JSONOutput.encode(units)), "\(name) on \(day)")
                compared += units.count
                sawUncertain = sawUncertain || units.contains { !$0.uncertainty.isEmpty && $0.uncertainty.contains { !$0.alternatives.isEmpty } }
                sawObservation = sawObservation || units.contains { !$0.observations.isEmpty }
            }
        }
        #expect(compared > 10_000)
        #expect(sawUncertain && sawObservation, "the data exercise uncertainty with alternatives and observations")
    }

    @Test func awkwardValuesAreWrittenAsJSONEncoderWritesThem() throws {
        let awkward = ["", "\"quoted\" \\ back/slash", "tab\there\nline\r\u{8}\u{C}\u{1}\u{1F}", "함흥 咸興 Hamhŭng", "emoji 🗺️", "é", "e\u{301}"]
        var views: [UnitView] = []
        for (index, text) in awkward.enumerated() {
            views.append(UnitView(
                id: "zz/\(index)", name: text, names: [text: text, "en": "E", "a": text, "Z": "z"], level: text, levelName: text,
                parent: index.isMultiple(of: 2) ? nil : text, parentName: index.isMultiple(of: 3) ? nil : text,
                codes: index == 0 ? [:] : ["iso": text, "b": "2"],
                coordinate: index.isMultiple(of: 2) ? Coordinate(lat: 40.123456789 * Double(index), lon: -0.1 - Double(index)) : nil,
                validFrom: "1900-01-01", validTo: index.isMultiple(of: 2) ? nil : "2000-12-31", event: text,
                uncertain: index > 2,
                uncertainty: index > 2 ? [.init(event: text, date: "1990~", alternatives: index > 4 ? [] : ["1991", text])] : [],
                observations: index > 1 ? ["population": Observation(unit: "zz/\(index)", key: "population", value: [0, 1e21, 2.5, -3, 123456789012, 1e-7, 0.1][index],
                                                                     date: text, event: text, day: Day(ordinal: 0)),
                                           text: Observation(unit: "zz", key: text, value: 7, date: "2000", event: "e", day: Day(ordinal: 1))] : [:],
                localName: nil))
        }
        #expect(UnitViewJSON.encode(views) == (try JSONOutput.encode(views)))
        #expect(UnitViewJSON.encode([views[1]]) == (try JSONOutput.encode([views[1]])))
        #expect(UnitViewJSON.encode([]) == (try JSONOutput.encode([UnitView]())))
    }
}

/// RFC 4180 fields: quoted when they hold a comma, a quote or a line break (CR, LF or both).
@Suite struct CSVTests {
    @Test func fieldsAreQuotedWhenTheyMustBe() {
        #expect(CSV.render([["plain", "함흥", "a,b", "say \"hi\"", "x\r\ny", "l\nm", "r\rs", ""]])
            == "plain,함흥,\"a,b\",\"say \"\"hi\"\"\",\"x\r\ny\",\"l\nm\",\"r\rs\",\r\n")
    }
}

/// The tree of a snapshot: every unit on one line, under its parent, and the empty day said so.
@Suite struct TreeTests {
    @Test func everyUnitIsListedOnceUnderItsParent() throws {
        let store = try Fixtures.store(Fixtures.northKorea)
        for year in 1945...2026 {
            let snapshot = try Snapshot.load(from: store, on: Day(year: year, month: 12, day: 31)!)
            let lines = snapshot.tree().split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first == "As of \(year)-12-31: \(snapshot.units.count) units")
            var seen: [UnitID: Int] = [:]
            for (number, line) in lines.enumerated() {
                // A unit line ends with its id (and " ?" when uncertain).
                let words = line.split(separator: " ")
                guard let id = words.last(where: { $0.contains("/") || $0 == "kp" }).map(String.init),
                      snapshot.units.contains(where: { $0.id == id }) else { continue }
                #expect(seen[id] == nil, "\(id) listed twice in \(year)")
                seen[id] = number
            }
            #expect(Set(seen.keys) == Set(snapshot.units.map(\.id)), "\(year)")
            for unit in snapshot.units {
                if let parent = unit.parent, let above = seen[parent], let line = seen[unit.id] {
                    #expect(above < line, "\(unit.id) comes after its parent \(parent) in \(year)")
                }
            }
        }
    }

    @Test func aDayWithoutUnitsSaysSo() {
        #expect(Snapshot(day: Day(year: 1800, month: 1, day: 1)!, units: []).tree() == "As of 1800-01-01: 0 units\n\n")
    }
}
