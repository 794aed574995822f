import Foundation
import GRDB
import Synchronization

/// A first import's projection, folded and written into a new projection file on threads of its
/// own while the import appends the same events to the log (docs/decisions/0014).
///
/// Appending a million events keeps about one and a half of two cores busy (SQLite's inserts on
/// one thread, the canonical rows made a block ahead on another); the fold and the projection's
/// inserts, which used to wait for the appends to finish, use the rest. The file is written on a
/// connection of its own, with no journal (as a rebuild's: ``ProjectionFile``); the store's
/// connection attaches it only after the import has committed (an attached file would be locked
/// by the import's transaction). The import adopts it in its transaction when the fold found no
/// problem; on any failure the file is deleted and nothing was recorded.
///
/// The events are only read while the appends go on: corrections are applied as a plan
/// (``Corrections/plan(_:)``), not to the array, which both threads share.
final class EarlyProjection: Sendable {
    private let queue: DatabaseQueue
    private let progress: ProgressHandler?
    private let done = DispatchGroup()
    private let outcome = Mutex<Result<[Diagnostic], any Error>?>(nil)
    /// The fold's progress is not shown while the appends report theirs: the first and the last
    /// report of each of its steps are held until then, and shown when the import turns to wait
    /// for it (so it names a rebuild's steps, each from its start to where it stands).
    private let shown = Mutex<(showing: Bool, held: [(first: ProgressReport, last: ProgressReport)])>((false, []))

    /// Makes the file's tables and starts the fold and the inserts.
    ///
    /// - Parameters:
    ///   - path: The new projection file (``EventStore/unattachedFreshProjection()``).
    ///   - events: Every event of the import, each with the position it is appended at.
    ///   - position: The last of those positions.
    init(path: String, events: [ScheduledEvent], schemes: [Scheme], position: Int, maxPageCount: Int?, progress: ProgressHandler?) throws {
        var config = Configuration()
        config.label = "chronicle-projection"
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: ProjectionFile.tables(in: "main"))
            try ProjectionFile.tune(db, "main", maxPageCount: maxPageCount)
            try db.execute(sql: "PRAGMA mmap_size = 0")
        }
        self.progress = progress
        var gated: ProgressHandler?
        if progress != nil {
            gated = { [self] report in
                shown.withLock { shown in
                    if shown.showing {
                        self.progress?(report)
                    } else if shown.held.last?.first.step == report.step {
                        shown.held[shown.held.count - 1].last = report
                    } else {
                        shown.held.append((report, report))
                    }
                }
            }
        }
        // Handed over through a box that the job empties: captured by the job's closures, the events
        // would live until its indexes are made, where the fold lets them go as soon as it is done.
        let handed = Handed(events)
        DispatchQueue.global().async(group: done) { [self, gated] in
            let result = Result<[Diagnostic], any Error> {
                try EarlyProjection.fill(queue, handed, schemes: schemes, position: position, clock: EventStore.RebuildClock(progress: gated))
            }
            outcome.withLock { $0 = result }
        }
    }

    private static func fill(_ queue: DatabaseQueue, _ handed: Handed, schemes: [Scheme], position: Int,
                             clock: EventStore.RebuildClock) throws -> [Diagnostic] {
        try queue.write { db -> [Diagnostic] in
            clock.report("applying corrections")
            let events = handed.take()
            let plan = Corrections.plan(events)
            return try EventStore.fill(db, schema: "main", events: consume events, corrected: plan, schemes: schemes, position: position, clock: clock)
        }
    }

    /// Events handed to another thread once, and not held after.
    private final class Handed: @unchecked Sendable {
        // Taken once, by the one thread it is handed to.
        private var events: [ScheduledEvent]
        init(_ events: [ScheduledEvent]) { self.events = events }
        func take() -> [ScheduledEvent] {
            defer { events = [] }
            return events
        }
    }

    /// Waits for the projection, showing its progress from now on, and returns the problems the
    /// fold found (the file is complete only when there are none).
    func finish() throws -> [Diagnostic] {
        shown.withLock { shown in
            shown.showing = true
            for step in shown.held {
                progress?(step.first)
                if step.last != step.first { progress?(step.last) }
            }
            shown.held = []
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// Throws what the projection ended with, if it has ended with an error or with problems
    /// (``DiagnosticsError``): the import need not append the rest of its events.
    func stopIfFailed() throws {
        switch outcome.withLock({ $0 }) {
        case .failure(let error): throw error
        case .success(let problems) where !problems.isEmpty: throw DiagnosticsError(problems)
        default: return
        }
    }

    /// Stops the projection's SQLite work and waits for it (after a failure elsewhere); nothing
    /// once it is done.
    func cancel() {
        if outcome.withLock({ $0 == nil }) { queue.interrupt() }
        done.wait()
    }
}
