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
        let path = folder.appendingPathComponent("store.sqlite").path
        try EventStore(path: path).record(try EventFolder.load(from: Fixtures.northKorea), at: Fixtures.recordedAt)
        // SQLite's size limit stands in for a full disk: the new projection file may not grow past
        // 20 pages (the files already there keep their size), so the write fails part way through the fold.
        let store = try EventStore(path: path, maxPageCount: 20)
        let before = try store.projectionDump()
        let current = try #require(try store.projectionPath())
        #expect(throws: (any Error).self) { try store.rebuildProjection() }
        #expect(try store.projectionDump() == before)
        #expect(try store.projectionPath() == current)
        #expect(ProjectionFile.files(of: path) == [current], "the new file is removed")
        let roomy = try EventStore(path: path)
        let started = Date()
        let steps = try roomy.rebuildProjection()
        let elapsed = Date().timeIntervalSince(started)
        #expect(try roomy.projectionDump() == before)
        // The steps it reports are real parts of that rebuild.
        for step in [steps.reading, steps.correcting, steps.clearing, steps.folding, steps.finishing, steps.indexing] { #expect(step > 0) }
        #expect(steps.waitingForFold <= steps.folding)
        #expect(steps.total <= elapsed)
    }
}
