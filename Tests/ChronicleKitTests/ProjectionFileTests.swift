import Foundation
import GRDB
import Testing
@testable import ChronicleKit

/// The projected tables live in a file of their own beside the store (``ProjectionFile``): the
/// store file keeps the record alone, a rebuild writes a new projection file and lets the old one
/// go, and a projection that is missing or of another version is built again on open.
@Suite struct ProjectionFileTests {
    /// A folder with a store of the North Korean events, and the projection a store in memory makes of them.
    struct Scratch {
        let folder: URL
        var path: String { folder.appendingPathComponent("store.sqlite").path }
        let reference: [String]

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-projection-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            reference = try Fixtures.store(Fixtures.northKorea).projectionDump()
            try EventStore(path: folder.appendingPathComponent("store.sqlite").path)
                .record(try EventFolder.load(from: Fixtures.northKorea), at: Fixtures.recordedAt)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }

        /// The tables of the store file itself (opened without Chronicle).
        func storeTables() throws -> [String] {
            try DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            }
        }
    }

    @Test func theStoreFileKeepsTheRecordAndTheProjectionItsOwnFile() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let store = try EventStore(path: scratch.path)
        #expect(store.projectionRebuilt == nil)
        let projection = try #require(try store.projectionPath())
        // A new, empty store is not said to have rebuilt anything.
        #expect(try EventStore(path: scratch.folder.appendingPathComponent("empty.sqlite").path).projectionRebuilt == nil)
        #expect(ProjectionFile.files(of: scratch.path) == [projection])
        #expect(try scratch.storeTables() == ["event", "event_unit", "grdb_migrations", "meta", "scheme"])
        #expect(try store.projectionDump() == scratch.reference)
        #expect(try store.state(of: "kp/rason", on: day("2011-01-01"))?.state.level == "teukbyeolsi")
    }

    @Test func aRebuildWritesANewFileAndLetsTheOldOneGo() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let store = try EventStore(path: scratch.path)
        let old = try #require(try store.projectionPath())
        try store.rebuildProjection()
        let new = try #require(try store.projectionPath())
        #expect(new != old)
        #expect(ProjectionFile.files(of: scratch.path) == [new])
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(try store.projectionDump() == scratch.reference)
        // The same connection goes on writing to the new file: an appended event is folded into it.
        let event = Event(id: "test-rename-after-rebuild", date: EDTFDate(day: day("2030-01-01")), sources: [Source(title: "Test")],
                          action: .changed(unit: "kp/rason", to: .init(names: ["en": "Rason City"])))
        try store.record(EventFolder(schemes: [], events: [LocatedEvent(event: event, location: nil)]), complete: false)
        #expect(try store.state(of: "kp/rason", on: day("2030-06-01"))?.state.names["en"] == "Rason City")
        #expect(try EventStore(path: scratch.path).projectionDump() == (try store.projectionDump()))
    }

    @Test func aMissingProjectionIsBuiltAgainOnOpen() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let old = try #require(try EventStore(path: scratch.path).projectionPath())
        ProjectionFile.remove(old)
        let store = try EventStore(path: scratch.path)
        #expect(store.projectionRebuilt == "its projection file was missing")
        let new = try #require(try store.projectionPath())
        #expect(new != old)
        #expect(FileManager.default.fileExists(atPath: new))
        #expect(try store.projectionDump() == scratch.reference)
    }

    @Test func aProjectionOfAnotherVersionIsBuiltAgainOnOpen() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let old = try #require(try EventStore(path: scratch.path).projectionPath())
        try DatabaseQueue(path: old).write { db in try db.execute(sql: "PRAGMA user_version = \(ProjectionFile.version + 1)") }
        let store = try EventStore(path: scratch.path)
        #expect(store.projectionRebuilt == "its projection file was made by another version of Chronicle")
        #expect(try store.projectionPath() != old)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(try store.projectionDump() == scratch.reference)
    }

    @Test func aProjectionFileThatIsNotADatabaseIsBuiltAgainOnOpen() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let old = try #require(try EventStore(path: scratch.path).projectionPath())
        try Data(repeating: 0x2A, count: 8_192).write(to: URL(fileURLWithPath: old))
        let store = try EventStore(path: scratch.path)
        #expect(store.projectionRebuilt == "its projection file could not be read")
        #expect(try store.projectionPath() != old)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(try store.projectionDump() == scratch.reference)
    }

    /// The two files commit separately: after a crash between the two commits the projection is
    /// behind the record (caught up on open) or ahead of it (built again).
    @Test(arguments: [-3, 5])
    func aProjectionBehindOrAheadOfTheRecordIsMadeRightOnOpen(offset: Int) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let old = try #require(try EventStore(path: scratch.path).projectionPath())
        try DatabaseQueue(path: old).write { db in try db.execute(sql: "UPDATE projection SET position = position + ?", arguments: [offset]) }
        let store = try EventStore(path: scratch.path)
        if offset < 0 {
            #expect(store.projectionRebuilt == nil)
            #expect(try store.projectionPath() == old, "caught up in place")
        } else {
            #expect(store.projectionRebuilt == "its projection was ahead of the recorded events")
            #expect(try store.projectionPath() != old)
        }
        #expect(try store.projectionDump() == scratch.reference)
        #expect(try store.read { db in try Int.fetchOne(db, sql: "SELECT position FROM projection") } == (try store.headPosition()))
    }

    @Test func aReadOnlyStoreWithoutItsProjectionSaysWhy() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        ProjectionFile.remove(try #require(try EventStore(path: scratch.path).projectionPath()))
        let error = try #require(throws: ChronicleError.self) { try EventStore(path: scratch.path, readOnly: true) }
        #expect(error.description.contains("has no usable projection file beside it"))
        #expect(ProjectionFile.files(of: scratch.path).isEmpty)
    }

    /// A store whose projection lived in the store file (before migration v6) opens with those
    /// tables gone from it and the projection built beside it.
    @Test func aStoreWithItsProjectionInsideMovesItOut() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        ProjectionFile.remove(try #require(try EventStore(path: scratch.path).projectionPath()))
        // Back to v5's shape: the projected tables in the store file (their rows do not matter: v6 drops them).
        try DatabaseQueue(path: scratch.path).write { db in
            try db.execute(sql: ProjectionFile.tables(in: "main"))
            try db.execute(sql: "DELETE FROM meta WHERE key = 'projection'; DELETE FROM grdb_migrations WHERE identifier = 'v6-projection-file'")
        }
        #expect(try scratch.storeTables().contains("unit_state"))
        let store = try EventStore(path: scratch.path)
        #expect(store.projectionRebuilt == "the store had no projection file (it was made by an older Chronicle)")
        #expect(try scratch.storeTables() == ["event", "event_unit", "grdb_migrations", "meta", "scheme"])
        #expect(try store.projectionDump() == scratch.reference)
        #expect(try store.verify().problems == [])
    }

    /// The default store is built in a temporary file and renamed into place: its projection file
    /// goes with it, and the old store's is removed.
    @Test func aStoreBuiltAgainBesideTheOldOneKeepsOneProjectionFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-projection-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let workspace = Workspace(events: Fixtures.quezal.path, store: path)
        let first = try workspace.sync(at: Fixtures.recordedAt)
        #expect(first.created)
        let old = try #require(try first.store.projectionPath())
        #expect(ProjectionFile.files(of: path) == [old])
        let again = try workspace.sync(rebuild: true, at: Fixtures.recordedAt)
        #expect(again.created)
        let new = try #require(try again.store.projectionPath())
        #expect(new != old)
        #expect(ProjectionFile.files(of: path) == [new])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".building-") } == [])
        #expect(try again.store.projectionDump() == (try Fixtures.store(Fixtures.quezal).projectionDump()))
    }

    @Test func aStoreInMemoryRebuildsInMemory() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let before = try store.projectionDump()
        try store.rebuildProjection()
        #expect(try store.projectionPath() == nil)
        #expect(try store.projectionDump() == before)
        try store.rebuildProjection()
        #expect(try store.projectionDump() == before)
    }
}
