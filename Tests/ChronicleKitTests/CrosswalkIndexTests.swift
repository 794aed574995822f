import Foundation
import Testing
@testable import ChronicleKit

/// The crosswalk applies each event only to the origins it can change (`Crosswalk.HolderIndex`);
/// what it gives must be what applying every event to every origin gives.
@Suite struct CrosswalkIndexTests {
    /// The crosswalk as it was composed before the index: every event applied to every origin,
    /// the events read as stored rows, each unit's name looked up on its own.
    static func composedByScanning(_ first: Day, _ second: Day, in store: EventStore) throws -> Crosswalk {
        let forward = first <= second
        let stored = try store.events()
        let effective = Corrections.effective(stored.map(\.scheduled)).events
            .filter { forward ? ($0.day > first && $0.day <= second) : ($0.day > second && $0.day <= first) }
            .sorted(by: ScheduledEvent.precedes)
        let origins = try store.states(on: first).map(\.unit)
        var holders = Dictionary(origins.map { ($0, [Crosswalk.Holder(unit: $0, weight: 1)]) }, uniquingKeysWith: { a, _ in a })
        var steps: [Crosswalk.Step] = []
        let namer = try Namer(store: store)
        let events = forward ? effective : effective.reversed()
        // For restorations: the unit each restored unit had last been merged into, and when.
        var mergedInto: [UnitID: (into: UnitID, day: Day)] = [:]
        for scheduled in Corrections.effective(stored.map(\.scheduled)).events.sorted(by: ScheduledEvent.precedes) {
            if case .merged(let unit, let into, _) = scheduled.event.action { mergedInto[unit] = (into, scheduled.day) }
        }

        for scheduled in events {
            let event = scheduled.event
            for origin in origins {
                let before = holders[origin]!
                let after = Crosswalk.apply(event, to: before, forward: forward, namer: namer, store: store, mergedInto: mergedInto,
                                  windowStart: min(first, second))
                if after != before {
                    let relation = after.flatMap(\.relations).last ?? "changed"
                    if before.map(\.unit) != after.map(\.unit) || relation != "changed" || after.flatMap(\.events) != before.flatMap(\.events) {
                        steps.append(Crosswalk.Step(from: origin, date: event.date.text, event: event.id, relation: relation,
                                          before: before.map(\.unit), after: after.map(\.unit)))
                    }
                    holders[origin] = after
                }
            }
        }

        var rows: [Crosswalk.Row] = []
        for origin in origins {
            let fromName = try store.state(of: origin, on: first).map { namer.name(of: origin, $0.state) } ?? origin
            let list = holders[origin]!
            if list.isEmpty {
                let events = steps.filter { $0.from == origin }.map(\.event)
                rows.append(Crosswalk.Row(from: origin, fromName: fromName, to: nil, toName: nil, relation: "abolished",
                                weight: nil, weightNote: nil, events: events))
                continue
            }
            for (unit, parts) in Dictionary(grouping: list, by: \.unit).sorted(by: { $0.key < $1.key }) {
                let toName = try store.state(of: unit, on: second).map { namer.name(of: unit, $0.state) }
                // Parts of the land that reached the same unit by different paths make one row.
                let relations = parts.map { Crosswalk.net($0, origin: origin) }
                let relation = relations.first { $0 != "same" } ?? relations[0]
                let weight = parts.allSatisfy { $0.weight != nil } ? parts.compactMap(\.weight).reduce(0, +) : nil
                var events: [String] = []
                for part in parts { for event in part.events where !events.contains(event) { events.append(event) } }
                rows.append(Crosswalk.Row(from: origin, fromName: fromName, to: unit, toName: toName, relation: relation,
                                weight: weight, weightNote: weight == nil ? parts.compactMap(\.weightNote).first : nil, events: events))
            }
        }
        return Crosswalk(first: first, second: second, rows: rows, steps: steps)
    }

    /// On synthetic histories with every kind of change (towns moved, districts merged, split,
    /// restored, territory transferred) and on Quezal and North Korea, forward and backward, over
    /// spans from a year to a century: the same rows and the same steps.
    @Test(arguments: [(1_500, 31), (2_500, 32)])
    func theIndexChangesNothingOnSyntheticHistories(events: Int, seed: UInt64) throws {
        let store = try EventStore.inMemory()
        try store.record(SyntheticHistory(eventCount: events, seed: seed).folder, at: Fixtures.recordedAt)
        var compared = 0
        for (first, second) in [("1900-06-01", "2020-06-01"), ("1960", "1950"), ("2020-06-01", "1900-06-01"), ("1931-03-05", "1932-03-05")] {
            let fast = try Crosswalk.compute(day(first), day(second), in: store)
            let slow = try CrosswalkIndexTests.composedByScanning(day(first), day(second), in: store)
            #expect(fast.rows == slow.rows, "\(first) to \(second)")
            #expect(fast.steps == slow.steps, "\(first) to \(second)")
            compared += fast.steps.count
        }
        #expect(compared > 500, "the spans hold many steps")
    }

    @Test func theIndexChangesNothingOnQuezalAndNorthKorea() throws {
        let quezal = try Fixtures.store(Fixtures.quezal)
        let korea = try Fixtures.store(Fixtures.northKorea)
        for (store, spans) in [(quezal, [("1900", "1995"), ("1995", "1900"), ("1929-06-01", "1951-01-01"), ("1990-01-01", "1929-06-01"), ("1979", "1981")]),
                               (korea, [("1945-09-01", "2025-01-01"), ("2025-01-01", "1945-09-01"), ("2004-06-01", "2006-01-01"), ("2006-01-01", "2004-06-01")])] {
            for (first, second) in spans {
                let fast = try Crosswalk.compute(day(first), day(second), in: store)
                let slow = try CrosswalkIndexTests.composedByScanning(day(first), day(second), in: store)
                #expect(fast.rows == slow.rows, "\(first) to \(second)")
                #expect(fast.steps == slow.steps, "\(first) to \(second)")
                #expect(!fast.rows.isEmpty)
            }
        }
    }
}
