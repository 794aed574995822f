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

    /// A first import into a store in a file folds and writes its projection into a new file on a
    /// connection of its own while it appends the events (``EarlyProjection``): its tables are
    /// those a store in memory makes (which folds after appending) and those a rebuild makes, with
    /// corrections, retractions, merges, splits and restorations among the events.
    @Test(arguments: ["quezal", "synthetic"])
    func aFirstImportFoldedBesideItsAppendsEqualsARebuild(events: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-projection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let given = events == "quezal" ? try EventFolder.load(from: Fixtures.quezal) : SyntheticHistory(eventCount: 3_000, seed: 21).folder
        #expect(given.events.contains { if case .retracted = $0.event.action { true } else { false } } || events == "synthetic")
        #expect(given.events.contains { if case .corrected = $0.event.action { true } else { false } })
        let memory = try EventStore.inMemory()
        try memory.record(given, at: Fixtures.recordedAt)
        let reference = try memory.projectionDump()

        let store = try EventStore(path: path)
        let empty = try #require(try store.projectionPath())
        let report = try store.record(given, at: Fixtures.recordedAt)
        #expect(report.added == given.events.count)
        let filled = try #require(try store.projectionPath())
        #expect(filled != empty)
        #expect(ProjectionFile.files(of: path) == [filled], "the empty projection is let go")
        #expect(try store.projectionDump() == reference)
        #expect(try store.checkInvariants() == [])
        // The store's connection writes on into the file it attached after the import: a new event is folded into it.
        let event = Event(id: "test-after-first-import", date: EDTFDate(day: day("2030-01-01")), sources: [Source(title: "Test")],
                          action: .observed(unit: try #require(given.events.first?.event.unit), values: ["population": 1]))
        try store.record(EventFolder(schemes: [], events: [LocatedEvent(event: event, location: nil)]), complete: false)
        try memory.record(EventFolder(schemes: [], events: [LocatedEvent(event: event, location: nil)]), complete: false)
        #expect(try store.projectionDump() == (try memory.projectionDump()))
        #expect(try EventStore(path: path).projectionDump() == (try memory.projectionDump()))
        try store.rebuildProjection()
        #expect(try store.projectionDump() == (try memory.projectionDump()))
    }

    /// A first import whose events break an invariant, or that fills the disk, records nothing and
    /// leaves no new projection file, whichever of its two writers meets the problem.
    @Test func aFirstImportThatFailsLeavesTheStoreAsItWas() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-projection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let empty = try #require(try EventStore(path: path).projectionPath())
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        /// A change of a unit never established, which the fold refuses.
        func changingNowhere(in country: String, on date: String) -> [LocatedEvent] {
            EventFileReader.readEvents("""
                - id: \(country)-nowhere
                  type: changed
                  unit: \(country)/nowhere
                  date: "\(date)"
                  to: {names: {en: "Nowhere"}}
                  sources: [{title: "Test", url: "https://example.org/test"}]

                """, file: "Events/\(country)/zz-broken.yaml").events
        }

        // The fold refuses the last event.
        var broken = try EventFolder.load(from: Fixtures.quezal)
        broken.events += changingNowhere(in: "qz", on: "1990-01-01")
        let store = try EventStore(path: path)
        let problems = try #require(throws: DiagnosticsError.self) { try store.record(broken, at: Fixtures.recordedAt) }
        #expect(problems.diagnostics.map(\.eventID) == ["qz-nowhere"])
        #expect(problems.diagnostics.first?.location?.file == "Events/qz/zz-broken.yaml")
        #expect(try store.headPosition() == 0)
        #expect(try store.projectionPath() == empty)
        #expect(ProjectionFile.files(of: path) == [empty], "the new file is removed")

        // The same in a larger import (whether the appends or the fold end first depends on the
        // threads' speeds: the same diagnostic either way).
        var large = SyntheticHistory(eventCount: 12_000, seed: 23).folder
        large.events += changingNowhere(in: "sx", on: "1901-01-01")
        let largeProblems = try #require(throws: DiagnosticsError.self) { try store.record(large, at: Fixtures.recordedAt) }
        #expect(largeProblems.diagnostics.map(\.eventID) == ["sx-nowhere"])
        #expect(try store.headPosition() == 0)
        #expect(ProjectionFile.files(of: path) == [empty], "the new file is removed")

        // The disk fills (SQLite's size limit on both files stands in for it).
        let full = try EventStore(path: path, maxPageCount: 12)
        let error = try #require(throws: ChronicleError.self) { try full.record(SyntheticHistory(eventCount: 3_000, seed: 22).folder) }
        #expect(error.description == "Cannot write to the store: the disk is full. Nothing was recorded.")
        #expect(try full.headPosition() == 0)
        #expect(ProjectionFile.files(of: path) == [empty], "the new file is removed")
        try full.checkpoint()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        // And then it records.
        let roomy = try EventStore(path: path)
        try roomy.record(try EventFolder.load(from: Fixtures.quezal), at: Fixtures.recordedAt)
        #expect(try roomy.projectionDump() == (try Fixtures.store(Fixtures.quezal).projectionDump()))
    }

    /// What the appends ask of a first import's projection every few thousand events: once it has
    /// ended with problems or an error, they stop with it; while it runs, or once it has succeeded,
    /// they go on.
    @Test func aFailedEarlyProjectionStopsTheAppends() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-projection-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let given = try EventFolder.load(from: Fixtures.quezal)
        func scheduled(_ events: [LocatedEvent]) -> [ScheduledEvent] {
            events.enumerated().map { ScheduledEvent(event: $1.event, location: $1.location, order: $0 + 1) }
        }
        func project(_ events: [ScheduledEvent], maxPageCount: Int? = nil) throws -> EarlyProjection {
            try EarlyProjection(path: folder.appendingPathComponent("p-\(UUID().uuidString)").path, events: events, schemes: given.schemes,
                                position: events.count, maxPageCount: maxPageCount, progress: nil)
        }
        let sound = try project(scheduled(given.events))
        #expect(try sound.finish() == [])
        try sound.stopIfFailed()

        // Without the events that establish the units, the fold finds problems.
        let broken = try project(scheduled(given.events.filter { if case .established = $0.event.action { false } else { true } }))
        let problems = try broken.finish()
        #expect(!problems.isEmpty)
        let thrown = try #require(throws: DiagnosticsError.self) { try broken.stopIfFailed() }
        #expect(thrown.diagnostics == problems)

        // A file that may not grow: SQLite's error.
        let full = try project(scheduled(given.events), maxPageCount: 8)
        #expect(throws: DatabaseError.self) { _ = try full.finish() }
        #expect(throws: DatabaseError.self) { try full.stopIfFailed() }
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
