import Crypto
import Foundation
import GRDB
import Synchronization
import Testing
@testable import ChronicleKit

/// The hand-written reader of the store's JSON must give exactly what the Codable path gives.
@Suite struct StoredJSONTests {
    static func allEvents() throws -> [Event] {
        let folders = [try EventFolder.load(from: Fixtures.quezal), try EventFolder.load(from: Fixtures.northKorea),
                       SyntheticHistory(eventCount: 3_000, seed: 7).folder]
        return folders.flatMap { $0.events.map(\.event) }
    }

    @Test func payloadsReadBackAsTheCodablePathReadsThem() throws {
        let events = try StoredJSONTests.allEvents()
        #expect(Set(events.map(\.type)) == Set(Event.Action.types))
        for event in events {
            let payload = try Canonical.json(event)
            let codable = try JSONDecoder().decode(Event.self, from: Data(payload.utf8))
            let fast = try Event(storedPayload: payload)
            #expect(fast == codable, "\(event.id)")
            #expect(fast == event, "\(event.id)")
        }
    }

    /// The payload reader reads straight from the bytes what the tree reader (``StoredJSON/parse(_:)``
    /// and ``Event/init(stored:)``) reads, also from JSON the store would not write: members in
    /// another order, white space, members it does not know, nulls where they are allowed.
    @Test func payloadReaderReadsWhatTheTreeReads() throws {
        var generator = SeededGenerator(state: 11)
        var reader = PayloadReader()
        for event in try StoredJSONTests.allEvents() {
            let payload = try Canonical.json(event)
            let tree = try StoredJSON.parse(payload)
            #expect(try reader.event(payload) == (try Event(stored: tree.object("payload"))), "\(event.id)")
            guard case .object(var members) = tree else { Issue.record("not an object"); continue }
            members["zz-unknown"] = .array([.object(["a": .string("x\"]},{")]), .number(-1.5e3), .bool(false), .null, .array([])])
            for key in ["note", "parent", "area", "from", "coordinate"] where members[key] == nil { members[key] = .null }
            let loose = StoredJSONTests.loosely(.object(members), using: &generator)
            #expect(try reader.event(loose) == event, "\(event.id): \(loose)")
        }
    }

    /// JSON with its members shuffled and white space around every token.
    static func loosely(_ value: JSONValue, using generator: inout SeededGenerator) -> String {
        switch value {
        case .object(let members):
            let parts = members.keys.shuffled(using: &generator).map { key in
                " " + loosely(.string(key), using: &generator) + " :\n\t" + loosely(members[key]!, using: &generator) + " "
            }
            return "{" + parts.joined(separator: ",") + "}"
        case .array(let values): return "[ " + values.map { loosely($0, using: &generator) }.joined(separator: " , ") + " ]"
        default: return String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
        }
    }

    /// Consecutive payloads that cite the same sources share one array of them; others get their own.
    @Test func payloadsCitingTheSameSourcesShareThem() throws {
        func payload(_ id: String, _ sources: [Source]) throws -> String {
            try Canonical.json(Event(id: id, date: try EDTFDate("1993"), sources: sources, action: .observed(unit: "kp/x", values: ["population": 1])))
        }
        let first = [Source(seed: "nk-1993.md"), Source(title: "Atlas", url: "https://example.org/atlas")]
        let second = [Source(seed: "nk-1993.md")]
        var reader = PayloadReader()
        let a = try reader.event(try payload("a", first)), b = try reader.event(try payload("b", first))
        let c = try reader.event(try payload("c", second)), d = try reader.event(try payload("d", []))
        let e = try reader.event(try payload("e", first))
        #expect(a.sources == first && b.sources == first && c.sources == second && d.sources.isEmpty && e.sources == first)
        func storage(_ sources: [Source]) -> UnsafeRawPointer? { sources.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        #expect(storage(a.sources) == storage(b.sources))
        #expect(storage(a.sources) != storage(e.sources), "read again after other sources came between")
    }

    /// A payload that is not an event is refused with a sentence, whatever is wrong with it.
    @Test func payloadReaderRefusesWhatIsNotAnEvent() throws {
        let good = #"{"date":"2005","id":"e1","into":"kp/hamhung","sources":[{"seed":"a.md"}],"type":"merged","unit":"kp/hungnam"}"#
        var reader = PayloadReader()
        #expect(try reader.event(good).action == .merged(unit: "kp/hungnam", into: "kp/hamhung", children: [:]))
        let bad = [
            "", "[]", #"{"#, good + " x", good.replacingOccurrences(of: #""id":"e1","#, with: ""),
            good.replacingOccurrences(of: #""into":"kp/hamhung""#, with: #""into":["kp/hamhung"]"#),
            good.replacingOccurrences(of: #""type":"merged""#, with: #""type":"flooded""#),
            good.replacingOccurrences(of: #""date":"2005""#, with: #""date":"2005-13""#),
            good.replacingOccurrences(of: #""date":"2005""#, with: #""date":2005"#),
            good.replacingOccurrences(of: #"[{"seed":"a.md"}]"#, with: #"[{"seed":"a.md"}"#),
            good.replacingOccurrences(of: #""unit":"kp/hungnam""#, with: #""unit":"kp/hung"#),
        ]
        for text in bad {
            #expect(throws: StoredJSON.Malformed.self, "\(text)") { try reader.event(text) }
        }
    }

    @Test func statesReadBackWhole() throws {
        var projector = Projector(schemes: try EventFolder.load(from: Fixtures.northKorea).schemes)
        let folder = try EventFolder.load(from: Fixtures.northKorea)
        let events = Corrections.effective(folder.events.enumerated().map { ScheduledEvent(event: $1.event, location: nil, order: $0 + 1) }).events
        let result = projector.fold(events)
        #expect(result.intervals.count > 300)
        for interval in result.intervals {
            #expect(try UnitState(storedJSON: interval.state.canonicalJSON) == interval.state)
        }
    }

    @Test func escapesAndNumbers() throws {
        let value = try StoredJSON.parse(#"{"a":"x\"y\\z\/\n\u00e9\ud83d\ude00","b":[1,-2.5,1e3,true,false,null],"c":{}}"#)
        #expect(value == .object([
            "a": .string("x\"y\\z/\né😀"),
            "b": .array([.number(1), .number(-2.5), .number(1000), .bool(true), .bool(false), .null]),
            "c": .object([:]),
        ]))
        #expect(throws: StoredJSON.Malformed.self) { try StoredJSON.parse(#"{"a":"#) }
        #expect(throws: StoredJSON.Malformed.self) { try StoredJSON.parse(#"{"a":1} x"#) }
        #expect(throws: StoredJSON.Malformed.self) { try StoredJSON.parse(#"[1,]"#) }
    }
}

/// The hash chain's hand-written row JSON must be byte for byte what `Canonical.json` writes,
/// or stores recorded before it would no longer verify.
@Suite struct HashRowTests {
    @Test func handWrittenRowJSONMatchesTheEncoder() throws {
        var awkward = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        awkward += ["\"", "\\", "/", "\u{7F}", "é", "함흥", "😀", "\u{2028}", "a\"b\\c/d", ""]
        for (index, text) in awkward.enumerated() {
            for nulls in [false, true] {
                let row = HashChain.Row(
                    position: index + 1, id: "id\(text)", type: "changed", unit: nulls ? nil : "kp/\(text)", target: nulls ? nil : text,
                    date: "2004?", earliest: -12_000 + index, latest: 12_345, payload: "{\"note\":\"\(text)\"}", sources: text,
                    file: nulls ? nil : "kp/\(text).yaml", line: nulls ? nil : index, recordedAt: "2026-11-23T17:00:00.000Z")
                #expect(row.canonicalJSON == (try Canonical.json(row)), "U+\(String(text.unicodeScalars.first?.value ?? 0, radix: 16))")
            }
        }
    }
}

/// What an import's worker thread prepares for each row must hash and store exactly as the row
/// itself: the recorded hash chain depends on it.
@Suite struct PreparedRowTests {
    @Test func preparedRowsAreTheRowsCanonicalTextAndTheirHashIsTheRowsHash() throws {
        var texts = PreparedRows.SourcesTexts()
        var previous = HashChain.genesis
        let folders = [try EventFolder.load(from: Fixtures.quezal), try EventFolder.load(from: Fixtures.northKorea),
                       SyntheticHistory(eventCount: 2_000, seed: 3).folder]
        for (index, located) in folders.flatMap(\.events).enumerated() {
            let event = located.event
            let scheduled = ScheduledEvent(event: event, location: located.location, order: 0)
            let prepared = PreparedRows.prepared(scheduled, recordedAt: "2026-12-02T16:00:00.000Z", sources: &texts)
            #expect(prepared.payload == (try Canonical.json(event)), "\(event.id)")
            #expect(prepared.sources == (try Canonical.json(event.sources)), "\(event.id)")
            #expect(prepared.units == Set(event.mentionedUnits).sorted())
            let row = HashChain.Row(
                position: index + 1, id: event.id, type: event.type, unit: event.unit, target: event.target, date: event.date.text,
                earliest: event.date.earliest.ordinal, latest: event.date.latest.ordinal, payload: prepared.payload,
                sources: prepared.sources, file: located.location?.file, line: located.location?.line,
                recordedAt: "2026-12-02T16:00:00.000Z")
            #expect(prepared.head + Array(String(index + 1).utf8) + prepared.tail == Array((try Canonical.json(row)).utf8))
            // The hash as the chain defines it: SHA-256 of the previous hash, a line feed and the row's JSON, in one piece.
            let whole = SHA256.hash(data: Array((previous + "\n" + (try Canonical.json(row))).utf8))
            let expected = whole.map { String(format: "%02x", $0) }.joined()
            let hash = HashChain.hash(head: prepared.head, position: index + 1, tail: prepared.tail, after: previous)
            #expect(hash == expected)
            #expect(HashChain.hash(of: row, after: previous) == expected)
            previous = hash
        }
    }

    /// Texts are kept per list of sources: equal lists stored apart, and lists that differ, each
    /// get their own text.
    @Test func sourcesTextsFollowTheList() throws {
        var texts = PreparedRows.SourcesTexts()
        let a = [Source(title: "A", url: "https://example.org/a")]
        var b = a
        b.append(Source(title: "B"))
        let c = [Source(title: "A", url: "https://example.org/a")]
        #expect(texts.text(of: a) == (try Canonical.json(a)))
        #expect(texts.text(of: b) == (try Canonical.json(b)))
        #expect(texts.text(of: c) == (try Canonical.json(c)))
        #expect(texts.text(of: a) == (try Canonical.json(a)))
        #expect(texts.text(of: []) == "[]")
    }
}

/// The projection's hand-written state JSON must be byte for byte what `Canonical.json` writes:
/// `verify` compares stored rows with a fresh projection's, and stores written by either must agree.
@Suite struct StateJSONTests {
    @Test func handWrittenStateJSONMatchesTheEncoder() throws {
        var awkward = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        awkward += ["\"", "\\", "/", "\u{7F}", "é", "함흥", "😀", "\u{2028}", "a\"b\\c/d", "", "Hamhŭng"]
        var states: [UnitState] = []
        for text in awkward {
            states.append(UnitState(names: ["en": text], level: "city", parent: "kp/\(text)"))
            states.append(UnitState(names: ["en": "A", "ko": text, "mr": "B\(text)", "\(text)x": "C"], level: text, parent: nil,
                                    codes: ["iso3166-2": text, "a": "1"], coordinate: Coordinate(lat: 41.5, lon: -129.25)))
        }
        states.append(UnitState(names: [:], level: "province", parent: nil, coordinate: Coordinate(lat: 40, lon: 1e-7)))
        // Keys that sort differently by UTF-8 bytes than by Unicode scalars or case.
        states.append(UnitState(names: ["Z": "1", "a": "2", "é": "3", "z": "4", "ko-Latn": "5", "ko": "6"], level: "x", parent: "kp"))
        for state in states {
            #expect(state.canonicalJSON == (try Canonical.json(state)), "\(state)")
        }
    }
}

/// The hand-written payload writer must be byte for byte what JSONEncoder writes.
@Suite struct CanonicalWriterTests {
    @Test func payloadsMatchTheEncoder() throws {
        for event in try StoredJSONTests.allEvents() {
            #expect(CanonicalWriter.event(event) == (try Canonical.json(event)), "\(event.id)")
            #expect(CanonicalWriter.sources(event.sources) == (try Canonical.json(event.sources)), "\(event.id)")
        }
    }

    @Test func numbersAndKeysMatchTheEncoder() throws {
        var generator = SeededGenerator(state: 99)
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 1e-7, 1e21, 123456789012345680, 0.1 + 0.2, 39.0392, 125.7625, 1e300, Double.leastNonzeroMagnitude]
        for _ in 0..<2_000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &generator)
            let value = Double(bitPattern: bits)
            if value.isFinite { values.append(value) }
            values.append(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / Double([1, 10, 100, 1000, 7].randomElement(using: &generator)!))
        }
        for value in values {
            #expect(CanonicalWriter.number(value) == (try Canonical.json(value)), "\(value)")
        }
        let keys = ["sx/t10", "sx/t9", "sx/T1", "a-b", "a_b", "ab", "Ab", "é", "e", "z", "mr-ascii", "mr", "10", "9", ""]
        let map = Dictionary(uniqueKeysWithValues: keys.map { ($0, "v") })
        #expect(CanonicalWriter.object(map) == (try Canonical.json(map)))
    }
}

@Suite struct NameFoldingTests {
    /// The ASCII shortcut folds as Foundation's folding does.
    @Test func asciiShortcutAgreesWithTheGeneralFolding() {
        var generator = SeededGenerator(state: 3)
        var samples = ["Rason", "Rajin-Sonbong", "P'yŏngyang", "Hamheung", "KAE SONG", "O'Neill 12", "a_b.c", "\t~!@#$%^&*()"]
        for _ in 0..<2_000 {
            samples.append(String(decoding: (0..<Int.random(in: 0...12, using: &generator)).map { _ in UInt8.random(in: 0...127, using: &generator) }, as: UTF8.self))
        }
        for text in samples where text.utf8.allSatisfy({ $0 < 0x80 }) {
            #expect(NameFolding.fold(text) == NameFolding.general(text), "\(text.debugDescription)")
        }
    }
}

@Suite struct ParallelTests {
    struct Odd: Error {}

    @Test func keepsOrderAndPassesErrorsOn() throws {
        let values = Array(0..<50_000)
        #expect(Parallel.map(values) { $0 * 3 } == values.map { $0 * 3 })
        #expect(try Parallel.map(values) { (v: Int) throws -> String in String(v) } == values.map(String.init))
        #expect(throws: Odd.self) { try Parallel.map(values) { (v: Int) throws -> Int in if v == 40_001 { throw Odd() }; return v } }
        #expect(Parallel.map([1, 2, 3]) { $0 + 1 } == [2, 3, 4])
    }

    /// A map that takes its values may change them (a view takes over its interval's names) and
    /// keeps the order, on several threads and on one.
    @Test func aTakingMapKeepsOrderAndLeavesWhatTheTransformLeft() {
        for count in [3, 50_000] {
            var values = (0..<count).map { "value \($0)" }
            let made = Parallel.map(taking: &values) { value in taking(&value, leaving: "") + "!" }
            #expect(made == (0..<count).map { "value \($0)!" })
            #expect(values == Array(repeating: "", count: count))
        }
    }

    /// Counts its own live instances (apart from ``Counted``, which another test counts at the same time).
    final class Held: Sendable {
        static let live = Mutex(0)
        let value: Int
        init(_ value: Int) { self.value = value; Held.live.withLock { $0 += 1 } }
        deinit { Held.live.withLock { $0 -= 1 } }
    }

    /// Chunks made on other threads are joined in order by moving their elements: the joined
    /// array holds the only reference to each (a copy would leave the chunk one as well), and a
    /// chunk never joined (a rebuild that failed) lets go of what it holds.
    @Test func chunksAreJoinedInOrderByMovingTheirElements() {
        do {
            let chunks = [0..<3, 3..<3, 3..<7].map { range in
                let chunk = Parallel.Chunk<Held>(capacity: range.count)
                for value in range { chunk.append(Held(value)) }
                return chunk
            }
            #expect(chunks.map(\.count) == [3, 0, 4])
            var joined = Parallel.Chunk.joined(chunks)
            #expect(joined.map(\.value) == Array(0..<7))
            #expect(chunks.allSatisfy { $0.count == 0 })
            #expect(joined.indices.allSatisfy { isKnownUniquelyReferenced(&joined[$0]) })
            #expect(Held.live.withLock { $0 } == 7)
        }
        #expect(Held.live.withLock { $0 } == 0)
        do {
            let unjoined = Parallel.Chunk<Held>(capacity: 4)
            unjoined.append(Held(1))
            unjoined.append(Held(2))
            #expect(Held.live.withLock { $0 } == 2)
        }
        #expect(Held.live.withLock { $0 } == 0)
        #expect(Parallel.Chunk<Held>.joined([]).isEmpty)
    }

    /// Counts its live instances, to see that a map that fails releases what it had made.
    final class Counted: Sendable {
        static let live = Mutex(0)
        init() { Counted.live.withLock { $0 += 1 } }
        deinit { Counted.live.withLock { $0 -= 1 } }
    }

    @Test func aFailedMapReleasesWhatItMade() throws {
        let values = Array(0..<50_000)
        for failing in [0, 1_000, 24_999, 25_000, 30_000, 49_999] {
            #expect(throws: Odd.self) {
                try Parallel.map(values) { (v: Int) throws -> Counted in if v == failing { throw Odd() }; return Counted() }
            }
            #expect(Counted.live.withLock { $0 } == 0, "failing at \(failing)")
        }
        var made: [Counted]? = Parallel.map(values) { _ in Counted() }
        #expect(made?.count == values.count)
        #expect(Counted.live.withLock { $0 } == values.count)
        made = nil
        #expect(Counted.live.withLock { $0 } == 0)
    }
}

/// Rows written through SQLite's C interface hold exactly the values bound, text bound in place.
@Suite struct BulkInsertTests {
    @Test func boundValuesAreStoredAsGiven() throws {
        let queue = try DatabaseQueue()
        let awkward = ["", "a", "함흥", "😀 x", String(repeating: "long ", count: 2_000), "\"quoted\""]
        let rows: [[String?]] = try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a, b, c, d, e)")
            let insert = try BulkInsert(db, "INSERT INTO t (a, b, c, d, e) VALUES (?, ?, ?, ?, ?)")
            for (index, text) in awkward.enumerated() {
                let other = awkward[(index + 1) % awkward.count]
                try Array(other.utf8).withUnsafeBufferPointer { buffer in
                    try insert.execute(.text(text), .integer(index), .text(nil), .utf8(buffer), .text(other + text))
                }
            }
            return try Row.fetchAll(db, sql: "SELECT a, typeof(a), typeof(c), d, e FROM t ORDER BY b").map { row in
                [row[0], row[1], row[2], row[3], row[4]]
            }
        }
        #expect(rows.count == awkward.count)
        for (index, text) in awkward.enumerated() {
            let other = awkward[(index + 1) % awkward.count]
            #expect(rows[index] == [text, "text", "null", other, other + text], "row \(index)")
        }
    }
}
