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

    /// A fresh in-memory store holding a folder's events.
    static func store(_ events: URL) throws -> EventStore {
        let folder = try EventFolder.load(from: events)
        #expect(folder.diagnostics == [])
        let store = try EventStore.inMemory()
        try store.record(folder, at: recordedAt)
        return store
    }
}

/// The first day of an EDTF date, for brevity in tests.
func day(_ text: String) -> Day { try! EDTFDate(text).earliest }

/// The library's seedable generator (SplitMix64), so that random tests repeat.
typealias SeededGenerator = SplitMix
