import Foundation
import Testing

/// Whole command output on Quezal, compared with reviewed golden files.
@Suite struct OutputTests {
    @Test(arguments: [
        (["asof", "1951-01-01"], "asof-1951-tree.txt"),
        (["asof", "1971-06-01", "--format", "table"], "asof-1971-table.txt"),
        (["asof", "1971-06-01", "--format", "csv"], "asof-1971.csv"),
        (["asof", "1971-06-01", "--format", "json", "--under", "Northland"], "asof-1971-north.json"),
        (["show", "Port Royal", "--asof", "1925"], "show-port-1925.txt"),
        (["show", "qz/port", "--asof", "1925", "--format", "json"], "show-port-1925.json"),
        (["history", "qz/mill"], "history-mill.txt"),
        (["history", "qz/north", "--format", "json"], "history-north.json"),
        (["search", "nord"], "search-nord.txt"),
    ])
    func matchesTheGoldenFile(arguments: [String], golden: String) throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let process = try cli.run(arguments)
        #expect(process.status == 0)
        #expect(process.stderr == "")
        try expectGolden(process.stdout, golden)
    }

    @Test func theFirstRunBuildsTheStoreAndSaysSo() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        let first = try cli.run("asof", "1900")
        #expect(first.status == 0)
        #expect(first.stderr == "chronicle: built the store .chronicle/store.sqlite from 26 events\n")
        let second = try cli.run("asof", "1900")
        #expect(second.stderr == "")
        #expect(second.stdout == first.stdout)
    }

    @Test func newEventsInTheFilesAreRecordedOnTheNextRun() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").stdout == "Built .chronicle/store.sqlite: 26 events recorded, 0 already there; store position 26.\n")
        try cli.write("""
            - id: qz-harbour-1980
              type: established
              unit: qz/harbour
              date: "1980-05"
              names: {en: Harbour}
              level: district
              parent: qz/port
              sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]
            """, to: "Events/qz/20-harbour.yaml")
        let run = try cli.run("show", "Harbour", "--asof", "1981", "--format", "json")
        #expect(run.status == 0)
        #expect(run.stderr == "chronicle: recorded 1 new event (store position 27)\n")
        #expect(run.stdout.contains("\"parent\" : \"qz/port\""))
    }

    /// On a terminal, long work draws where it stands on one line, redrawn in place and wiped
    /// before anything else is said; into a pipe or a file nothing of it is written (the exact
    /// stderr of the tests above). `script` gives the run a terminal.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func progressIsDrawnOnATerminalOnly() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        let command = "\(CLI.executable.path) asof 1900 --format csv"
        let run = try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], in: cli.directory,
                                     environment: ["CHRONICLE_RECORDED_AT": "2027-01-15T08:00:00.000Z", "TERM": "xterm"])
        #expect(run.status == 0)
        let wipe = "\r\u{1B}[2K"
        for line in ["chronicle: reading 0/4 event files (0 %)", "chronicle: reading 4/4 event files (100 %)",
                     "chronicle: recording 26/26 events (100 %)", "chronicle: building the projection: making 9/9 indexes (100 %)"] {
            #expect(run.stdout.contains(wipe + line), "\(line) in \(run.stdout.debugDescription)")
        }
        // The line is wiped before the note, and nothing of it is left in the answer.
        let wiped = run.stdout.components(separatedBy: wipe)
        #expect(wiped.last?.hasPrefix("chronicle: built the store .chronicle/store.sqlite from 26 events\r\nid,") == true,
                "\(wiped.last.debugDescription)")
        // Once built, nothing is drawn.
        let again = try CLI.runProcess(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"], in: cli.directory,
                                       environment: ["TERM": "xterm"])
        #expect(!again.stdout.contains(wipe))
    }

    @Test func helpTeachesWithExamples() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        let help = try cli.run("--help")
        #expect(help.status == 0)
        for text in ["chronicle asof 2010-06-01", "chronicle search", "Exit codes", "asof", "history", "validate"] {
            #expect(help.stdout.contains(text), "--help mentions \(text)")
        }
    }
}

extension CLI {
    @discardableResult
    func run(_ arguments: [String]) throws -> Output {
        try run(arguments: arguments)
    }
}
