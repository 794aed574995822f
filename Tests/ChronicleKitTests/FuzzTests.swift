import Foundation
import PropertyBased
import Testing
@testable import ChronicleKit

/// Arbitrary and mutated input never crashes or hangs the reader, the date parser or the
/// store, and every failure is a located sentence. Counts are kept small for CI; see
/// docs/reliability.md for longer runs.
@Suite struct FuzzTests {
    /// `CHRONICLE_FUZZ_SCALE=20 swift test --filter FuzzTests` runs twenty times as many cases.
    static let scale = Int(ProcessInfo.processInfo.environment["CHRONICLE_FUZZ_SCALE"] ?? "") ?? 1
    static let quezalChanges = try! String(contentsOf: Fixtures.quezal.appendingPathComponent("qz/10-changes.yaml"), encoding: .utf8)
    static let yamlCharacters: [Character] = Array(":-[]{}\"'#&*!|>,?%@`\n \t0123456789abcxyzé한")

    static func expectLocated(_ diagnostics: [Diagnostic], in text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        for diagnostic in diagnostics {
            let line = diagnostic.location?.line ?? 0
            #expect((1...max(1, lines + 1)).contains(line), "\(diagnostic)")
            #expect(!diagnostic.message.isEmpty)
        }
    }

    @Test func arbitraryBytesGiveEventsOrLocatedErrors() async {
        await propertyCheck(count: 400 * FuzzTests.scale, input: Gen<UInt8>.value(in: 0...255).array(of: 0...300)) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let read = EventFileReader.readEvents(text, file: "Events/qz/fuzz.yaml")
            FuzzTests.expectLocated(read.diagnostics, in: text)
        }
    }

    @Test func mutatedValidFilesNeverCrashOrWriteBadData() async throws {
        let base = try EventFolder.load(from: Fixtures.quezal)
        await propertyCheck(
            count: 150 * FuzzTests.scale, input: Gen.int(in: 0...100_000).array(of: 1...6), Gen<Character?>.element(of: FuzzTests.yamlCharacters).array(of: 6)
        ) { positions, characters in
            var text = Array(FuzzTests.quezalChanges)
            for (index, position) in positions.enumerated() {
                let at = position % max(1, text.count)
                switch position % 3 {
                case 0: text.insert(characters[index]!, at: at)
                case 1: if !text.isEmpty { text.remove(at: at) }
                default: if !text.isEmpty { text[at] = characters[index]! }
                }
            }
            let mutated = String(text)
            let read = EventFileReader.readEvents(mutated, file: "Events/qz/10-changes.yaml")
            FuzzTests.expectLocated(read.diagnostics, in: mutated)
            var folder = base
            folder.events = base.events.filter { $0.location?.file != "Events/qz/10-changes.yaml" } + read.events
            folder.diagnostics = read.diagnostics + folder.duplicateIDs()
            let problems = folder.validate()
            let store = try! EventStore.inMemory()
            do {
                try store.record(folder)
                #expect(problems.isEmpty, "recorded although validation found: \(problems.first.map(\.description) ?? "")")
                #expect((try? store.checkInvariants()) == [])
            } catch {
                #expect((try? store.headPosition()) == 0, "a refused import wrote nothing")
            }
        }
    }

    @Test func arbitraryDatesParseToAnIntervalOrSayWhy() async {
        await propertyCheck(count: 2000 * FuzzTests.scale, input: Gen<Character?>.element(of: Array("0123456789X?~%-/. ") as [Character]).array(of: 0...14)) { characters in
            let text = String(characters.compactMap { $0 })
            do {
                let date = try EDTFDate(text)
                #expect(date.earliest < date.latest)
            } catch {
                #expect("\(error)".contains("is not a valid EDTF date: "))
            }
        }
    }

    /// Found by hand while fuzzing: an alias bomb inside a correction's `set:` used to hang.
    @Test func aliasBombIsRefusedAtOnce() {
        var lines = [#"a0: &a0 ["x","x","x","x","x","x","x","x","x"]"#]
        for i in 1..<9 { lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ",") + "]") }
        let text = """
            - id: bomb
              type: corrected
              corrects: qz-x
              date: "1990"
              sources: [{title: t, url: u}]
              set:
            \(lines.map { "    " + $0 }.joined(separator: "\n"))
            """
        let clock = ContinuousClock()
        let start = clock.now
        let read = EventFileReader.readEvents(text, file: "f.yaml")
        #expect(clock.now - start < .seconds(2))
        #expect(read.events.isEmpty)
        #expect(read.diagnostics.first?.message.hasPrefix("the file expands to more than") == true)
    }

    @Test func deepNestingIsRefused() {
        let text = "- id: x\n  type: established\n  names: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        let read = EventFileReader.readEvents(text, file: "f.yaml")
        #expect(read.diagnostics.first?.message.contains("YAML syntax error") == true)
    }

    @Test func namesWithControlOrBidiCharactersAreRefused() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        folder.events += EventFileReader.readEvents("""
            - id: qz-port-1930-renamed
              type: changed
              unit: qz/port
              date: "1930"
              to: {names: {en: "Port \\u202Eevil"}}
              sources: [{title: "t", url: "https://example.org"}]
            """, file: "Events/qz/99.yaml").events
        #expect(folder.validate().map(\.description) == [
            "Events/qz/99.yaml:1: error: event qz-port-1930-renamed gives qz/port a name under 'en' with the control or bidirectional-override character U+202E; names may not contain such characters",
        ])
        #expect(TextTable.safe("a\u{202E}b\u{1B}[2J") == "a\u{FFFD}b\u{FFFD}[2J")
    }
}

/// Large and long input: a file of thousands of events and a name of a hundred thousand characters.
@Suite struct LargeInputTests {
    @Test func aLargeFileAndAVeryLongNameAreReadAndRenderedSafely() throws {
        let long = String(repeating: "Longname", count: 12_500)
        var text = ""
        for i in 0..<3000 {
            text += """
                - id: qz-big-\(i)
                  type: established
                  unit: qz/big-\(i)
                  date: "1950"
                  names: {en: "\(i == 0 ? long : "Big \(i)")"}
                  level: district
                  parent: qz/north
                  sources: [{title: "Large input", url: "https://example.org/large"}]

                """
        }
        let read = EventFileReader.readEvents(text, file: "Events/qz/big.yaml")
        #expect(read.diagnostics == [])
        #expect(read.events.count == 3000)
        var folder = try EventFolder.load(from: Fixtures.quezal)
        folder.events += read.events
        let store = try EventStore.inMemory()
        try store.record(folder, at: Fixtures.recordedAt)
        let state = try #require(try store.state(of: "qz/big-0", on: day("1960")))
        let view = try #require(try Namer(store: store).views([state], on: day("1960")).first)
        #expect(view.name.count == 100_000)
        #expect(try store.resolve(long.lowercased()) == "qz/big-0")
        #expect(try Snapshot.load(from: store, on: day("1960")).units.count == 11 + 3000)
    }
}
