import Foundation
import GRDB
import Testing
@testable import ChronicleKit

@Suite struct DamagedStoreTests {
    static func scratch() throws -> URL { try Fixtures.scratch("damaged") }

    @Test func aFullDiskRefusesTheImportAndKeepsTheStore() throws {
        let folder = try DamagedStoreTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        var events = try EventFolder.load(from: Fixtures.quezal)
        let firstHalf = EventFolder(schemes: events.schemes, events: Array(events.events.prefix(10)))
        do {
            let store = try EventStore(path: path)
            try store.record(firstHalf, at: Fixtures.recordedAt)
        }
        let pages = try EventStore(path: path).read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        // SQLite's size limit stands in for a full disk: the file may not grow by a single page.
        let full = try EventStore(path: path, maxPageCount: pages)
        events.events += EventFileReader.readEvents(
            (0..<200).map { i in
                """
                - id: qz-filler-\(i)
                  type: changed
                  unit: qz/port
                  date: "19\(30 + i / 10)-\(String(format: "%02d", 1 + i % 10))-01"
                  to: {names: {local: "\(String(repeating: "long name ", count: 40))\(i)"}}
                  sources: [{title: "Filler", url: "https://example.org/filler"}]

                """
            }.joined(), file: "Events/qz/filler.yaml").events
        let error = try #require(throws: ChronicleError.self) { try full.record(events) }
        #expect(error.description == "Cannot write to the store: the disk is full. Nothing was recorded.")
        #expect(try full.headPosition() == 10)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func aReadOnlyStoreAnswersButRefusesToWrite() throws {
        let folder = try DamagedStoreTests.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let events = try EventFolder.load(from: Fixtures.quezal)
        var first = events
        first.events.removeLast(3)
        do { try EventStore(path: path).record(first, at: Fixtures.recordedAt) }
        let readOnly = try EventStore(path: path, readOnly: true)
        #expect(try readOnly.state(of: "qz/port", on: day("1925"))?.state.level == "capital")
        #expect(try readOnly.unrecorded(events) == 3)
        let error = try #require(throws: ChronicleError.self) { try readOnly.record(events) }
        #expect(error.description.hasPrefix("Cannot write to the store: "))
        #expect(error.description.hasSuffix(" Nothing was recorded."))
        #expect(try readOnly.headPosition() == 23)
    }
}
