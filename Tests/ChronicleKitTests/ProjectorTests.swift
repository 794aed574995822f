import Testing
@testable import ChronicleKit

/// As-of answers on Quezal, the invented country that exercises every event kind.
@Suite struct ProjectorTests {
    let store: EventStore

    init() throws { store = try Fixtures.store(Fixtures.quezal) }

    @Test(arguments: [
        ("1919-12-31", "qz/port", "town", "qz/alpha"),
        ("1920-05-01", "qz/port", "capital", "qz"),
        ("1929-12-31", "qz/mill", "town", "qz/beta"),
        ("1930-01-01", "qz/mill", "town", "qz/alpha"),
        ("1940-06-30", "qz/gamma", "district", "qz/south"),
        ("1940-07-01", "qz/gamma", "district", "qz/southwest"),
        ("1940-07-01", "qz/delta", "district", "qz/southeast"),
        ("1950-03-01", "qz/beta", "district", "qz/north"),
        ("1969-12-31", "qz/mill", "town", "qz/alpha"),
        ("1970-01-01", "qz/mill", "town", "qz/beta"),
    ])
    func levelAndParentOnADay(date: String, unit: String, level: String, parent: String) throws {
        let state = try #require(try store.state(of: unit, on: day(date)))
        #expect(state.state.level == level)
        #expect(state.state.parent == parent)
    }

    @Test(arguments: [
        ("1929-12-31", "qz/beta", true), ("1930-01-01", "qz/beta", false), ("1950-03-01", "qz/beta", true),
        ("1940-06-30", "qz/south", true), ("1940-07-01", "qz/south", false),
        ("1940-06-30", "qz/southwest", false), ("1940-07-01", "qz/southwest", true),
        ("1965-12-30", "qz/east", true), ("1965-12-31", "qz/east", false),
        ("1899-12-31", "qz", false),
    ])
    func existenceOnADay(date: String, unit: String, exists: Bool) throws {
        #expect((try store.state(of: unit, on: day(date)) != nil) == exists)
    }

    /// A unit may not be put under one of its own descendants, whether the fold knows every unit
    /// (a rebuild, which skips the walk up the chain for a unit with no children) or reads them
    /// from the store as it meets them (a catch-up); a unit without children moves freely.
    @Test func noUnitBecomesItsOwnAncestor() throws {
        let ward = EventFileReader.readEvents("""
            - id: qz-w1
              type: established
              unit: qz/w1
              date: "1980"
              names: {en: Ward One}
              level: ward
              parent: qz/mill
              sources: [{title: Test}]
            """, file: "Events/qz/98.yaml").events
        let cycle = EventFileReader.readEvents("""
            - id: qz-mill-1981
              type: changed
              unit: qz/mill
              date: "1981"
              to: {parent: qz/w1}
              sources: [{title: Test}]
            """, file: "Events/qz/99.yaml").events
        let message = "event qz-mill-1981 would make qz/mill its own ancestor (qz/mill → qz/w1 → qz/mill)"
        var whole = try EventFolder.load(from: Fixtures.quezal)
        whole.events += ward + cycle
        do {
            try EventStore.inMemory().record(whole, at: Fixtures.recordedAt)
            Issue.record("the rebuild accepted a cycle")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.map(\.message) == [message])
        }
        var first = try EventFolder.load(from: Fixtures.quezal)
        first.events += ward
        let store = try EventStore.inMemory()
        try store.record(first, at: Fixtures.recordedAt)
        do {
            try store.record(EventFolder(schemes: [], events: cycle), at: Fixtures.recordedAt, complete: false)
            Issue.record("the catch-up accepted a cycle")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.map(\.message) == [message])
        }
        // The ward itself, which has no children, may move under another town.
        let moved = EventFileReader.readEvents("""
            - id: qz-kiln
              type: established
              unit: qz/kiln
              date: "1980"
              names: {en: Kiln}
              level: town
              parent: qz/beta
              sources: [{title: Test}]
            - id: qz-w1-1982
              type: changed
              unit: qz/w1
              date: "1982"
              to: {parent: qz/kiln}
              sources: [{title: Test}]
            """, file: "Events/qz/99.yaml").events
        var fine = try EventFolder.load(from: Fixtures.quezal)
        fine.events += ward + moved
        let rebuilt = try EventStore.inMemory()
        try rebuilt.record(fine, at: Fixtures.recordedAt)
        #expect(try rebuilt.state(of: "qz/w1", on: day("1982-06-01"))?.state.parent == "qz/kiln")
    }

    /// A unit's names are checked when they are given: a key the scheme does not know, an empty
    /// name, no name in the common form.
    @Test(arguments: [
        ("{en: Kiln, fr: Four}", "event qz-kiln gives qz/kiln a name under 'fr', which is not a name key of the qz scheme (en, local, local-ascii)"),
        ("{en: \"  \"}", "event qz-kiln gives qz/kiln an empty name under 'en'"),
        ("{local: Kíln}", "event qz-kiln leaves qz/kiln without a name under 'en', the scheme's common form"),
    ])
    func namesAreCheckedWhenGiven(names: String, message: String) throws {
        var folder = try EventFolder.load(from: Fixtures.quezal)
        folder.events += EventFileReader.readEvents("""
            - id: qz-kiln
              type: established
              unit: qz/kiln
              date: "1980"
              names: \(names)
              level: town
              parent: qz/beta
              sources: [{title: Test}]
            """, file: "Events/qz/99.yaml").events
        do {
            try EventStore.inMemory().record(folder, at: Fixtures.recordedAt)
            Issue.record("the names were accepted")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.map(\.message) == [message])
        }
    }

    /// A new level must suit the unit's children; a change that keeps the level (a rename) is not
    /// held up by them.
    @Test func aNewLevelMustSuitTheChildren() throws {
        func record(_ yaml: String) throws {
            var folder = try EventFolder.load(from: Fixtures.quezal)
            folder.events += EventFileReader.readEvents(yaml, file: "Events/qz/99.yaml").events
            try EventStore.inMemory().record(folder, at: Fixtures.recordedAt)
        }
        do {
            try record("""
                - id: qz-beta-1980
                  type: changed
                  unit: qz/beta
                  date: "1980"
                  to: {level: town}
                  sources: [{title: Test}]
                """)
            Issue.record("a district with a town in it became a town")
        } catch let error as DiagnosticsError {
            #expect(error.diagnostics.map(\.message) == ["event qz-beta-1980 makes qz/beta a town, but its child qz/mill (town) may not sit under a town"])
        }
        try record("""
            - id: qz-beta-1980
              type: changed
              unit: qz/beta
              date: "1980"
              to: {names: {en: Beta Vale}}
              sources: [{title: Test}]
            """)
    }

    @Test func aCorrectionMovesTheDateOfTheEventItCorrects() throws {
        #expect(try store.state(of: "qz/north", on: day("1961-02-28"))?.state.names["en"] == "North")
        #expect(try store.state(of: "qz/north", on: day("1961-03-01"))?.state.names["en"] == "Northland")
    }

    @Test func aRetractedEventIsNeverApplied() throws {
        let names = try store.intervals(of: "qz/mill").map { $0.state.names["en"] }
        #expect(names == ["Mill", "Mill", "Mill"])
    }

    @Test func uncertaintySpansThePrimaryAndAlternativeDates() throws {
        for date in ["1970-01-01", "1971-06-01", "1972-12-31"] {
            let reasons = try store.uncertainties(on: day(date))["qz/mill"] ?? []
            #expect(reasons.map(\.event) == ["qz-mill-1970-transferred"], "on \(date)")
        }
        #expect(try store.uncertainties(on: day("1969-12-31"))["qz/mill"] == nil)
        #expect(try store.uncertainties(on: day("1973-01-01"))["qz/mill"] == nil)
        #expect(try store.uncertainties(on: day("1971-06-01")).keys.sorted() == ["qz/mill"])
    }

    @Test func aSplitCarriesItsWeights() throws {
        let events = try store.events(withIDs: ["qz-south-1940-split"])
        guard case .split(_, let into, let weights, _) = events["qz-south-1940-split"]?.event.action else {
            Issue.record("the split event was not stored as a split")
            return
        }
        #expect(into == ["qz/southwest", "qz/southeast"])
        #expect(weights == ["qz/southwest": 0.6, "qz/southeast": 0.4])
    }

    @Test func theProjectedHierarchyKeepsItsInvariants() throws {
        #expect(try store.checkInvariants() == [])
    }

    @Test func snapshotUnderAUnitHoldsItsDescendantsOnly() throws {
        let snapshot = try Snapshot.load(from: store, on: day("1951-01-01"), under: "qz/north")
        #expect(snapshot.units.map(\.id) == ["qz/alpha", "qz/beta", "qz/mill", "qz/north"])
    }

    @Test func historyDescribesEachChangeInWords() throws {
        let history = try HistoryEntry.history(of: "qz/mill", in: store)
        #expect(history.map(\.description) == [
            "already in existence when first recorded, as town under Beta",
            "moved to Alpha when Beta merged",
            "changed (not applied): name en Old Mill",
            "rejoined Beta",
            "retracted event qz-mill-1968-renamed: The careless gazetteer confused Mill with another town.",
        ])
        #expect(history[2].retractedBy == "qz-mill-1968-renamed-retracted")
        let port = try HistoryEntry.history(of: "qz/port", in: store).map(\.description)
        #expect(port == [
            "already in existence when first recorded, as town under Alpha",
            "promoted from town to capital city; separated from Alpha; codes changed (iso: none → QZ-P)",
        ])
    }

    @Test(arguments: [
        ("Nordland", "qz/north"), ("nórdland", "qz/north"), ("NORTH", "qz/north"),
        ("port rojal", "qz/port"), ("PórtRojál", "qz/port"), ("Kezal", "qz"),
    ])
    func searchIgnoresCaseDiacriticsAndSpaces(name: String, unit: String) throws {
        #expect(try store.search(name).first?.unit == unit)
    }

    @Test func searchFindsFormerNames() throws {
        let match = try #require(try store.search("North", on: day("1990-01-01")).first)
        #expect(match.unit == "qz/north")
        #expect(match.former)
        #expect(try store.resolve("North") == "qz/north")
    }
}
