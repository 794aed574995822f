import Foundation
import GRDB
import Testing

/// Crashes, concurrent processes and damaged stores: all of an import or none of it,
/// and a one-sentence error for every damaged or foreign store.
@Suite(.serialized) struct ReliabilityTests {
    /// A Quezal-scheme events folder with `count` districts established in 1950 and renamed in 1960.
    static func syntheticEvents(count: Int, file: String = "50-synthetic.yaml", from: Int = 0) -> String {
        var text = ""
        for i in from..<(from + count) {
            text += """
                - id: qz-d\(i)
                  type: established
                  unit: qz/d\(i)
                  date: "1950"
                  names: {en: District \(i)}
                  level: district
                  parent: qz/north
                  sources: [{title: "Synthetic", url: "https://example.org/synthetic"}]
                - id: qz-d\(i)-renamed
                  type: changed
                  unit: qz/d\(i)
                  date: "1960-0\(1 + i % 9)"
                  to: {names: {en: Renamed \(i)}}
                  sources: [{title: "Synthetic", url: "https://example.org/synthetic"}]

                """
        }
        return text
    }

    func headPosition(_ store: URL) throws -> Int? {
        guard FileManager.default.fileExists(atPath: store.path) else { return nil }
        return try DatabaseQueue(path: store.path).read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position), 0) FROM event") }
    }

    @Test func anImportKilledAtAnyMomentLeavesAllOrNothing() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let base = try #require(try headPosition(cli.storeFile))
        try cli.write(ReliabilityTests.syntheticEvents(count: 600), to: "Events/qz/50-synthetic.yaml")
        let full = base + 1200
        var outcomes: [Int] = []
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<8 {
            let process = try cli.start(["import"])
            usleep(UInt32.random(in: 20_000...1_400_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let head = try #require(try headPosition(cli.storeFile), "attempt \(attempt): the store vanished")
            #expect(head == base || head == full, "attempt \(attempt): \(head) events, neither all nor none")
            outcomes.append(head)
            let verify = try cli.run("verify")
            #expect(verify.status == 0, "attempt \(attempt): \(verify.stderr)")
            if head == full {
                // Start again from the store without the synthetic events.
                try FileManager.default.removeItem(at: cli.storeFile)
                try FileManager.default.moveItem(
                    at: cli.directory.appendingPathComponent("Events/qz/50-synthetic.yaml"), to: cli.directory.appendingPathComponent("synthetic.yaml"))
                #expect(try cli.run("import").status == 0)
                try FileManager.default.moveItem(
                    at: cli.directory.appendingPathComponent("synthetic.yaml"), to: cli.directory.appendingPathComponent("Events/qz/50-synthetic.yaml"))
            }
        }
        let rerun = try cli.run("import")
        #expect(rerun.status == 0)
        #expect(try headPosition(cli.storeFile) == full)
        #expect(try cli.run("verify").status == 0)
    }

    @Test func aFirstBuildKilledLeavesNoStoreOrAWholeOne() throws {
        for attempt in 0..<5 {
            let cli = try CLI.quezal()
            defer { cli.remove() }
            try cli.write(ReliabilityTests.syntheticEvents(count: 600), to: "Events/qz/50-synthetic.yaml")
            let process = try cli.start(["import"])
            usleep(UInt32(150_000 * attempt + 50_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let head = try headPosition(cli.storeFile)
            #expect(head == nil || head == 26 + 1200, "attempt \(attempt): \(String(describing: head))")
            let rerun = try cli.run("import")
            #expect(rerun.status == 0)
            #expect(try headPosition(cli.storeFile) == 26 + 1200)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: cli.storeFile.deletingLastPathComponent().path)
                .filter { $0.contains(".building-") }
            #expect(leftovers.isEmpty, "abandoned temporary stores are removed: \(leftovers)")
        }
    }

    @Test func concurrentImportsAndReadersLoseNothing() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let before = try cli.run("asof", "1970", "--format", "json").stdout
        try cli.write(ReliabilityTests.syntheticEvents(count: 300), to: "Events/qz/50-synthetic.yaml")
        let processes = try [["import"], ["import"], ["asof", "1970", "--format", "json"], ["asof", "1970", "--format", "json"],
                             ["asof", "1970", "--format", "json"]].map { try cli.start($0) }
        for process in processes { process.waitUntilExit() }
        #expect(processes.map(\.terminationStatus) == [0, 0, 0, 0, 0])
        let log = try JSONSerialization.jsonObject(with: Data(try cli.run("log", "--format", "json").stdout.utf8)) as? [[String: Any]] ?? []
        let ids = log.compactMap { $0["id"] as? String }
        #expect(ids.count == 26 + 600)
        #expect(Set(ids).count == ids.count, "no event recorded twice")
        let after = try cli.run("asof", "1970", "--format", "json").stdout
        for index in 2...4 {
            let output = try String(contentsOf: cli.directory.appendingPathComponent(".out-\(processes[index].processIdentifier)"), encoding: .utf8)
            #expect(output == before || output == after, "a reader saw a half-applied import")
        }
    }

    /// The projection is derived and lives in its own file: without it a command builds it again,
    /// says so, and answers as before.
    @Test func aMissingProjectionFileIsBuiltAgainAndSaidSo() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let before = try cli.run("asof", "1970", "--format", "json")
        let folder = cli.storeFile.deletingLastPathComponent()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("store.sqlite-projection-") }
        // The projection file, and its write-ahead log and index while a reader has them.
        #expect(files.filter { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }.count == 1, "\(files)")
        for name in files { try FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        let after = try cli.run("asof", "1970", "--format", "json")
        #expect(after.status == 0)
        #expect(after.stdout == before.stdout)
        #expect(after.stderr.contains("rebuilt the projection of the store .chronicle/store.sqlite: its projection file was missing"), "\(after.stderr)")
        // Once built, it is used as it is.
        #expect(try cli.run("asof", "1970", "--format", "json").stderr == before.stderr)
    }

    @Test func aLockHeldTooLongGivesABusyMessage() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let lock = open(cli.storeFile.path + ".lock", O_RDWR)
        #expect(flock(lock, LOCK_EX) == 0)
        defer { close(lock) }
        try cli.write(ReliabilityTests.syntheticEvents(count: 1), to: "Events/qz/50-synthetic.yaml")
        let result = try cli.run(arguments: ["import"], environment: ["CHRONICLE_LOCK_TIMEOUT": "1"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: The store is busy: another chronicle process has been writing to it for more than 1 s"))
    }

    @Test(arguments: ["truncated", "not SQLite", "newer schema", "empty"])
    func aDamagedOrForeignStoreGivesOneSentence(kind: String) throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let path = cli.storeFile.path
        switch kind {
        case "truncated":
            let data = try Data(contentsOf: cli.storeFile)
            try data.prefix(data.count / 3).write(to: cli.storeFile)
        case "not SQLite":
            try Data("This is a shopping list, not a store.\n".utf8).write(to: cli.storeFile)
        case "newer schema":
            try DatabaseQueue(path: path).write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        default:
            try Data().write(to: cli.storeFile)
        }
        let touched = cli.directory.appendingPathComponent("Events/qz/50-synthetic.yaml")
        try ReliabilityTests.syntheticEvents(count: 1).write(to: touched, atomically: true, encoding: .utf8)
        let before = try Data(contentsOf: cli.storeFile)
        let result = try cli.run("asof", "1950")
        let lines = result.stderr.split(separator: "\n")
        if kind == "empty" {
            // An empty file is a new SQLite database: it is built up, not refused.
            #expect(result.status == 0)
            return
        }
        #expect(result.status == 1, "\(kind)")
        #expect(lines.count == 1, "\(kind): \(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: "), "\(kind)")
        #expect(!result.stderr.contains("Fatal error"), "\(kind)")
        switch kind {
        case "not SQLite": #expect(result.stderr.contains("is not a Chronicle store (not an SQLite database)"))
        case "newer schema": #expect(result.stderr.contains("was written by a newer version of Chronicle"))
        default: #expect(result.stderr.contains("damaged") || result.stderr.contains("not an SQLite database"), "\(result.stderr)")
        }
        #expect(try Data(contentsOf: cli.storeFile) == before, "\(kind): the store was changed")
    }
}

extension CLI {
    /// Starts the executable without waiting; its stdout goes to `.out-PID` in the scratch folder.
    func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = directory.appendingPathComponent(".out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        try FileManager.default.moveItem(at: out, to: directory.appendingPathComponent(".out-\(process.processIdentifier)"))
        return process
    }
}
