import Foundation
import Synchronization
import Testing
@testable import ChronicleKit

/// Long work says where it stands (``ProgressReport``): reading event files, recording, building
/// the projection; each step's counts only grow and end at their total.
@Suite struct ProgressTests {
    /// Every report, in the order told.
    final class Reports: Sendable {
        private let all = Mutex<[ProgressReport]>([])
        var handler: ProgressHandler { { [self] report in all.withLock { $0.append(report) } } }
        var taken: [ProgressReport] { all.withLock { $0 } }
        /// The steps, each once, in the order first told.
        var steps: [String] {
            taken.reduce(into: [String]()) { steps, report in if steps.last != report.step { steps.append(report.step) } }
        }
    }

    /// Each step told in one run, its counts growing, a counted one from 0 to its total.
    func expectWellFormed(_ reports: [ProgressReport], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var seen: [String] = []
        for (index, report) in reports.enumerated() {
            if index == 0 || reports[index - 1].step != report.step {
                #expect(!seen.contains(report.step), "\(report.step) told again after another step", sourceLocation: sourceLocation)
                seen.append(report.step)
                #expect(report.done == 0, "\(report.step) starts at \(report.done)", sourceLocation: sourceLocation)
            } else {
                #expect(report.done >= reports[index - 1].done, "\(report.step) went back", sourceLocation: sourceLocation)
            }
            #expect(report.done <= report.total || report.total == 0, sourceLocation: sourceLocation)
            let isLast = index == reports.count - 1 || reports[index + 1].step != report.step
            if isLast && report.total > 0 {
                #expect(report.done == report.total, "\(report.step) ended at \(report.done) of \(report.total)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func lines() {
        #expect(ProgressReport(step: "building the projection: projecting", done: 412_000, total: 1_054_032, unit: "events").line
                == "building the projection: projecting 412,000/1,054,032 events (39 %)")
        #expect(ProgressReport(step: "reading", done: 107, total: 107, unit: "event files").line == "reading 107/107 event files (100 %)")
        #expect(ProgressReport(step: "building the projection: applying corrections").line == "building the projection: applying corrections …")
        #expect(ProgressReport.grouped(0) == "0")
        #expect(ProgressReport.grouped(999) == "999")
        #expect(ProgressReport.grouped(1_000) == "1,000")
        #expect(ProgressReport.grouped(-1_234_567) == "-1,234,567")
    }

    @Test func readingRecordingAndRebuildingSayWhereTheyStand() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-progress-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path

        let reading = Reports()
        let events = try EventFolder.load(from: Fixtures.northKorea, progress: reading.handler)
        let files = EventFolder.yamlFiles(in: Fixtures.northKorea).count
        #expect(reading.steps == ["reading"])
        #expect(reading.taken.count == files + 1)
        #expect(reading.taken.last == ProgressReport(step: "reading", done: files, total: files, unit: "event files"))
        expectWellFormed(reading.taken)

        // A new store makes its first (empty) projection silently, then records and builds it.
        let recording = Reports()
        let store = try EventStore(path: path, progress: recording.handler)
        #expect(recording.taken.isEmpty)
        try store.record(events, at: Fixtures.recordedAt)
        let building = "building the projection"
        #expect(recording.steps == ["recording", "\(building): applying corrections", "\(building): projecting",
                                    "\(building): writing open states and names", "\(building): making"])
        #expect(recording.taken.first(where: { $0.step == "recording" })?.total == events.events.count)
        #expect(recording.taken.last == ProgressReport(step: "\(building): making", done: 9, total: 9, unit: "indexes"))
        expectWellFormed(recording.taken)

        let rebuilding = Reports()
        try EventStore(path: path, progress: rebuilding.handler).rebuildProjection()
        #expect(rebuilding.steps.first == "\(building): reading")
        #expect(rebuilding.steps.dropFirst() == recording.steps.dropFirst())
        #expect(rebuilding.taken.last(where: { $0.step == "\(building): reading" })?.done == events.events.count)
        expectWellFormed(rebuilding.taken)

        // Opening a store whose projection file is gone builds it again, and says so as it goes.
        for file in ProjectionFile.files(of: path) { ProjectionFile.remove(file) }
        let reopening = Reports()
        let reopened = try EventStore(path: path, progress: reopening.handler)
        #expect(reopened.projectionRebuilt == "its projection file was missing")
        #expect(reopening.steps == rebuilding.steps.map { $0.replacingOccurrences(of: building, with: "rebuilding the projection") })
        expectWellFormed(reopening.taken)
        // Once built, opening says nothing.
        let quiet = Reports()
        _ = try EventStore(path: path, progress: quiet.handler)
        #expect(quiet.taken.isEmpty)
    }
}
