import Foundation
import Testing

/// Bad event data: a located sentence, exit 65, and the store byte-for-byte unchanged.
@Suite struct BadInputTests {
    static let source = #"sources: [{title: "Quezal test fixture", url: "https://example.org/quezal"}]"#

    static let cases: [(name: String, file: String, text: String, message: String)] = [
        ("unknown parent", "Events/qz/90-bad.yaml", """
            - id: qz-harbour
              type: established
              unit: qz/harbour
              date: "1980"
              names: {en: Harbour}
              level: district
              parent: qz/nowhere
              \(source)
            """,
         "Events/qz/90-bad.yaml:1: error: event qz-harbour (1980) refers to qz/nowhere, which does not exist on 1980-01-01"),
        ("from that does not match", "Events/qz/90-bad.yaml", """
            - id: qz-port-1980
              type: changed
              unit: qz/port
              date: "1980-04"
              from: {level: town, parent: qz/alpha}
              to: {level: district}
              \(source)
            """,
         "Events/qz/90-bad.yaml:1: error: event qz-port-1980 (1980-04) says qz/port was a town under qz/alpha before it, but on 1980-04-01 the store has it as a capital under qz (since event qz-port-1920-capital)"),
        ("malformed date", "Events/qz/90-bad.yaml", """
            - id: qz-port-1980
              type: changed
              unit: qz/port
              date: "1980-13-01"
              to: {names: {en: Port}}
              \(source)
            """,
         "Events/qz/90-bad.yaml:4: error: event qz-port-1980: 'date': '1980-13-01' is not a valid EDTF date: month 13 does not exist"),
        ("cycle", "Events/qz/90-bad.yaml", """
            - id: qz-w1
              type: established
              unit: qz/w1
              date: "1980"
              names: {en: Ward One}
              level: ward
              parent: qz/mill
              \(source)
            - id: qz-mill-1981
              type: changed
              unit: qz/mill
              date: "1981"
              to: {parent: qz/w1}
              \(source)
            """,
         "Events/qz/90-bad.yaml:9: error: event qz-mill-1981 would make qz/mill its own ancestor (qz/mill → qz/w1 → qz/mill)"),
        ("event on an ended unit", "Events/qz/90-bad.yaml", """
            - id: qz-east-1970
              type: changed
              unit: qz/east
              date: "1970"
              to: {names: {en: Eastland}}
              \(source)
            """,
         "Events/qz/90-bad.yaml:1: error: event qz-east-1970 (1970) refers to qz/east, which ended on 1965-12-31 (event qz-east-1965-abolished)"),
        ("YAML syntax error", "Events/qz/90-bad.yaml", """
            - id: qz-port-1980
              type: changed
              unit: qz/port
              date: "1980
              to: {names: {en: Port}}
            """,
         "Events/qz/90-bad.yaml:5: error: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar) at column 26"),
        ("unknown key", "Events/qz/90-bad.yaml", """
            - id: qz-port-1980
              type: changed
              unit: qz/port
              date: "1980"
              parnet: qz
              \(source)
            """,
         "Events/qz/90-bad.yaml:5: error: event qz-port-1980: 'parnet': unknown key 'parnet' for a changed event; it may carry: alternatives, date, from, id, note, sources, to, type, unit"),
    ]

    @Test(arguments: cases.indices)
    func isRefusedWithALocatedSentence(index: Int) throws {
        let bad = BadInputTests.cases[index]
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let before = try Data(contentsOf: cli.storeFile)
        try cli.write(bad.text, to: bad.file)
        let result = try cli.run("asof", "1985")
        #expect(result.status == 65, "\(bad.name)")
        #expect(result.stdout == "", "\(bad.name)")
        #expect(result.stderr == bad.message + "\n1 error found; nothing was written.\n", "\(bad.name)")
        #expect(try Data(contentsOf: cli.storeFile) == before, "\(bad.name): the store changed")
        let validation = try cli.run("validate")
        #expect(validation.status == 65)
        #expect(validation.stderr.hasPrefix(bad.message), "\(bad.name)")
    }

    @Test func theSameIDWithOtherContentIsRefused() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let before = try Data(contentsOf: cli.storeFile)
        let file = cli.directory.appendingPathComponent("Events/qz/10-changes.yaml")
        let edited = try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "date: \"1930-01-01\"", with: "date: \"1931-01-01\"")
        try edited.write(to: file, atomically: true, encoding: .utf8)
        let result = try cli.run("asof", "1985")
        #expect(result.status == 65)
        #expect(result.stderr == """
            Events/qz/10-changes.yaml:10: error: event qz-beta-1930-merged differs from the version recorded at position 12 on 2027-01-15T08:00:00.000Z; \
            recorded events are never edited: restore it and record a corrected event (corrects: qz-beta-1930-merged), \
            or rebuild the store with --rebuild, which discards its recorded history
            1 error found; nothing was written.

            """)
        #expect(try Data(contentsOf: cli.storeFile) == before)
        let rebuilt = try cli.run("asof", "1930-06-01", "--format", "json", "--rebuild")
        #expect(rebuilt.status == 0)
        #expect(rebuilt.stdout.contains("\"id\" : \"qz/beta\""))
    }

    @Test func badUsageExits64() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        #expect(try cli.run("import").status == 0)
        let badDate = try cli.run("asof", "yesterday")
        #expect(badDate.status == 64)
        #expect(badDate.stderr.hasPrefix("Error: The value 'yesterday' is invalid for '<date>': 'yesterday' is not a valid EDTF date: the year must have four digits (X for an unspecified digit). Give a date such as 2004, 2004-06 or 2004-06-01."))
        let unknown = try cli.run("show", "Atlantis")
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "Error: No unit is called 'Atlantis'.\n")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("Events/../.chronicle/.store.sqlite.building").path))
    }

    @Test func aMissingEventsFolderIsNamed() throws {
        let cli = try CLI.quezal()
        defer { cli.remove() }
        let result = try cli.run("asof", "1950", "--events", "Nowhere")
        #expect(result.status == 1)
        #expect(result.stderr == "Error: There is no events folder at \(cli.directory.standardizedFileURL.path)/Nowhere. Run chronicle in a folder that has Events/, or pass --events DIR.\n")
    }
}
