import Foundation
import Testing
@testable import ChronicleKit

/// Paths to the test fixtures and the bundled event data.
enum Fixtures {
    static let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    /// Quezal, the invented country whose events exercise every event kind.
    static let quezal = testsRoot.appendingPathComponent("Fixtures/quezal/Events")
    /// The bundled North Korean events.
    static let northKorea = testsRoot.deletingLastPathComponent().appendingPathComponent("Events")
    static let recordedAt = Date(timeIntervalSince1970: 1_800_000_000)

    /// A new empty folder under the temporary directory (the caller removes it).
    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh in-memory store holding a folder's events.
    static func store(_ events: URL) throws -> EventStore {
        let folder = try EventFolder.load(from: events)
        #expect(folder.diagnostics == [])
        let store = try EventStore.inMemory()
        try store.record(folder, at: recordedAt)
        return store
    }

    /// One event after Quezal's, as another process would record it: qz/coast renamed in 2001.
    static func laterRename() -> EventFolder {
        let renamed = Event(id: "qz-coast-renamed-2001", date: EDTFDate(day: Day(year: 2001, month: 1, day: 1)!), sources: [Source(title: "Test")],
                            action: .changed(unit: "qz/coast", to: .init(names: ["en": "Coastland"])))
        return EventFolder(schemes: [], events: [LocatedEvent(event: renamed, location: nil)])
    }
}

/// The first day of an EDTF date, for brevity in tests.
func day(_ text: String) -> Day { try! EDTFDate(text).earliest }

/// The library's seedable generator (SplitMix64), so that random tests repeat.
typealias SeededGenerator = SplitMix
