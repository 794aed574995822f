import Testing
@testable import ChronicleKit

/// The facts the seed documents state, asserted on the bundled North Korean events.
@Suite struct NorthKoreaTests {
    let store: EventStore

    init() throws { store = try Fixtures.store(Fixtures.northKorea) }

    @Test func theEventFilesAreValid() throws {
        #expect(try EventFolder.load(from: Fixtures.northKorea).validate() == [])
        #expect(try store.checkInvariants() == [])
    }

    @Test(arguments: [
        ("1995-06-01", "chikhalsi", "kp"),
        ("2006-01-01", "si", "kp/north-hamgyong"),
        ("2011-01-01", "teukbyeolsi", "kp"),
    ])
    func rasonsThreeStatuses(date: String, level: String, parent: String) throws {
        let state = try #require(try store.state(of: "kp/rason", on: day(date)))
        #expect(state.state.level == level)
        #expect(state.state.parent == parent)
    }

    @Test func rasonWasCalledRajinSonbongAtFirst() throws {
        #expect(try store.state(of: "kp/rason", on: day("1995-06-01"))?.state.names["en"] == "Rajin-Sonbong")
        #expect(try store.resolve("Rajin-Sonbong") == "kp/rason")
    }

    @Test func pyongyangLeftSouthPyonganIn1946() throws {
        #expect(try store.state(of: "kp/pyongyang", on: day("1946-01-01"))?.state.parent == "kp/south-pyongan")
        let after = try #require(try store.state(of: "kp/pyongyang", on: day("1947-01-01")))
        #expect(after.state.parent == "kp")
        #expect(try store.state(of: "kp/pyongyang", on: day("2012-01-01"))?.state.level == "chikhalsi")
    }

    @Test func hungnamJoinedHamhungIn2005() throws {
        #expect(try store.state(of: "kp/hungnam", on: day("2004-06-01")) != nil)
        #expect(try store.state(of: "kp/hungnam", on: day("2006-01-01")) == nil)
        let merge = try HistoryEntry.history(of: "kp/hungnam", in: store).last
        #expect(merge?.description == "merged into Hamhung")
        #expect(merge?.date == "2005")
    }

    @Test(arguments: [
        ("kp/kaesong", "kp/north-hwanghae"), ("kp/chongjin", "kp/north-hamgyong"),
        ("kp/hamhung", "kp/south-hamgyong"), ("kp/nampo", "kp/south-pyongan"),
    ])
    func formerSpecialCitiesAreBackInTheirProvinces(unit: String, province: String) throws {
        let intervals = try store.intervals(of: unit)
        #expect(intervals.contains { $0.state.parent == "kp" }, "\(unit) was once directly under the country")
        #expect(try store.state(of: unit, on: day("2012-01-01"))?.state.parent == province)
    }

    @Test func theProvincialCitiesOf2012() throws {
        let expected: [String: [String]] = [
            "kp/south-pyongan": ["Anju", "Kaechon", "Nampo", "Pyongsong", "Sunchon", "Tokchon"],
            "kp/north-pyongan": ["Chongju", "Kusong", "Sinuiju"],
            "kp/south-hwanghae": ["Haeju"],
            "kp/north-hwanghae": ["Kaesong", "Sariwon", "Songrim"],
            "kp/kangwon": ["Munchon", "Wonsan"],
            "kp/south-hamgyong": ["Hamhung", "Sinpo", "Tanchon"],
            "kp/north-hamgyong": ["Chongjin", "Hoeryong", "Kimchaek"],
            "kp/chagang": ["Huichon", "Kanggye", "Manpo"],
            "kp/ryanggang": ["Hyesan"],
        ]
        let snapshot = try Snapshot.load(from: store, on: day("2012-01-31"))
        let cityLevels: Set<String> = ["si", "tukkupsi", "teukbyeolsi"]
        for (province, cities) in expected {
            let found = snapshot.units.filter { $0.parent == province && cityLevels.contains($0.level) }.map(\.name).sorted()
            #expect(found == cities, "cities of \(province)")
        }
        let firstLevel = snapshot.units.filter { $0.parent == "kp" }.map(\.id).sorted()
        #expect(firstLevel == [
            "kp/chagang", "kp/kaesong-industrial-region", "kp/kangwon", "kp/kumgang-tourist-region", "kp/north-hamgyong",
            "kp/north-hwanghae", "kp/north-pyongan", "kp/pyongyang", "kp/rason", "kp/ryanggang", "kp/sinuiju-sar",
            "kp/south-hamgyong", "kp/south-hwanghae", "kp/south-pyongan",
        ])
    }

    @Test(arguments: ["Hamheung", "함흥", "hamhŭng", "Hamhung", "咸興"])
    func hamhungByAnyName(name: String) throws {
        #expect(try store.resolve(name) == "kp/hamhung")
    }

    @Test func everyEventCitesASource() throws {
        for stored in try store.events() {
            #expect(!stored.event.sources.isEmpty, "\(stored.event.id)")
            for source in stored.event.sources {
                #expect(source.seed != nil || (source.title != nil && source.url != nil), "\(stored.event.id)")
            }
        }
    }
}
