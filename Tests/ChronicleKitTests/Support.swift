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

/// A small deterministic random number generator (SplitMix64), so that random tests repeat.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
