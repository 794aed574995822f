import Foundation
import GRDB
import Synchronization
import Testing
@testable import ChronicleKit

/// Valid time, recorded time, corrections, audits, diffs and the hash chain.
@Suite struct AuditTests {
    static let t1 = Date(timeIntervalSince1970: 1_800_000_000)
    static let t2 = t1.addingTimeInterval(86_400 * 30)

    /// Quezal without its correction and retraction (the last two events), recorded at t1.
    static func storeBeforeCorrections() throws -> (EventStore, EventFolder) {
        let folder = try EventFolder.load(from: Fixtures.quezal)
        var early = folder
        early.events.removeAll { ["corrected", "retracted"].contains($0.event.type) }
        let store = try EventStore.inMemory()
        try store.record(early, at: t1)
        return (store, folder)
    }

    @Test func knownAtAnswersAsTheStoreDidBeforeACorrection() throws {
        let (store, folder) = try AuditTests.storeBeforeCorrections()
        let sixties = day("1960-06-01")
        #expect(try store.state(of: "qz/north", on: sixties)?.state.names["en"] == "Northland")
        try store.record(folder, at: AuditTests.t2)
        #expect(try store.state(of: "qz/north", on: sixties)?.state.names["en"] == "North")

        let before = try store.position(knownAt: "2027-01-20")
        #expect(before == 24, "the 24 events that are not corrections were recorded at t1")
        #expect(try store.position(knownAt: Timestamp.format(AuditTests.t2)) == 26)
        #expect(try store.position(knownAt: "7") == 0, "position 7 lies inside the first import: the store was never seen there")
        #expect(try store.position(knownAt: "24") == 24)
        #expect(try store.position(knownAt: "25") == 24, "the correction and the retraction were recorded together")
        let then = try store.asKnown(at: before)
        #expect(try then.state(of: "qz/north", on: sixties)?.state.names["en"] == "Northland")
        #expect(try then.state(of: "qz/mill", on: day("1969-01-01"))?.state.names["en"] == "Old Mill")
        #expect(try store.state(of: "qz/mill", on: day("1969-01-01"))?.state.names["en"] == "Mill")
        #expect(throws: ChronicleError.self) { try store.position(knownAt: "last tuesday") }
    }

    @Test func historyShowsTheOriginalTheCorrectionAndWhenEachWasRecorded() throws {
        let (store, folder) = try AuditTests.storeBeforeCorrections()
        try store.record(folder, at: AuditTests.t2)
        let history = try HistoryEntry.history(of: "qz/north", in: store)
        let rename = try #require(history.first { $0.id == "qz-north-1960-renamed" })
        #expect(rename.date == "1961-03-01")
        #expect(rename.recordedDate == "1960")
        #expect(rename.correctedBy == ["qz-north-1960-renamed-date-corrected"])
        #expect(rename.recordedAt == "2027-01-15T08:00:00.000Z")
        let correction = try #require(history.first { $0.id == "qz-north-1960-renamed-date-corrected" })
        #expect(correction.recordedAt == "2027-02-14T08:00:00.000Z")
        #expect(correction.sources == [Source(title: "The decree itself", url: "https://example.org/decree")])
    }

    @Test func auditListsChangesWithKindsAndRecordedPositions() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let rows = try AuditRow.audit(AuditQuery(from: day("1920"), until: day("1941")), in: store)
        #expect(rows.map { "\($0.date) \($0.unit) \($0.kinds.map(\.rawValue).joined(separator: "+"))" } == [
            "1920-05-01 qz/port promoted+separated+codes",
            "1930-01-01 qz/alpha absorbed",
            "1930-01-01 qz/beta merged+ended",
            "1930-01-01 qz/mill transferred",
            "1940-07-01 qz/southwest established",
            "1940-07-01 qz/southeast established",
            "1940-07-01 qz/delta transferred",
            "1940-07-01 qz/gamma transferred",
            "1940-07-01 qz/south split+ended",
            "1940-07-01 qz/southeast territory",
            "1940-07-01 qz/southwest territory",
        ])
        #expect(rows[0].position == 11)
        #expect(rows[0].precision == "day")
        let promotions = try AuditRow.audit(AuditQuery(kinds: [.promoted, .demoted]), in: store)
        #expect(promotions.map(\.event) == ["qz-port-1920-capital"])
        let corrections = try AuditRow.audit(AuditQuery(kinds: [.corrected, .retracted]), in: store)
        #expect(corrections.map { "\($0.event) \($0.corrects ?? "")" } == [
            "qz-north-1960-renamed-date-corrected qz-north-1960-renamed",
            "qz-mill-1968-renamed-retracted qz-mill-1968-renamed",
        ])
        let underNorth = try AuditRow.audit(AuditQuery(under: "qz/north"), in: store)
        #expect(Set(underNorth.map(\.unit)) == ["qz/alpha", "qz/beta", "qz/mill", "qz/port"])
    }

    @Test func auditOnNorthKoreaListsRasonAndHungnamWithSources() throws {
        let store = try Fixtures.store(Fixtures.northKorea)
        let rows = try AuditRow.audit(AuditQuery(from: day("1990"), until: try EDTFDate("2011").latest), in: store)
        let rason = rows.filter { $0.unit == "kp/rason" && Set($0.kinds).isDisjoint(with: [ChangeKind.codes, .absorbed]) }
        #expect(rason.map(\.event) == [
            "kp-rason-1993-directly-governed", "kp-rason-2000-renamed",
            "kp-rason-2004-rejoined-north-hamgyong", "kp-rason-2010-special-city",
        ])
        #expect(rason.map(\.kinds) == [[.established], [.renamed], [.demoted, .rejoined], [.promoted, .separated]])
        let hungnam = try #require(rows.first { $0.event == "kp-hungnam-2005-merged-into-hamhung" && $0.unit == "kp/hungnam" })
        #expect(rows.contains { $0.event == "kp-hungnam-2005-merged-into-hamhung" && $0.unit == "kp/hamhung" && $0.kinds == [.absorbed] })
        #expect(hungnam.kinds == [.merged, .ended])
        #expect(hungnam.sources.contains(Source(seed: "002_aebd56528e6fca1f.txt")) || hungnam.sources.contains { $0.seed == "002_aebd56528e6fca1f.txt" })
        #expect(rows.allSatisfy { !$0.sources.isEmpty })
    }

    @Test func diffNamesWhatChangedAndTheEventsBetween() throws {
        let store = try Fixtures.store(Fixtures.quezal)
        let rows = try DiffRow.diff(day("1929-06-01"), day("1951-01-01"), in: store)
        #expect(rows.map { "\($0.unit) \($0.changes.joined(separator: "+")) \($0.events.joined(separator: ","))" } == [
            "qz/gamma reparented qz-south-1940-split",
            "qz/delta reparented qz-south-1940-split",
            "qz/mill reparented qz-beta-1930-merged",
            "qz/south ended qz-south-1940-split",
            "qz/southeast began qz-southeast-1940",
            "qz/southwest began qz-southwest-1940",
        ].sorted())
        let unchangedBeta = rows.first { $0.unit == "qz/beta" }
        #expect(unchangedBeta == nil, "Beta ended in 1930 and was restored in 1950: the same on both days")
        let backwards = try DiffRow.diff(day("1951-01-01"), day("1929-06-01"), in: store)
        #expect(backwards.first { $0.unit == "qz/south" }?.changes == ["began"])
    }

    /// The events of each row come from one query over the span; they are those found in each
    /// unit's own states, on a synthetic history with many changes a unit, in both directions.
    @Test func diffEventsAreEachUnitsStatesBetweenTheDays() throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: 3_000, seed: 14).folder, at: Fixtures.recordedAt)
        // Spans that end on a day a state begins, and on the day after one ends, as well as others.
        let changes = try store.intervals(overlapping: day("1950-06-01"), day("1960-06-01")).filter { $0.validFrom > day("1950-06-01") && $0.validTo != nil }
        // (A unit's first state: a new district of a split, whose event ends no earlier state.)
        let begins = try #require(try changes.first { try store.intervals(of: $0.unit).first?.validFrom == $0.validFrom }).validFrom
        let ends = changes[changes.count / 3].validTo!
        for (first, second) in [(day("1950-06-01"), day("1960-06-01")), (day("1960-06-01"), day("1950-06-01")), (day("1899"), day("2030")),
                                (day("1950-06-01"), begins), (begins, day("1950-06-01")), (ends, day("1965")), (day("1945"), ends)] {
            let rows = try DiffRow.diff(first, second, in: store)
            let (low, high) = (min(first, second), max(first, second))
            #expect(rows.count > 20)
            for row in rows {
                var events: [(Day, String)] = []
                for interval in try store.intervals(of: row.unit) {
                    if low < interval.validFrom && interval.validFrom <= high { events.append((interval.validFrom, interval.event)) }
                    if let end = interval.validTo, let by = interval.endEvent, low < end && end <= high { events.append((end, by)) }
                }
                var seen = Set<String>()
                #expect(row.events == events.sorted { $0.0 < $1.0 }.map(\.1).filter { seen.insert($0).inserted }, "\(row.unit)")
                #expect(!row.events.isEmpty)
            }
        }
    }

    @Test func verifyProvesAnIntactChainAndNamesTheFirstTamperedRow() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-verify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        do {
            let store = try EventStore(path: path)
            try store.record(try EventFolder.load(from: Fixtures.quezal), at: Fixtures.recordedAt)
            let clean = try store.verify()
            #expect(clean.problems == [])
            #expect(clean.head?.position == 26)
            #expect(clean.head?.hash.count == 64)
        }
        // Behind the store's back: raw SQLite, triggers dropped, one payload altered.
        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            try db.execute(sql: """
                DROP TRIGGER event_no_update;
                UPDATE event SET payload = replace(payload, '1930-01-01', '1931-01-01'),
                                 date = '1931-01-01' WHERE position = 12;
                """)
        }
        let tampered = try EventStore(path: path).verify()
        #expect(tampered.firstBadPosition == 12)
        #expect(tampered.problems.first == "the hash chain breaks at position 12 (event qz-beta-1930-merged): the stored row or an earlier one was changed after it was recorded")
        // (The 1930 merger is folded again a year late: qz/beta's states differ first.)
        #expect(tampered.problems.contains("the projected tables do not match the events (the states of qz/beta); rebuild them with 'chronicle verify --repair'"))
    }

    /// Damaged projected rows are named where they first differ from a fresh fold, which is
    /// built in a file beside the store and removed; a rebuild mends them.
    @Test(arguments: [
        ("DELETE FROM unit_name WHERE unit = 'qz/mill'", "the names of qz/mill"),
        ("UPDATE unit_state SET endEvent = NULL WHERE unit = 'qz/south' AND endEvent IS NOT NULL", "the states of qz/south"),
        ("DELETE FROM uncertainty", "the uncertain days of"),
        ("UPDATE projection SET position = position - 1", "the last event folded"),
    ])
    func verifyNamesWhereTheProjectedTablesDiffer(damage: String, named: String) throws {
        let directory = try Fixtures.scratch("verify")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try EventStore(path: directory.appendingPathComponent("store.sqlite").path)
        try store.record(try EventFolder.load(from: Fixtures.quezal), at: Fixtures.recordedAt)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        try store.writer.write { db in try db.execute(sql: damage) }
        let problems = try store.verify().problems
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("the projected tables do not match the events (\(named)") == true, "\(problems)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == files)
        _ = try store.rebuildProjection()
        #expect(try store.verify().problems == [])
    }

    /// verify folds every event again without locking the store: another connection records an
    /// event while the fold runs (called from verify's progress report), at once rather than
    /// after waiting for a lock (it would give up after 10 s), and verify, which folds the store as
    /// it stood when it began, finds nothing wrong. The next verify sees the new event.
    @Test func anotherConnectionRecordsWhileVerifyFolds() throws {
        let directory = try Fixtures.scratch("verify")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.sqlite").path
        try EventStore(path: path).record(try EventFolder.load(from: Fixtures.quezal), at: Fixtures.recordedAt)
        let other = try EventStore(path: path)
        let recorded = Mutex<(result: Result<ImportReport, any Error>, seconds: Double)?>(nil)
        let store = try EventStore(path: path, progress: { report in
            guard report.step.hasPrefix("verifying: folding") else { return }
            recorded.withLock { recorded in
                guard recorded == nil else { return }
                let started = Date()
                let result = Result { try other.record(Fixtures.laterRename(), at: Fixtures.recordedAt, complete: false) }
                recorded = (result, Date().timeIntervalSince(started))
            }
        })
        #expect(try store.verify().problems == [])
        let (result, seconds) = try #require(recorded.withLock { $0 })
        #expect(throws: Never.self) { try result.get() }
        #expect(seconds < 5, "the other connection waited \(seconds) s")
        #expect(try store.headPosition() == 27)
        #expect(try EventStore(path: path).verify().problems == [])
    }
}
