import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import ChronicleKit

/// The SVG timeline is well-formed XML with a row per unit and a span per status.
@Suite struct ChartTests {
    /// Counts elements by class, per row, while parsing the SVG as XML.
    final class Census: NSObject, XMLParserDelegate {
        var rows: [String] = []
        var spans: [String: [String]] = [:]
        var classes: [String: Int] = [:]
        private var current: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if let cls = attributes["class"] { classes[cls, default: 0] += 1 }
            if name == "g", attributes["class"] == "row", let unit = attributes["data-unit"] {
                rows.append(unit)
                current = unit
            }
            if name == "rect", attributes["class"] == "span", let current { spans[current, default: []].append(attributes["fill"] ?? "") }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "g" { current = nil }
        }
    }

    static func census(_ svg: String) throws -> Census {
        let parser = XMLParser(data: Data(svg.utf8))
        let census = Census()
        parser.delegate = census
        #expect(parser.parse(), "the SVG parses as XML: \(String(describing: parser.parserError))")
        return census
    }

    @Test func rasonShowsEachStatusSince1993AsItsOwnSpan() throws {
        let store = try Fixtures.store(Fixtures.northKorea)
        let chart = try TimelineChart.load(units: ["kp/rason"], from: day("1990"), until: day("2013"), store: store)
        let census = try ChartTests.census(chart.svg(title: "Rason"))
        #expect(census.rows == ["kp/rason"])
        let spans = try #require(census.spans["kp/rason"])
        #expect(spans.count == 3, "directly governed city, city, special city")
        #expect(Set(spans).count == 3, "each status has its level's colour")
        #expect(census.classes["parent-change"] == 2, "1993 does not change a parent: 2004 and 2010 do")
        #expect((census.classes["event"] ?? 0) >= 4)
        #expect((census.classes["uncertain"] ?? 0) >= 1, "the disputed 1993/1994 date is hatched")
    }

    @Test func oneRowPerRequestedUnitAndNamesEscaped() throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        folder.events += EventFileReader.readEvents("""
            - id: qz-port-1926-renamed
              type: changed
              unit: qz/port
              date: "1926"
              to: {names: {en: "Port <Royal> & \\"Sons\\""}}
              sources: [{title: "A <b>title</b>", url: "https://example.org/?a=1&b=2"}]
            """, file: "Events/qz/99.yaml").events
        let store = try EventStore.inMemory()
        try store.record(folder, at: Fixtures.recordedAt)
        let units = try TimelineChart.select(under: "qz", depth: 1, levels: [], from: day("1900"), until: day("2000"), store: store)
        #expect(units == ["qz/east", "qz/north", "qz/port", "qz/south", "qz/southeast", "qz/southwest", "qz/coast", "qz/hills"])
        let svg = try TimelineChart.load(units: units, from: day("1900"), until: day("2000"), store: store).svg(title: "Quezal & <co>")
        let census = try ChartTests.census(svg)
        #expect(census.rows.count == units.count)
        #expect(Set(census.rows) == Set(units))
        #expect(svg.contains("Port &lt;Royal&gt; &amp; &quot;Sons&quot;"))
        #expect(!svg.contains("<Royal>"))
        #expect(!svg.contains("<b>title</b>"))
    }

    @Test func siteFileNamesStayInsideTheFolder() {
        #expect(Markup.fileName(for: "kp/rason") == "kp~rason")
        #expect(Markup.fileName(for: "../../etc/passwd") == "~x2e~~x2e~~~x2e~~x2e~~etc~passwd")
        #expect(!Markup.fileName(for: "a/../../b").contains("/"))
        #expect(Markup.fileName(for: "a/b") != Markup.fileName(for: "a__b"))
        #expect(Markup.escape("<script>alert('x')</script>") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    }
}
