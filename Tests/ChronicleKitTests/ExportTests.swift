import Foundation
import Testing
@testable import ChronicleKit

@Suite struct ExportTests {
    static func scratch() throws -> URL { try Fixtures.scratch("export") }

    static func files(in folder: URL) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return result
    }

    @Test(arguments: ExportFormat.allCases)
    func twoRunsOnNorthKoreaGiveIdenticalBytes(format: ExportFormat) throws {
        let store = try Fixtures.store(Fixtures.northKorea)
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exporter = try Exporter(store: store)
        let first = try exporter.export(years: 1945...2025, format: format, to: folder.appendingPathComponent("a"))
        _ = try exporter.export(years: 1945...2025, format: format, to: folder.appendingPathComponent("b"))
        let a = try ExportTests.files(in: folder.appendingPathComponent("a"))
        let b = try ExportTests.files(in: folder.appendingPathComponent("b"))
        #expect(a.count == first.files.count + 1)
        #expect(a == b)
        #expect(first.storePosition == (try store.headPosition()))
        #expect(first.chainHead?.count == 64)
    }

    @Test func geoJSONFollowsRFC7946() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Exporter(store: store).export(years: 1925...1925, format: .geojson, to: folder)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("1925.geojson"))) as? [String: Any])
        #expect(object["type"] as? String == "FeatureCollection")
        let features = try #require(object["features"] as? [[String: Any]])
        #expect(features.count == 10)
        for feature in features {
            #expect(feature["type"] as? String == "Feature")
            #expect(feature["id"] is String)
            #expect(feature["properties"] is [String: Any])
            if let geometry = feature["geometry"] as? [String: Any] {
                #expect(geometry["type"] as? String == "Point")
                let position = try #require(geometry["coordinates"] as? [Double])
                #expect(position.count == 2)
                #expect((-180...180).contains(position[0]) && (-90...90).contains(position[1]))
            } else {
                #expect(feature["geometry"] is NSNull, "geometry is a Point or null")
            }
        }
        let port = try #require(features.first { $0["id"] as? String == "qz/port" })
        #expect((port["geometry"] as? [String: Any])?["coordinates"] as? [Double] == [-20.25, 10.5], "longitude first")
        #expect((port["properties"] as? [String: Any])?["path"] as? String == "Quezal > Port Royal")
    }

    @Test func csvQuotesNamesWithCommasAndQuotes() throws {
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        var events = try EventFolder.load(from: Fixtures.quezal)
        events.events += EventFileReader.readEvents("""
            - id: qz-port-1926-renamed
              type: changed
              unit: qz/port
              date: "1926"
              to: {names: {en: "Port \\"Royal\\", Old", local: "Pórt, \\"Rojál\\""}}
              sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]
            """, file: "Events/qz/99.yaml").events
        let store = try EventStore.inMemory()
        try store.record(events, at: Fixtures.recordedAt)
        _ = try Exporter(store: store).export(years: 1927...1927, format: .csv, to: folder)
        let text = try String(contentsOf: folder.appendingPathComponent("1927.csv"), encoding: .utf8)
        #expect(text.contains("\r\nqz/port,\"Port \"\"Royal\"\", Old\",\"Port \"\"Royal\"\", Old\",\"Pórt, \"\"Rojál\"\"\",Port Rojal,capital,"))
        let rows = ExportTests.parseCSV(text)
        #expect(Set(rows.map(\.count)).count == 1, "every record has as many fields as the header")
        let port = try #require(rows.first { $0.first == "qz/port" })
        #expect(port[1] == "Port \"Royal\", Old")
        #expect(port[3] == "Pórt, \"Rojál\"")
        #expect(text.hasSuffix("\r\n"))
    }

    @Test func manifestNamesEveryFile() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifest = try Exporter(store: store).export(years: 1939...1941, month: 12, day: 31, format: .json, to: folder)
        #expect(manifest.files.map(\.file) == ["1939.json", "1940.json", "1941.json"])
        #expect(manifest.files.map(\.day) == ["1939-12-31", "1940-12-31", "1941-12-31"])
        #expect(manifest.on == "12-31")
        #expect(manifest.files.map(\.units) == [9, 10, 10])
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json"))) as? [String: Any]
        #expect(index?["storePosition"] as? Int == 26)
        let tree = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("1940.json"))) as? [String: Any]
        let roots = tree?["units"] as? [[String: Any]]
        #expect(roots?.map { $0["id"] as? String } == ["qz"])
    }

    @Test func linkedPlacesCarriesNamesAndPartOfWithTimespans() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Exporter(store: store).export(years: 1900...2000, format: .lpf, to: folder)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("places.lpf.json"))) as? [String: Any])
        #expect(object["@context"] as? String == Exporter.lpfContext)
        let features = try #require(object["features"] as? [[String: Any]])
        let mill = try #require(features.first { $0["@id"] as? String == "urn:chronicle:qz/mill" })
        let relations = try #require(mill["relations"] as? [[String: Any]])
        #expect(relations.map { $0["relationTo"] as? String } == ["urn:chronicle:qz/beta", "urn:chronicle:qz/alpha", "urn:chronicle:qz/beta"])
        let spans = relations.map { (($0["when"] as? [String: Any])?["timespans"] as? [[String: Any]])?.first }
        #expect((spans[1]?["start"] as? [String: String])?["in"] == "1930-01-01")
        #expect((spans[1]?["end"] as? [String: String])?["in"] == "1969-12-31")
        let north = try #require(features.first { $0["@id"] as? String == "urn:chronicle:qz/north" })
        let toponyms = (north["names"] as? [[String: Any]])?.compactMap { $0["toponym"] as? String } ?? []
        #expect(toponyms.contains("North") && toponyms.contains("Northland"))
    }

    /// A small RFC 4180 reader, to check that what Chronicle writes parses back field for field.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\r\n" || c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
        }
        return rows
    }

    /// The interval table names each row's parent as it stood on the day the row begins (from
    /// the parent's states read once), as a look-up of the parent on that day does, on a
    /// synthetic history whose towns move between districts that merge, split and come back,
    /// over a span that begins after many rows do.
    @Test func intervalRowsNameTheParentOfTheirFirstDay() throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 3_000, seed: 9).folder, at: Fixtures.recordedAt)
        let exporter = try Exporter(store: store)
        let namer = try Namer(store: store)
        let (text, count) = try exporter.intervalsCSV(1950...1990)
        let intervals = try store.intervals(overlapping: day("1950-01-01"), day("1991-01-01"))
        #expect(count == intervals.count)
        var expected: [[String]] = [["id", "valid_from", "valid_to", "name"] + exporter.columns.nameKeys.map { "name_\($0)" }
                                    + ["level", "level_name", "parent", "parent_name", "codes", "event", "end_event"]]
        var named = 0
        for interval in intervals {
            let parentName = try interval.state.parent.flatMap { parent in
                try store.state(of: parent, on: interval.validFrom).map { namer.name(of: parent, $0.state) }
            }
            if parentName != nil { named += 1 }
            expected.append([interval.unit, interval.validFrom.description, interval.validTo?.description ?? "", namer.name(of: interval.unit, interval.state)]
                            + exporter.columns.nameKeys.map { interval.state.names[$0] ?? "" }
                            + [interval.state.level, namer.levelName(interval.state.level, of: interval.unit), interval.state.parent ?? "", parentName ?? "",
                               interval.state.codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
                               interval.event, interval.endEvent ?? ""])
        }
        #expect(named > 1_000)
        #expect(text == CSV.render(expected))
    }

    /// The interval table is written a chunk at a time into a file beside its name: when it cannot
    /// take the name (here a folder has it), the export says so and leaves no partial file.
    @Test func anIntervalTableThatCannotBeWrittenLeavesNothingBehind() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let folder = try ExportTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("intervals.csv/inside"), withIntermediateDirectories: true)
        #expect {
            _ = try Exporter(store: store).export(years: 1900...2000, format: .intervals, to: folder)
        } throws: { error in
            "\(error)".contains("Cannot write \(folder.appendingPathComponent("intervals.csv").path)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["intervals.csv"])
        // And into an empty folder, the same rows as the table made in memory.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("intervals.csv"))
        _ = try Exporter(store: store).export(years: 1900...2000, format: .intervals, to: folder)
        #expect(try String(contentsOf: folder.appendingPathComponent("intervals.csv"), encoding: .utf8) == (try Exporter(store: store).intervalsCSV(1900...2000).0))
    }

    /// Linked Places are written a feature at a time: the text is what encoding the whole
    /// collection as one value gives, over a century, over the year the units were established,
    /// and over years before any unit (no feature).
    @Test(arguments: [(1900, 2020), (1900, 1900), (1700, 1701)])
    func linkedPlacesWrittenAFeatureAtATimeAreTheWholeCollection(from: Int, to: Int) throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 1_000, seed: 5).folder, at: Fixtures.recordedAt)
        let exporter = try Exporter(store: store)
        var text = ""
        let count = try exporter.linkedPlaces(from...to) { text += $0 }
        let namer = try Namer(store: store)
        let languages = Dictionary(try store.schemes().flatMap(\.nameKeys).map { ($0.key, $0.lang ?? $0.key) }, uniquingKeysWith: { a, _ in a })
        let intervals = try store.intervals(overlapping: Day(year: from, month: 1, day: 1)!, Day(year: to + 1, month: 1, day: 1)!)
        let features = Dictionary(grouping: intervals, by: \.unit).sorted { $0.key < $1.key }.map { unit, states in
            exporter.feature(unit, states.sorted { $0.validFrom < $1.validFrom }, namer: namer, languages: languages)
        }
        #expect(count == features.count)
        #expect(text == (try JSONOutput.encode(JSONValue.object([
            "type": .string("FeatureCollection"), "@context": .string(Exporter.lpfContext), "features": .array(features),
        ]))))
    }
}
