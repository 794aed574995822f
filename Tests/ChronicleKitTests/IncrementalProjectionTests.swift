import Foundation
import GRDB
import Testing
@testable import ChronicleKit

/// Catching up after each append gives the same tables as a rebuild from scratch.
@Suite struct IncrementalProjectionTests {
    @Test(arguments: [("quezal", 1 as UInt64), ("quezal", 2), ("quezal", 3), ("northKorea", 1), ("northKorea", 2)])
    func appendingInBatchesEqualsARebuild(fixture: String, seed: UInt64) throws {
        let url = fixture == "quezal" ? Fixtures.quezal : Fixtures.northKorea
        let folder = try EventFolder.load(from: url)
        var generator = SeededGenerator(state: seed)
        let incremental = try EventStore.inMemory()
        // Prefixes in file order; a prefix that names a unit a later file establishes is
        // refused (and must leave the store as it was), so the batch grows until it is whole.
        var count = 0
        var recorded = 0
        while count < folder.events.count {
            count = min(folder.events.count, count + Int.random(in: 1...6, using: &generator))
            var prefix = folder
            prefix.events = Array(folder.events.prefix(count))
            let before = try incremental.headPosition()
            do {
                try incremental.record(prefix, at: Fixtures.recordedAt)
                recorded += 1
            } catch is DiagnosticsError {
                #expect(try incremental.headPosition() == before)
                #expect(count < folder.events.count, "the whole folder must record")
            }
        }
        #expect(recorded > 3)
        #expect(try incremental.headPosition() == folder.events.count)
        let rebuilt = try Fixtures.store(url)
        try rebuilt.rebuildProjection()
        let incrementalRows = try incremental.projectionDump()
        #expect(incrementalRows.count > folder.events.count / 2)
        #expect(incrementalRows == (try rebuilt.projectionDump()))
        #expect(try incremental.checkInvariants() == [])
    }

    @Test func anEventDatedBeforeEverythingRecordedIsFoldedIn() throws {
        let folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try Fixtures.store(Fixtures.quezal)
        var extended = folder
        let late = """
            - id: qz-port-1910-renamed
              type: changed
              unit: qz/port
              date: "1910"
              to: {names: {en: Port Regal}}
              sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]
            """
        extended.events += EventFileReader.readEvents(late, file: "Events/qz/99-late.yaml").events
        try store.record(extended, at: Fixtures.recordedAt)
        #expect(try store.state(of: "qz/port", on: day("1925"))?.state.names["en"] == "Port Regal")
        #expect(try store.state(of: "qz/port", on: day("1909"))?.state.names["en"] == "Port Royal")
        let reference = try EventStore.inMemory()
        try reference.record(extended, at: Fixtures.recordedAt)
        #expect(try store.projectionDump() == reference.projectionDump())
    }
}

extension IncrementalProjectionTests {
    /// Retracting a correction brings back the corrected event's own date, in the catch-up as in a rebuild.
    @Test func retractingACorrectionIsFoldedIn() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        let store = try EventStore.inMemory()
        try store.record(folder, at: Fixtures.recordedAt)
        #expect(try store.state(of: "qz/north", on: day("1960-06-01"))?.state.names["en"] == "North")
        folder.events += EventFileReader.readEvents("""
            - id: qz-north-correction-retracted
              type: retracted
              retracts: qz-north-1960-renamed-date-corrected
              reason: The decree was misread; 1960 stands.
              date: "1992"
              sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]
            """, file: "Events/qz/99.yaml").events
        try store.record(folder, at: Fixtures.recordedAt.addingTimeInterval(60))
        #expect(try store.state(of: "qz/north", on: day("1960-06-01"))?.state.names["en"] == "Northland")
        let reference = try EventStore.inMemory()
        try reference.record(folder, at: Fixtures.recordedAt)
        #expect(try store.projectionDump() == reference.projectionDump())
        #expect(try store.verify().problems == [])
    }
}

extension IncrementalProjectionTests {
    /// A synthetic history with every kind (merges and splits that move children, restorations,
    /// corrections), recorded in batches whose events arrive out of date order: each catch-up reads
    /// only the units it meets, and the tables must still equal a rebuild's.
    @Test(arguments: [11 as UInt64, 12])
    func syntheticBatchesEqualARebuild(seed: UInt64) throws {
        let history = SyntheticHistory(eventCount: 1_500, seed: seed)
        var generator = SeededGenerator(state: seed)
        let store = try EventStore.inMemory()
        let all = history.folder
        // The first fifth (the units' establishments come first), then batches in random order of date.
        var first = all
        first.events = Array(all.events.prefix(all.events.count / 5))
        try store.record(first, at: Fixtures.recordedAt)
        var start = first.events.count
        var batches = 0
        while start < all.events.count {
            let end = min(all.events.count, start + Int.random(in: 1...200, using: &generator))
            var batch = all
            batch.schemes = []
            batch.events = Array(all.events[start..<end])
            try store.record(batch, at: Fixtures.recordedAt, complete: false)
            start = end
            batches += 1
        }
        #expect(batches > 5)
        let reference = try EventStore.inMemory()
        try reference.record(all, at: Fixtures.recordedAt)
        let rows = try store.projectionDump()
        #expect(rows.count > all.events.count)
        #expect(rows == (try reference.projectionDump()))
        #expect(try store.checkInvariants() == [])
    }

    /// `catchUp` folds what was recorded after the projection's position, as a rebuild would.
    @Test func catchUpFoldsEventsRecordedWithoutProjecting() throws {
        let history = SyntheticHistory(eventCount: 800, seed: 5)
        let store = try EventStore.inMemory()
        try store.record(history.folder, at: Fixtures.recordedAt)
        let reference = try store.projectionDump()
        // Pretend the projection never ran: empty tables at position 0.
        try store.writer.write { db in
            _ = try EventStore.project(db, from: nil, preloaded: [])
            try db.execute(sql: "UPDATE projection SET position = 0")
        }
        try store.catchUp()
        #expect(try store.projectionDump() == reference)
    }
}
