import Foundation
import Testing
@testable import ChronicleKit

/// Names, level names and local names come from each unit's own scheme, in a store that holds two countries.
@Suite struct NamerTests {
    static func twoCountries() throws -> EventStore {
        let quezal = try EventFolder.load(from: Fixtures.quezal)
        let korea = try EventFolder.load(from: Fixtures.northKorea)
        let store = try EventStore.inMemory()
        try store.record(EventFolder(schemes: quezal.schemes + korea.schemes, events: quezal.events + korea.events), at: Fixtures.recordedAt)
        return store
    }

    @Test func eachUnitIsNamedByItsCountrysScheme() throws {
        let store = try NamerTests.twoCountries()
        let schemes = Dictionary(uniqueKeysWithValues: try store.schemes().map { ($0.country, $0) })
        let views = try Snapshot.load(from: store, on: day("2000-01-01")).units
        #expect(Set(views.map { Projector.country(of: $0.id) }) == ["kp", "qz"])
        for view in views {
            // What the scheme says, read straight from it.
            let scheme = try #require(schemes[Projector.country(of: view.id)])
            let level = try #require(scheme.levels.first { $0.code == view.level })
            #expect(view.levelName == level.names[scheme.commonNameKey] ?? level.names["en"] ?? level.code)
            #expect(view.name == view.names[scheme.commonNameKey])
            let local = scheme.nameKeys.compactMap { view.names[$0.key] }.first { name in
                name.unicodeScalars.contains { $0.value >= 0x0250 && !(0x1E00...0x1EFF).contains($0.value) && $0.properties.isAlphabetic }
            }
            #expect(view.localName == local)
        }
        // Korean units have a local name in Hangul; Quezalan ones are written in Latin letters only.
        #expect(views.filter { $0.id.hasPrefix("kp/") }.allSatisfy { $0.localName != nil })
        #expect(views.filter { $0.id.hasPrefix("qz/") }.allSatisfy { $0.localName == nil })
    }

    @Test func aUnitOutsideEverySchemeKeepsItsCodes() throws {
        let namer = try Namer(store: try NamerTests.twoCountries())
        let state = UnitState(names: ["local": "Kapa", "en": "Kappa"], level: "do", parent: nil)
        // `kpx/…` is not `kp/…`: the country is the part of the id before the first slash.
        for unit in ["kpx/a", "zz", "zz/kp/a"] {
            #expect(namer.scheme(of: unit) == nil)
            #expect(namer.levelName("do", of: unit) == "do")
            #expect(namer.name(of: unit, state) == "Kappa")
        }
        #expect(namer.scheme(of: "kp")?.country == "kp")
        #expect(namer.scheme(of: "kp/rason")?.country == "kp")
        #expect(namer.levelName("do", of: "kp/x") == "province")
        #expect(namer.levelName("do", of: "kp") == "province")
        #expect(namer.name(of: "zz", UnitState(names: ["b": "Beta", "a": "Alpha"], level: "x", parent: nil)) == "Alpha")
    }
}
