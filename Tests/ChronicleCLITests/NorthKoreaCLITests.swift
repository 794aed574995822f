import Foundation
import Testing

/// What the foundation issue asks `chronicle` to show on the bundled North Korean events.
@Suite struct NorthKoreaCLITests {
    struct Unit: Decodable {
        var id: String
        var name: String
        var names: [String: String]
        var level: String
        var parent: String?
        var codes: [String: String]
        var uncertain: Bool
    }

    @Test(arguments: [
        ("1995-06-01", "chikhalsi", "kp"),
        ("2006-01-01", "si", "kp/north-hamgyong"),
        ("2011-01-01", "teukbyeolsi", "kp"),
    ])
    func showRason(date: String, level: String, parent: String) throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        let run = try cli.run("show", "Rason", "--asof", date, "--format", "json")
        #expect(run.status == 0)
        let unit = try JSONDecoder().decode(Unit.self, from: Data(run.stdout.utf8))
        #expect(unit.id == "kp/rason")
        #expect(unit.level == level)
        #expect(unit.parent == parent)
    }

    @Test func asofGivesEveryUnitWithTheFixedKeys() throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        let run = try cli.run("asof", "2006-01-01", "--format", "json")
        #expect(run.status == 0)
        let units = try JSONDecoder().decode([Unit].self, from: Data(run.stdout.utf8))
        #expect(units.filter { $0.parent == nil }.map(\.id) == ["kp"])
        #expect(units.first { $0.id == "kp/rason" }?.uncertain == false)
        #expect(units.first { $0.id == "kp/hamhung" }?.names["ko"] == "함흥")
    }

    @Test(arguments: ["Hamheung", "함흥", "hamhŭng"])
    func searchFindsHamhung(name: String) throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        let run = try cli.run("search", name)
        #expect(run.status == 0)
        let firstRow = run.stdout.split(separator: "\n").dropFirst().first ?? ""
        #expect(firstRow.hasPrefix("kp/hamhung "), "search \(name)")
    }

    @Test func historyOfRasonListsEveryChangeWithItsSource() throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        let run = try cli.run("history", "Rason")
        #expect(run.status == 0)
        for line in [
            "1993        established as directly governed city under North Korea",
            "2000-08     renamed from Rajin-Sonbong to Rason",
            "2004-01     demoted from directly governed city to city; joined North Hamgyong",
            "2010-01-04  promoted from city to special city; separated from North Hamgyong",
        ] {
            #expect(run.stdout.contains(line + "\n"), "history shows: \(line)")
        }
        #expect(run.stdout.contains("source: seed 000_1717ac98d1e9678e.txt"))
    }

    /// The seed gives Rason's 2004 change by year only; a store whose 2004 event has year
    /// precision must flag Rason as uncertain inside that year, and not after it.
    @Test func aYearPrecisionDateMakesTheUnitUncertainInsideThatYear() throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        try cli.write("""
            - id: kp-rason-2004-date-to-year-precision
              type: corrected
              corrects: kp-rason-2004-rejoined-north-hamgyong
              date: "2026-11-23"
              set: {date: "2004"}
              sources: [{seed: 000_1717ac98d1e9678e.txt, note: "Rason was rejoined with Hamgyongbuk-do in 2004 (year only)"}]
            """, to: "Events/kp/99-test-correction.yaml")
        let during = try JSONDecoder().decode([Unit].self, from: Data(try cli.run("asof", "2004-06-01", "--format", "json").stdout.utf8))
        let rason = try #require(during.first { $0.id == "kp/rason" })
        #expect(rason.uncertain)
        #expect(rason.parent == "kp/north-hamgyong")
        let after = try JSONDecoder().decode([Unit].self, from: Data(try cli.run("asof", "2006-01-01", "--format", "json").stdout.utf8))
        #expect(after.first { $0.id == "kp/rason" }?.uncertain == false)
    }
}
