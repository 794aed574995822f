import Foundation
import GRDB
import Testing
@testable import ChronicleKit

@Suite struct EventStoreTests {
    @Test func recordedEventsCannotBeUpdatedOrDeleted() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in try db.execute(sql: "UPDATE event SET date = '1901' WHERE id = 'qz-baseline'") }
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in try db.execute(sql: "DELETE FROM event") }
        }
        do {
            try store.writer.write { db in try db.execute(sql: "DELETE FROM event") }
        } catch let error as DatabaseError {
            #expect(error.message == "events are append-only: record a retracted event instead")
        }
        #expect(try store.headPosition() == 26)
    }

    @Test func importingTheSameEventsAgainRecordsNothing() throws {
        let folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        let first = try store.record(folder, at: Fixtures.recordedAt)
        let second = try store.record(folder, at: Fixtures.recordedAt.addingTimeInterval(60))
        #expect(first == ImportReport(added: 26, unchanged: 0, schemes: ["qz"], position: 26))
        #expect(second == ImportReport(added: 0, unchanged: 26, schemes: [], position: 26))
        #expect(try store.events().map(\.recordedAt) == Array(repeating: Fixtures.recordedAt, count: 26))
    }

    @Test func newEventsGetLaterRecordedTimes() throws {
        let folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        var first = folder
        first.events.removeLast(3)
        try store.record(first, at: Fixtures.recordedAt)
        let later = Fixtures.recordedAt.addingTimeInterval(3600)
        let report = try store.record(folder, at: later)
        #expect(report.added == 3)
        let stored = try store.events()
        #expect(stored.suffix(3).map(\.recordedAt) == [later, later, later])
        #expect(stored.suffix(3).map(\.position) == [24, 25, 26])
    }

    @Test func anEditedEventIsRefusedWithTheWaysOut() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        try store.record(folder, at: Fixtures.recordedAt)
        folder.events[1].event.note = "An afterthought."
        let error = try #require(throws: DiagnosticsError.self) { try store.record(folder) }
        #expect(error.diagnostics.map(\.description) == [
            "Events/qz/00-baseline.yaml:10: error: event qz-north-baseline differs from the version recorded at position 2 on 2027-01-15T08:00:00.000Z; "
                + "recorded events are never edited: restore it and record a corrected event (corrects: qz-north-baseline), "
                + "or rebuild the store with --rebuild, which discards its recorded history",
        ])
        #expect(try store.events()[1].event.note == nil)
    }

    @Test func aRemovedEventIsRefused() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        try store.record(folder, at: Fixtures.recordedAt)
        folder.events.remove(at: 4)
        let error = try #require(throws: DiagnosticsError.self) { try store.record(folder) }
        #expect(error.diagnostics.map(\.message) == [
            "event qz-alpha-baseline, recorded at position 5 on 2027-01-15T08:00:00.000Z, is no longer in the event files; "
                + "recorded events are never removed: put it back and record a retracted event (retracts: qz-alpha-baseline), "
                + "or rebuild the store with --rebuild, which discards its recorded history",
        ])
    }

    @Test func aFailedImportWritesNothing() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        var first = folder
        first.events.removeLast(3)
        try store.record(first, at: Fixtures.recordedAt)
        let before = try store.projectionDump()
        let bad = """
            - id: qz-bad
              type: changed
              unit: qz/east
              date: "1970"
              to: {names: {en: Eastland}}
              sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]
            """
        folder.events += EventFileReader.readEvents(bad, file: "Events/qz/99-bad.yaml").events
        let error = try #require(throws: DiagnosticsError.self) { try store.record(folder) }
        #expect(error.diagnostics.map(\.description) == [
            "Events/qz/99-bad.yaml:1: error: event qz-bad (1970) refers to qz/east, which ended on 1965-12-31 (event qz-east-1965-abolished)",
        ])
        #expect(try store.headPosition() == 23)
        #expect(try store.projectionDump() == before)
    }

    @Test func allProblemsAreReportedAtOnce() throws {
        let text = """
            - id: qz-a
              type: established
              unit: qz/a
              date: "1950"
              names: {en: A}
              level: region
              parent: qz/nowhere
              sources: [{title: "t", url: "https://example.org"}]
            - id: qz-b
              type: established
              unit: qz/b
              date: "1950-13"
              names: {en: B}
              level: region
              parent: qz
              sources: [{title: "t", url: "https://example.org"}]
            - id: qz-c
              type: changed
              unit: qz/north
              date: "1950"
              from: {level: district}
              to: {names: {en: C}}
              sources: []
            """
        var folder = try EventFolder.load(from: Fixtures.quezal)
        let read = EventFileReader.readEvents(text, file: "Events/qz/99-bad.yaml")
        folder.events += read.events
        folder.diagnostics += read.diagnostics
        #expect(folder.validate().map(\.description) == [
            "Events/qz/99-bad.yaml:12: error: event qz-b: 'date': '1950-13' is not a valid EDTF date: month 13 does not exist",
            "Events/qz/99-bad.yaml:1: error: event qz-a (1950) refers to qz/nowhere, which does not exist on 1950-01-01",
            "Events/qz/99-bad.yaml:17: error: event qz-c cites no source; every event needs at least one (a seed file or a title and URL)",
            "Events/qz/99-bad.yaml:17: error: event qz-c (1950) says qz/north was a district before it, but on 1950-01-01 the store has it as a region under qz (since event qz-north-baseline)",
        ])
    }

    /// A reader in the middle of a long query holds a snapshot from before a write: the write
    /// commits, is said to have committed, and does not wait for the reader to finish.
    @Test func aRecordDoesNotWaitForAReadersSnapshot() throws {
        let directory = try Fixtures.scratch("reader")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        let reader = try EventStore(path: path)
        try reader.record(try EventFolder.load(from: Fixtures.quezal), at: Fixtures.recordedAt)
        let writer = try EventStore(path: path)
        try reader.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM event") == 26)
            let started = Date()
            let report = try writer.record(Fixtures.laterRename(), complete: false)
            #expect(report.added == 1)
            #expect(Date().timeIntervalSince(started) < 5)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM event") == 26, "the reader keeps its snapshot")
        }
        #expect(try reader.headPosition() == 27)
        #expect(try writer.verify().problems == [])
    }
}
