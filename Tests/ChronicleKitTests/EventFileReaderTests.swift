import Foundation
import Testing
import Yams
@testable import ChronicleKit

@Suite struct EventFileReaderTests {
    static let source = #"sources: [{title: "t", url: "https://example.org"}]"#

    @Test(arguments: [
        ("id: x\ntype: established\n", "Events/qz/bad.yaml:1: error: an event file holds a list of events (each item starting with '- id:'), not a mapping"),
        ("- just text\n", "Events/qz/bad.yaml:1: error: each event is a mapping of keys (id, type, date, …), not a single value"),
        ("- id: a\n  type: founded\n  date: \"1990\"\n", "Events/qz/bad.yaml:2: error: event a: 'type': unknown event type 'founded'; expected one of: established, changed, merged, split, territory-transferred, abolished, restored, corrected, retracted, observed"),
        ("- id: a\n  type: merged\n  date: \"1990\"\n  unit: qz/a\n  \(source)\n", "Events/qz/bad.yaml:1: error: event a: the required key 'into' is missing"),
        ("- id: a\n  type: changed\n  date: \"1990\"\n  unit: qz/a\n  to: {level: [1, 2]}\n  \(source)\n", "Events/qz/bad.yaml:5: error: event a: 'to.level' should be a single value"),
        ("- id: a\n  type: changed\n  date: \"1990\"\n  unit: qz/a\n  to: {}\n  alternatives: [{date: \"1990-02-30\", sources: []}]\n", "Events/qz/bad.yaml:6: error: event a: 'alternatives[0].date': '1990-02-30' is not a valid EDTF date: day 30 does not exist in 1990-02"),
        ("- id: a\n  id: b\n", "Events/qz/bad.yaml:1: error: YAML error: the key 'id' appears twice in one mapping"),
    ])
    func badFilesGetALocatedSentence(text: String, message: String) {
        let read = EventFileReader.readEvents(text, file: "Events/qz/bad.yaml")
        #expect(read.events.isEmpty)
        #expect(read.diagnostics.map(\.description) == [message])
    }

    @Test func goodEventsAreReadWithTheirLines() throws {
        let text = """
            # a comment
            - id: qz-a
              type: abolished
              unit: qz/a
              date: "1990?"
              \(EventFileReaderTests.source)
            - id: qz-b
              type: territory-transferred
              unit: qz/a
              recipient: qz/b
              date: "1991"
              \(EventFileReaderTests.source)
            """
        let read = EventFileReader.readEvents(text, file: "f.yaml")
        #expect(read.diagnostics == [])
        #expect(read.events.map(\.location?.line) == [2, 7])
        #expect(read.events[0].event.action == .abolished(unit: "qz/a", children: [:]))
        #expect(read.events[0].event.date.qualifier == .uncertain)
        #expect(read.events[1].event.action == .territoryTransferred(unit: "qz/a", recipient: "qz/b", area: nil))
    }

    /// Keys are found by their text (``EventFileReader/keyedByText(_:)``), whatever YAML would
    /// resolve them to: `no` (Norwegian) is not `false`, `1` not a number, `null` not nothing;
    /// quoted or not, tagged or not. A merge key (`<<`) still merges.
    @Test func keysAreFoundByTheirText() throws {
        let text = """
            - id: qz-a
              type: established
              unit: qz/a
              date: "1990"
              names: {no: Oslo, "yes": Ja, 'on': Auf, 1: Eins, null: Nichts, ~: Tilde, !!str true: Wahr, 2020-01-01: Tag, en: Oslo}
              codes: {"0x10": sixteen}
              <<: {level: region, parent: qz}
              \(EventFileReaderTests.source)
            """
        let read = EventFileReader.readEvents(text, file: "f.yaml")
        #expect(read.diagnostics.map(\.description) == [])
        guard case .established(let e) = try #require(read.events.first).event.action else {
            Issue.record("not an establishment")
            return
        }
        #expect(e.names == ["no": "Oslo", "yes": "Ja", "on": "Auf", "1": "Eins", "null": "Nichts", "~": "Tilde", "true": "Wahr",
                            "2020-01-01": "Tag", "en": "Oslo"])
        #expect(e.codes == ["0x10": "sixteen"])
        #expect(e.level == "region")
        #expect(e.parent == "qz")
    }

    /// Every event of a file, read by ``EventFileReader/plainEvent(_:)`` and by the `Decodable`
    /// path; returns how many the plain reader read (the rest it left to the other path).
    static func compareReaders(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> (plain: Int, all: Int) {
        guard case .sequence(let items)? = try Yams.compose(yaml: text) else { return (0, 0) }
        var plain = 0
        for item in items {
            guard case .mapping(let mapping) = item else { continue }
            let decoded = try? YAMLDecoder().decode(Event.self, from: EventFileReader.keyedByText(item))
            if let quick = EventFileReader.plainEvent(mapping) {
                plain += 1
                #expect(quick == decoded, "line \(item.mark?.line ?? 0)", sourceLocation: sourceLocation)
            }
        }
        return (plain, items.count)
    }

    /// The plain reader gives the events the `Decodable` path gives, for every event of the
    /// bundled North Korean files, the fixture and a synthetic history of every kind of event;
    /// it reads all of them but the corrections (whose `set` keeps YAML's types).
    @Test func thePlainReaderReadsWhatTheDecoderReads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-plain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try SyntheticHistory(eventCount: 10_000, seed: 7).write(to: folder)
        for root in [Fixtures.northKorea, Fixtures.quezal, folder] {
            var counts = (plain: 0, all: 0, corrections: 0)
            for relative in EventFolder.yamlFiles(in: root) where !relative.hasSuffix(EventFolder.schemeFileName) {
                let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
                let compared = try EventFileReaderTests.compareReaders(text)
                counts.plain += compared.plain
                counts.all += compared.all
                counts.corrections += EventFileReader.readEvents(text, file: relative).events.filter { $0.event.type == "corrected" }.count
            }
            #expect(counts.all > 0)
            #expect(counts.plain == counts.all - counts.corrections, "\(root.lastPathComponent): \(counts)")
        }
    }

    /// What the plain reader leaves to the `Decodable` path, and what it reads the same way.
    @Test(arguments: [
        // Read by the plain reader, the same as by the decoder:
        ("note: ~\n  parent: null", true), ("note: 'null'", true), ("note: ''", true), ("note: 12", true), ("note: yes", true),
        ("coordinate: {lat: -12.5, lon: 1e2}", true), ("baseline: true", true), ("baseline: false", true),
        ("codes: {iso: '05', old: 5}", true),
        // Left to the decoder:
        ("baseline: yes", false), ("baseline: 'true'", false), ("coordinate: {lat: .5, lon: 1}", false),
        ("coordinate: {lat: '1', lon: 1}", false), ("coordinate: {lat: 1_000, lon: 1}", false), ("codes: ~", false),
        ("names2: {en: A}", false), ("<<: {note: merged}", false), ("alternatives: [{date: '1991'}]", false),
    ])
    func plainOrLeftToTheDecoder(extra: String, plain: Bool) throws {
        let text = """
            - id: qz-a
              type: established
              unit: qz/a
              date: "1990"
              names: {en: A}
              level: region
              \(extra)
              \(EventFileReaderTests.source)
            """
        let compared = try EventFileReaderTests.compareReaders(text)
        #expect(compared.plain == (plain ? 1 : 0))
    }

    @Test func eventsRoundTripThroughTheStoredJSON() throws {
        let folder = try EventFolder.load(from: Fixtures.quezal)
        for located in folder.events {
            let json = try Canonical.json(located.event)
            let decoded = try JSONDecoder().decode(Event.self, from: Data(json.utf8))
            #expect(decoded == located.event)
            #expect(try Canonical.json(decoded) == json)
        }
    }

    @Test func eventsThatCiteTheSameSourcesShareOneList() throws {
        let folder = try EventFolder.load(from: Fixtures.northKorea)
        // Every event of the same list of sources, by where its list is stored.
        var storage: [[Source]: Set<UnsafeRawPointer?>] = [:]
        for located in folder.events {
            let address = located.event.sources.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            storage[located.event.sources, default: []].insert(address)
        }
        #expect(storage.count < folder.events.count, "the North Korean events cite some lists more than once")
        for (list, addresses) in storage where !list.isEmpty {
            #expect(addresses.count == 1, "\(list.count) sources stored \(addresses.count) times")
        }
        // Sharing changes no event: the folder reads as each file does on its own, in file order.
        let files = EventFolder.yamlFiles(in: Fixtures.northKorea).filter { !$0.hasSuffix(EventFolder.schemeFileName) }
        let separately = try files.flatMap { relative in
            EventFileReader.readEvents(try String(contentsOf: Fixtures.northKorea.appendingPathComponent(relative), encoding: .utf8),
                                       file: "Events/\(relative)").events
        }
        #expect(separately == folder.events)
    }

    @Test func badIDsAndSchemesAreReported() throws {
        var folder = EventFolder(schemes: [], events: EventFileReader.readEvents("""
            - id: Qz A
              type: established
              unit: qz/North Side
              date: "1990"
              names: {en: A}
              level: region
              parent: qz
              \(EventFileReaderTests.source)
            """, file: "f.yaml").events)
        #expect(folder.duplicateIDs().map(\.message) == [
            "the event id 'Qz A' may use only lower-case letters, digits, '-', '_' and '.'",
            "the unit id 'qz/North Side' may use only lower-case letters, digits, '-' and '_', in parts joined by '/' (e.g. kp/north-hamgyong)",
        ])
        folder.schemes = [Scheme(country: "qz", nameKeys: [], levels: [
            .init(code: "region", rank: 1, under: ["country"], names: [:]),
            .init(code: "region", rank: 2, under: ["region"], names: [:]),
        ])]
        #expect(folder.schemes[0].problems() == [
            "the qz scheme lists no nameKeys",
            "the qz scheme defines the level 'region' twice",
            "the qz scheme lets 'region' sit under 'country', which it does not define",
            "the qz scheme has no top level (a level with 'under: []' for the country itself)",
        ])
    }
}
