import ArgumentParser
import ChronicleKit
import Foundation

/// Measures Chronicle on a synthetic history of a given size and prints a Markdown table row
/// set: append and import rates, rebuild, catch-up, as-of queries, store size, peak memory,
/// and the sqlite3 shell doing the same import and as-of SELECT as the limit to approach.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle-bench",
        abstract: "Benchmark Chronicle on a synthetic history (see docs/benchmarks.md).")

    @Option(help: "Number of events.")
    var events: Int = 10_000

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var runs: Int = 3

    @Option(help: "The chronicle executable, for the as-a-process measures.")
    var chronicle: String = ".build/release/chronicle"

    @Flag(help: "Skip the sqlite3 shell comparison.")
    var noSqlite = false

    @Option(help: "Scratch folder.")
    var scratch: String = NSTemporaryDirectory() + "chronicle-bench"

    @Option(help: ArgumentHelp("Only rebuild the projection of this existing store (for a profiler) and exit.", valueName: "store"))
    var rebuildOnly: String?

    @Option(help: ArgumentHelp("Only append one event at a time to this existing store, --runs times (for a profiler), and exit.", valueName: "store"))
    var catchUpOnly: String?

    @Option(help: ArgumentHelp("Only load the whole hierarchy of this existing store on 1960-06-01, --runs times (for a profiler), and exit.", valueName: "store"))
    var asofOnly: String?

    @Option(help: ArgumentHelp("Only fold the events of this existing store in memory, --runs times, writing nothing (for a profiler of the rebuild's fold thread), and exit.", valueName: "store"))
    var foldOnly: String?

    @Option(help: ArgumentHelp("Only verify this existing store, --runs times, printing each step's time (for a profiler), and exit.", valueName: "store"))
    var verifyOnly: String?

    @Flag(help: "Only record the synthetic history into a fresh store, --runs times (for a profiler), and exit.")
    var appendOnly = false

    @Option(help: ArgumentHelp("Only write the synthetic history of --events events as YAML files into this folder (for a profiler of `chronicle import` or `validate`), and exit.", valueName: "folder"))
    var writeOnly: String?

    func run() throws {
        if let writeOnly {
            try SyntheticHistory(eventCount: events, seed: 42).write(to: URL(fileURLWithPath: writeOnly))
            return
        }
        if appendOnly {
            let folder = SyntheticHistory(eventCount: events, seed: 42).folder
            for run in 0..<max(1, runs) {
                let path = NSTemporaryDirectory() + "chronicle-bench-append-\(run).sqlite"
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
                let report = try EventStore(path: path).record(folder, at: Date(timeIntervalSince1970: 1_800_000_000))
                print("log: \(seconds(report.durations.appending)), projection: \(seconds(report.durations.projecting))")
            }
            return
        }
        if let asofOnly {
            let store = try EventStore(path: asofOnly)
            let middle = Day(year: 1960, month: 6, day: 1)!
            var units = 0
            // Each part of the as-of timed on its own, `--runs` times; the median printed.
            for (what, read) in [("as-of", { units = try Snapshot.load(from: store, on: middle).units.count }),
                                 ("of which reading the states", { _ = try store.states(on: middle) }),
                                 ("of which reading the observations", { _ = try store.observations(on: middle) }),
                                 ("of which reading the uncertainties", { _ = try store.uncertainties(on: middle) })] as [(String, () throws -> Void)] {
                var times: [Double] = []
                for _ in 0..<max(1, runs) { times.append(try time(read)) }
                print("\(what == "as-of" ? "as-of of \(units) units" : what), median: \(milliseconds(times.sorted()[times.count / 2]))")
            }
            return
        }
        if let catchUpOnly {
            let store = try EventStore(path: catchUpOnly)
            var times: [Double] = []
            for run in 0..<max(1, runs) {
                let event = Event(id: "profile-extra-\(UUID().uuidString)", date: EDTFDate(day: Day(year: 2030, month: 1, day: 1)!.adding(days: run)),
                                  sources: [Source(title: "Bench")],
                                  action: .changed(unit: "sx/r0", to: .init(names: ["en": "Region zero \(UUID().uuidString)"])))
                times.append(try time { try store.record(EventFolder(schemes: [], events: [LocatedEvent(event: event, location: nil)]), complete: false) })
            }
            print("catch-up median: \(milliseconds(times.sorted()[times.count / 2]))")
            return
        }
        if let foldOnly {
            let times = try EventStore(path: foldOnly).foldTimes(runs: runs)
            print("fold: " + times.map(seconds).joined(separator: ", ") + "; fastest \(seconds(times.min() ?? 0)), median \(seconds(times.sorted()[times.count / 2]))")
            return
        }
        if let verifyOnly {
            let store = try EventStore(path: verifyOnly)
            for _ in 0..<max(1, runs) {
                var result: Verification?
                let total = try time { result = try store.verify() }
                guard let result else { continue }
                print("verify: \(seconds(total)) (hash chain and payloads \(seconds(result.durations.chain)), fold and compare "
                    + "\(seconds(result.durations.projection)), invariants \(seconds(result.durations.invariants))), \(result.problems.count) problems")
            }
            return
        }
        if let rebuildOnly {
            let store = try EventStore(path: rebuildOnly)
            for _ in 0..<max(1, runs) {
                var step = EventStore.RebuildDurations()
                print("rebuild: \(seconds(try time { step = try store.rebuildProjection() }))")
                print("  read \(seconds(step.reading)), corrections \(seconds(step.correcting)), empty \(seconds(step.clearing)), "
                    + "fold and inserts \(seconds(step.folding)) (waiting for the fold \(seconds(step.waitingForFold))), "
                    + "last rows and names \(seconds(step.finishing)), indexes \(seconds(step.indexing))")
            }
            return
        }
        let root = URL(fileURLWithPath: scratch).appendingPathComponent("\(events)")
        try? FileManager.default.removeItem(at: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let history = SyntheticHistory(eventCount: events, seed: 42)
        let folder = history.folder
        let n = folder.events.count
        var rows: [(String, String)] = []
        func report(_ name: String, _ value: String) {
            rows.append((name, value))
            FileHandle.standardError.write(Data("\(n) events: \(name): \(value)\n".utf8))
        }

        // Append through the store API: a fresh store per run.
        // An import is one transaction: append to the log, then fold and write the projection (which
        // checks every invariant; any failure rolls the whole import back). Both parts are reported.
        var storePath = ""
        var appendOnly: [Double] = []
        let append = try median(runs) { run in
            storePath = root.appendingPathComponent("api-\(run).sqlite").path
            let store = try EventStore(path: storePath)
            var result: ImportReport?
            let total = try time { result = try store.record(folder, at: Date(timeIntervalSince1970: 1_800_000_000)) }
            appendOnly.append(result?.durations.appending ?? total)
            return total
        }
        let logOnly = appendOnly.sorted()[appendOnly.count / 2]
        report("append through the store API (record: log and projection, one transaction)", "\(Int(Double(n) / append)) events/s (\(seconds(append)))")
        report("of which appending to the log (compare, canonical JSON, hash chain, rows)", "\(Int(Double(n) / logOnly)) events/s (\(seconds(logOnly)))")

        // Import from YAML files.
        let eventsDir = root.appendingPathComponent("Events")
        try history.write(to: eventsDir)
        // As users import: a `chronicle import` process, whose peak memory is Chronicle's own.
        var importRSS: [Int] = []
        let importTime = try median(runs) { run in
            let store = root.appendingPathComponent("yaml-\(run).sqlite").path
            if FileManager.default.isExecutableFile(atPath: chronicle) {
                return try time { importRSS.append(try shell(chronicle, ["import", "--events", eventsDir.path, "--store", store, "--rebuild"])) }
            }
            return try time { _ = try Workspace(events: eventsDir.path, store: store).sync(rebuild: true) }
        }
        report("import from YAML files", "\(Int(Double(n) / importTime)) events/s (\(seconds(importTime)))")
        if !importRSS.isEmpty {
            report("peak RSS of the `chronicle import` process", mebibytes(importRSS))
        }

        let store = try EventStore(path: storePath)
        var steps: [EventStore.RebuildDurations] = []
        let rebuild = try median(runs) { _ in try time { steps.append(try store.rebuildProjection()) } }
        report("full projection rebuild", seconds(rebuild))
        // Where a rebuild's time goes, as the rebuild itself reports it (the median run's).
        let step = steps.sorted { $0.total < $1.total }[steps.count / 2]
        report("rebuild steps: read and decode events / corrections / empty the tables / fold, inserts alongside (database waiting for the fold) / last rows and names / indexes",
               "\(seconds(step.reading)) / \(seconds(step.correcting)) / \(seconds(step.clearing)) / \(seconds(step.folding)) (\(seconds(step.waitingForFold))) / "
                   + "\(seconds(step.finishing)) / \(seconds(step.indexing))")

        // Catch-up after one appended event, dated after everything else.
        let last = history.events.last!.date.earliest
        let catchUp = try median(max(runs, 5)) { run in
            let event = Event(id: "bench-extra-\(run)", date: EDTFDate(day: last.adding(days: 1 + run)), sources: [Source(title: "Bench")],
                              action: .changed(unit: "sx/r0", to: .init(names: ["en": "Region zero \(run)"])))
            return try time { try store.record(EventFolder(schemes: [], events: [LocatedEvent(event: event, location: nil)]), complete: false) }
        }
        report("catch-up after one appended event", milliseconds(catchUp))

        let middle = Day(year: 1960, month: 6, day: 1)!
        var units = 0
        let whole = try median(max(runs, 5)) { _ in try time { units = try Snapshot.load(from: store, on: middle).units.count } }
        report("as-of, whole hierarchy (\(units) units), in-process", milliseconds(whole))
        let one = try median(max(runs, 5)) { _ in try time { for _ in 0..<100 { _ = try store.state(of: "sx/t7", on: middle) } } / 100 }
        report("as-of, one unit, in-process", milliseconds(one))

        if FileManager.default.isExecutableFile(atPath: chronicle) {
            var asofRSS = 0
            let wholeProcess = try median(max(runs, 5)) { _ in try time { asofRSS = try shell(chronicle, ["asof", "1960-06-01", "--store", storePath, "--format", "json"]) } }
            report("as-of, whole hierarchy, as a chronicle process", milliseconds(wholeProcess))
            report("peak RSS of that `chronicle asof` process", mebibytes([asofRSS]))
            let oneProcess = try median(max(runs, 5)) { _ in try time { try shell(chronicle, ["show", "sx/t7", "--asof", "1960-06-01", "--store", storePath, "--format", "json"]) } }
            report("as-of, one unit, as a chronicle process", milliseconds(oneProcess))
            // A process that finds its store's projection file missing (deleted, or a store copied
            // without it) builds the projection again before it answers: the largest memory a
            // question can take. Each run on a copy of the store, without the projection file.
            var rebuiltRSS: [Int] = []
            let rebuiltProcess = try median(runs) { run in
                let copy = root.appendingPathComponent("copied-\(run).sqlite").path
                func remove() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
                remove()
                defer {
                    remove()
                    for file in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where file.hasPrefix("copied-\(run).sqlite-projection-") {
                        try? FileManager.default.removeItem(at: root.appendingPathComponent(file))
                    }
                }
                try FileManager.default.copyItem(atPath: storePath, toPath: copy)
                if FileManager.default.fileExists(atPath: storePath + "-wal") { try FileManager.default.copyItem(atPath: storePath + "-wal", toPath: copy + "-wal") }
                return try time { rebuiltRSS.append(try shell(chronicle, ["asof", "1960-06-01", "--store", copy, "--format", "json"])) }
            }
            report("as-of, whole hierarchy, as a chronicle process that first builds the missing projection",
                   "\(seconds(rebuiltProcess)), peak RSS \(mebibytes(rebuiltRSS))")
            var verifyRSS: [Int] = []
            let verifyProcess = try median(runs) { _ in try time { verifyRSS.append(try shell(chronicle, ["verify", "--store", storePath])) } }
            report("`chronicle verify` (hash chain, payloads, a fresh fold compared, invariants)",
                   "\(seconds(verifyProcess)), peak RSS \(mebibytes(verifyRSS))")
        }
        // The store file and its projection file.
        let projectionPath = try store.projectionPath() ?? storePath
        func size(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0 }
        report("store size on disk (store file + projection file)", String(format: "%.1f MB (%.1f + %.1f)", Double(size(storePath) + size(projectionPath)) / 1_000_000,
                                                                        Double(size(storePath)) / 1_000_000, Double(size(projectionPath)) / 1_000_000))

        if !noSqlite, FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            let csv = root.appendingPathComponent("events.csv").path
            let states = root.appendingPathComponent("states.csv").path
            try shell("/usr/bin/sqlite3", ["-csv", storePath, "SELECT position, id, type, unit, target, date, earliest, latest, payload, sources, file, line, recordedAt, hash FROM event"], output: csv)
            try shell("/usr/bin/sqlite3", ["-csv", projectionPath, "SELECT id, unit, validFrom, validTo, state, event, endEvent FROM unit_state"], output: states)
            let shellImport = try median(runs) { run in
                let db = root.appendingPathComponent("shell-\(run).sqlite").path
                try? FileManager.default.removeItem(atPath: db)
                return try time {
                    try shell("/usr/bin/sqlite3", [db, "PRAGMA journal_mode=WAL", """
                        CREATE TABLE event (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, unit TEXT, target TEXT,
                          date TEXT NOT NULL, earliest INTEGER NOT NULL, latest INTEGER NOT NULL, payload TEXT NOT NULL, sources TEXT NOT NULL,
                          file TEXT, line INTEGER, recordedAt TEXT NOT NULL, hash TEXT NOT NULL)
                        """, ".import --csv \(csv) event"])
                }
            }
            report("sqlite3 shell: import the same rows from CSV", "\(Int(Double(n) / shellImport)) events/s (\(seconds(shellImport))); "
                + "Chronicle's record is \(String(format: "%.1f", append / shellImport))× slower, its log append \(String(format: "%.1f", logOnly / shellImport))×")
            // The SQLite part of a rebuild: read the log's payloads, write the projection's rows one by
            // one into a new file with the projection's own schema (`LIMIT -1` keeps SQLite from copying
            // pages whole), and make its indexes, with the sort threads a rebuild uses.
            let schema = root.appendingPathComponent("projection-schema.sql").path
            try shell("/usr/bin/sqlite3", [projectionPath, "SELECT sql || ';' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"], output: schema)
            let tables = try String(contentsOfFile: schema, encoding: .utf8)
            try shell("/usr/bin/sqlite3", [projectionPath, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"], output: schema)
            let names = try String(contentsOfFile: schema, encoding: .utf8).split(separator: "\n")
            try shell("/usr/bin/sqlite3", [projectionPath, "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"], output: schema)
            let indexes = try String(contentsOfFile: schema, encoding: .utf8)
            let shellRebuild = try median(runs) { run in
                let db = root.appendingPathComponent("shell-projection-\(run).sqlite").path
                try? FileManager.default.removeItem(atPath: db)
                return try time {
                    try shell("/usr/bin/sqlite3", [db, "PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA threads = 2",
                                                   "ATTACH '\(storePath)' AS store", "ATTACH '\(projectionPath)' AS old",
                                                   "SELECT sum(length(payload)) FROM store.event", "BEGIN", tables]
                        + names.map { "INSERT INTO main.\($0) SELECT * FROM old.\($0) LIMIT -1" } + [indexes, "COMMIT"])
                }
            }
            report("sqlite3 shell: read the payloads, write the same projection rows one by one into a new file and index them",
                   "\(seconds(shellRebuild)); Chronicle's rebuild is \(String(format: "%.1f", rebuild / shellRebuild))× slower")
            let db = root.appendingPathComponent("shell-states.sqlite").path
            try? FileManager.default.removeItem(atPath: db)
            try shell("/usr/bin/sqlite3", [db, """
                CREATE TABLE unit_state (id INTEGER PRIMARY KEY, unit TEXT NOT NULL, validFrom INTEGER NOT NULL, validTo INTEGER,
                  state TEXT NOT NULL, event TEXT NOT NULL, endEvent TEXT)
                """, ".import --csv \(states) unit_state", "CREATE INDEX s_time ON unit_state(validFrom, validTo)", "CREATE INDEX s_unit ON unit_state(unit, validFrom)"])
            let d = middle.ordinal
            let shellWhole = try median(max(runs, 5)) { _ in
                try time { try shell("/usr/bin/sqlite3", [db, "SELECT * FROM unit_state WHERE validFrom <= \(d) AND (validTo IS NULL OR validTo > \(d))"]) }
            }
            report("sqlite3 shell: as-of SELECT, whole hierarchy (process)", milliseconds(shellWhole))
            let shellOne = try median(max(runs, 5)) { _ in
                try time { try shell("/usr/bin/sqlite3", [db, "SELECT * FROM unit_state WHERE unit = 'sx/t7' AND validFrom <= \(d) AND (validTo IS NULL OR validTo > \(d))"]) }
            }
            report("sqlite3 shell: as-of SELECT, one unit (process)", milliseconds(shellOne))
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        report("peak RSS of the benchmark process", mebibytes([usage.ru_maxrss]))

        print("| measure (\(n) events) | median of \(runs)+ runs |")
        print("| --- | --- |")
        for (name, value) in rows { print("| \(name) | \(value) |") }
    }

    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    func median(_ count: Int, _ body: (Int) throws -> Double) rethrows -> Double {
        var values: [Double] = []
        for run in 0..<max(1, count) { values.append(try body(run)) }
        return values.sorted()[values.count / 2]
    }

    func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }
    /// The median of peak memory sizes in KiB, in MiB.
    func mebibytes(_ kibibytes: [Int]) -> String { String(format: "%.0f MiB", Double(kibibytes.sorted()[kibibytes.count / 2]) / 1024) }
    func milliseconds(_ value: Double) -> String { String(format: "%.2f ms", value * 1000) }

    /// Runs a program and waits for it with posix_spawn and waitpid (Foundation's Process polls
    /// in 50 ms steps on Linux, which would swamp the times measured).
    /// - Returns: The child's peak resident set size in KiB. It is read through GNU time when
    ///   there is one: a child started straight from this (large) process inherits this
    ///   process's peak in its own count (Linux counts the parent's at exec after a vfork).
    @discardableResult
    func shell(_ executable: String, _ arguments: [String], output: String? = nil) throws -> Int {
        let gnuTime = "/usr/bin/time"
        if FileManager.default.isExecutableFile(atPath: gnuTime) && executable != gnuTime {
            let report = NSTemporaryDirectory() + "chronicle-bench-rss-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: report) }
            try shell(gnuTime, ["-f", "%M", "-o", report, executable] + arguments, output: output)
            let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
            return Int(text.split(separator: "\n").last.map(String.init) ?? "") ?? 0
        }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
            throw ValidationError("cannot start \(executable)")
        }
        var status: Int32 = 0
        var usage = rusage()
        wait4(pid, &status, 0, &usage)
        guard status == 0 else { throw ValidationError("\(executable) \(arguments.first ?? "") failed with status \(status)") }
        return usage.ru_maxrss
    }
}
