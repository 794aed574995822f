import Foundation
import GRDB
import Testing
@testable import ChronicleKit

/// Stores written by an earlier version of Chronicle open, migrate and verify.
@Suite struct MigrationTests {
    /// `Fixtures/stores/quezal-v2.sqlite` was written by the version before migration
    /// `v3-incremental` (commit 6c20f52: `chronicle import` of the Quezal fixture, recorded at
    /// 2027-01-15T08:00:00Z). Opening it adds the indexes and rebuilds the projected tables in
    /// the new shape; the recorded rows, and so their hashes, stay as they were.
    @Test func aStoreFromBeforeTheIncrementalSchemaMigratesAndVerifies() throws {
        let fixture = Fixtures.testsRoot.appendingPathComponent("Fixtures/stores/quezal-v2.sqlite")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("store.sqlite")
        try FileManager.default.copyItem(at: fixture, to: copy)

        let store = try EventStore(path: copy.path)
        #expect(try store.headPosition() == 26)
        // Every hash, written by JSONEncoder then, is recomputed by the hand-written row JSON now.
        let verification = try store.verify()
        #expect(verification.problems == [])
        #expect(verification.firstBadPosition == nil)
        // The migrated projection is the one a new store makes from the same files.
        #expect(try store.projectionDump() == (try Fixtures.store(Fixtures.quezal).projectionDump()))
        #expect(try store.search("Nordland").first?.unit == "qz/north")
        // The files recorded then are recorded now: nothing new, nothing refused.
        let report = try store.record(try EventFolder.load(from: Fixtures.quezal))
        #expect(report.added == 0)
        #expect(report.unchanged == 26)
    }
}
