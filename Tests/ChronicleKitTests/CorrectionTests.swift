import Testing
@testable import ChronicleKit

@Suite struct CorrectionTests {
    static let original = EventFileReader.readEvents("""
        - id: qz-x
          type: changed
          unit: qz/port
          date: "1926"
          to: {names: {en: Port}}
          note: A first reading.
          sources: [{title: "Old", url: "https://example.org/old"}]
        """, file: "f.yaml").events[0].event

    @Test func dateSourcesAlternativesAndNoteAreReplaced() throws {
        let corrected = try CorrectionTests.original.applying([
            "date": .string("1927-03"),
            "note": .null,
            "sources": .array([.object(["title": .string("New"), "url": .string("https://example.org/new")])]),
            "alternatives": .array([.object(["date": .string("1928"), "sources": .array([.object(["seed": .string("s.txt")])])])]),
        ])
        #expect(corrected.date.text == "1927-03")
        #expect(corrected.note == nil)
        #expect(corrected.sources == [Source(title: "New", url: "https://example.org/new")])
        #expect(corrected.alternatives == [Event.AlternativeDate(date: try EDTFDate("1928"), sources: [Source(seed: "s.txt")])])
        #expect(corrected.action == CorrectionTests.original.action)
    }

    @Test func otherFieldsGoThroughTheWholeEvent() throws {
        let corrected = try CorrectionTests.original.applying(["to": .object(["names": .object(["en": .string("Port Royal")])])])
        #expect(corrected.action == .changed(unit: "qz/port", to: .init(names: ["en": "Port Royal"])))
        #expect(corrected.note == "A first reading.")
    }

    @Test func badValuesAndForbiddenFieldsSaySo() {
        #expect(throws: (any Error).self) { try CorrectionTests.original.applying(["date": .string("1926-13")]) }
        #expect(throws: (any Error).self) { try CorrectionTests.original.applying(["unit": .string("qz/other")]) }
        #expect(throws: (any Error).self) { try CorrectionTests.original.applying(["into": .string("qz/other")]) }
    }
}
