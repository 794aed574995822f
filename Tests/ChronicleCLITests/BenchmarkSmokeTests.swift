import Foundation
import Testing

/// The benchmark runs in CI at its smallest size so that it never rots. It asserts that every
/// measure is reported, never a time: speed is measured in docs/benchmarks.md, not tested.
@Suite struct BenchmarkSmokeTests {
    @Test func theBenchmarkRunsAtTenThousandEvents() throws {
        let bench = CLI.executable.deletingLastPathComponent().appendingPathComponent("chronicle-bench")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let run = try CLI.runProcess(bench, ["--events", "10000", "--runs", "1", "--chronicle", CLI.executable.path, "--scratch", scratch.path],
                                     in: scratch)
        #expect(run.status == 0)
        let table = run.stdout
        for measure in [
            "append through the store API", "of which appending to the log", "import from YAML files", "full projection rebuild", "rebuild steps", "catch-up after one appended event",
            "as-of, whole hierarchy", "as-of, one unit, in-process", "as-of, one unit, as a chronicle process", "store size on disk",
            "peak RSS of the benchmark process", "peak RSS of the `chronicle import` process",
            "as-of, whole hierarchy, as a chronicle process that first builds the missing projection", "`chronicle verify`",
        ] {
            #expect(table.contains("| \(measure)"), "the table reports \(measure)")
        }
        // The limits to approach, where the machine has the sqlite3 shell.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            for measure in [
                "sqlite3 shell: import the same rows from CSV", "sqlite3 shell: read the payloads, write the same projection rows",
                "sqlite3 shell: as-of SELECT, whole hierarchy", "sqlite3 shell: as-of SELECT, one unit",
            ] {
                #expect(table.contains("| \(measure)"), "the table reports \(measure)")
            }
        }
        #expect(table.contains("| measure (105") || table.contains("| measure (10"), "about ten thousand events")
    }
}
