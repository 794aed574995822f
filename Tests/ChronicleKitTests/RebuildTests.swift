import Dispatch
import Foundation
import GRDB
import Synchronization
import Testing
@testable import ChronicleKit

/// A rebuild folds on one thread and writes on another (``Parallel/Handoff``): the rows arrive in
/// order, the queue between them stays bounded, and a failed write stops both and keeps the store.
@Suite struct RebuildTests {
    @Test func aHandoffDeliversEverythingInOrderAndStaysBounded() {
        let handoff = Parallel.Handoff<Int>(capacity: 4)
        let sent = Atomic(0)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            for i in 0..<2_000 {
                handoff.send(i)
                sent.add(1, ordering: .sequentiallyConsistent)
            }
            handoff.close()
        }
        var received: [Int] = []
        var furthestAhead = 0
        while let next = handoff.next() {
            received.append(next)
            furthestAhead = max(furthestAhead, sent.load(ordering: .sequentiallyConsistent) - received.count)
        }
        done.wait()
        #expect(received == Array(0..<2_000))
        // The producer is never more than the queue's capacity (and the one it is handing over) ahead.
        #expect(furthestAhead <= 5)
    }

    @Test func cancellingReleasesAWaitingProducer() {
        let handoff = Parallel.Handoff<Int>(capacity: 1)
        let accepted = Atomic(0)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            for i in 0..<100 where handoff.send(i) { accepted.add(1, ordering: .sequentiallyConsistent) }
            handoff.close()
        }
        #expect(handoff.next() == 0)
        handoff.cancel()
        // Without the cancel the producer would wait for ever on a full queue.
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(accepted.load(ordering: .sequentiallyConsistent) < 100)
        #expect(handoff.next() == nil)
    }

    @Test func aRebuildWhoseWriteFailsThrowsAndLeavesTheProjection() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try EventStore(path: folder.appendingPathComponent("store.sqlite").path)
        try store.record(try EventFolder.load(from: Fixtures.northKorea), at: Fixtures.recordedAt)
        let before = try store.projectionDump()
        // A trigger on this connection stands in for a write that fails part way (a full disk, say).
        try store.writer.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER fail_late BEFORE INSERT ON main.unit_state
                WHEN (SELECT COUNT(*) FROM main.unit_state) >= 100 BEGIN SELECT RAISE(ABORT, 'no room'); END
                """)
        }
        #expect(throws: (any Error).self) { try store.rebuildProjection() }
        #expect(try store.projectionDump() == before)
        try store.writer.write { db in try db.execute(sql: "DROP TRIGGER fail_late") }
        let started = Date()
        let steps = try store.rebuildProjection()
        let elapsed = Date().timeIntervalSince(started)
        #expect(try store.projectionDump() == before)
        // The steps it reports are real parts of that rebuild.
        for step in [steps.reading, steps.correcting, steps.clearing, steps.folding, steps.finishing, steps.indexing] { #expect(step > 0) }
        #expect(steps.waitingForFold <= steps.folding)
        #expect(steps.total <= elapsed)
    }
}

/// An import's canonical texts are written a block ahead on another thread (`CanonicalTexts`):
/// they must come back in the events' order, across blocks, and stopping early must not hang.
@Suite struct CanonicalTextsTests {
    @Test func textsComeBackInOrderAcrossBlocks() {
        let events = SyntheticHistory(eventCount: 10_000, seed: 7).folder.events
        let texts = CanonicalTexts(events)
        defer { texts.stop() }
        for located in events {
            let (payload, sources) = texts.next()
            #expect(payload == CanonicalWriter.event(located.event))
            #expect(sources == CanonicalWriter.sources(located.event.sources))
        }
    }

    @Test func stoppingEarlyReleasesTheWriter() {
        let events = SyntheticHistory(eventCount: 20_000, seed: 7).folder.events
        let texts = CanonicalTexts(events)
        _ = texts.next()
        texts.stop()
        texts.stop()
    }
}
