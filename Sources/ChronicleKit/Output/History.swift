import Foundation

/// One line of a unit's history: an event that touched it, in words, with its sources.
public struct HistoryEntry: Hashable, Sendable, Encodable {
    /// The event's effective date as written (EDTF).
    public var date: String
    public var id: String
    public var type: String
    /// What the event did to the unit, in words derived from the states before and after.
    public var description: String
    public var sources: [Source]
    public var alternatives: [Alternative]
    public var note: String?
    /// Where and when the store recorded the event.
    public var position: Int
    public var recordedAt: String
    /// Ids of the events that correct this one; the id of one that retracts it.
    public var correctedBy: [String]
    public var retractedBy: String?

    public struct Alternative: Hashable, Sendable, Encodable {
        public var date: String
        public var sources: [Source]
        public var note: String?
    }

    enum CodingKeys: String, CodingKey {
        case date, id, type, description, sources, alternatives, note, position, recordedAt, correctedBy, retractedBy
    }

    /// Every key is written, `null` when empty, so that scripts can rely on them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(date, forKey: .date)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(description, forKey: .description)
        try c.encode(sources, forKey: .sources)
        try c.encode(alternatives, forKey: .alternatives)
        try c.encode(note, forKey: .note)
        try c.encode(position, forKey: .position)
        try c.encode(recordedAt, forKey: .recordedAt)
        try c.encode(correctedBy, forKey: .correctedBy)
        try c.encode(retractedBy, forKey: .retractedBy)
    }
}

extension HistoryEntry {
    /// The history of one unit, in order of effective date, then store order.
    public static func history(of unit: UnitID, in store: EventStore) throws(ChronicleError) -> [HistoryEntry] {
        let stored = try store.events(touching: unit)
        let effective = Dictionary(Corrections.effective(stored.map(\.scheduled)).events.map { ($0.event.id, $0.event) }, uniquingKeysWith: { a, _ in a })
        let describer = try Describer(store: store, unit: unit)
        var correctedBy: [String: [String]] = [:]
        var retractedBy: [String: String] = [:]
        for s in stored {
            switch s.event.action {
            case .corrected(let target, _): correctedBy[target, default: []].append(s.event.id)
            case .retracted(let target, _): retractedBy[target] = s.event.id
            default: break
            }
        }
        let entries = stored.map { s in
            let event = effective[s.event.id] ?? s.event
            return HistoryEntry(
                date: event.date.text, id: event.id, type: event.type,
                description: describer.describe(event),
                sources: event.sources,
                alternatives: event.alternatives.map { Alternative(date: $0.date.text, sources: $0.sources, note: $0.note) },
                note: event.note, position: s.position, recordedAt: Timestamp.format(s.recordedAt),
                correctedBy: correctedBy[s.event.id] ?? [], retractedBy: retractedBy[s.event.id])
        }
        let day = Dictionary(stored.map { s in (s.event.id, (effective[s.event.id] ?? s.event).date.earliest) }, uniquingKeysWith: { a, _ in a })
        return entries.sorted { (day[$0.id]!, $0.position) < (day[$1.id]!, $1.position) }
    }

    /// Plain text for a terminal: one block per event.
    public static func render(_ entries: [HistoryEntry], unit: UnitID, name: String) -> String {
        var text = "History of \(TextTable.safe(name)) (\(unit)): \(entries.count) event\(entries.count == 1 ? "" : "s")\n"
        for entry in entries {
            let flags = (entry.retractedBy.map { " [retracted by \($0)]" } ?? "")
                + (entry.correctedBy.isEmpty ? "" : " [corrected by \(entry.correctedBy.joined(separator: ", "))]")
            text += "\n\(entry.date.padding(toLength: max(12, entry.date.count), withPad: " ", startingAt: 0))\(TextTable.safe(entry.description))\(flags)\n"
            text += "            event \(entry.id) (\(entry.type)), recorded at position \(entry.position), \(entry.recordedAt)\n"
            for alternative in entry.alternatives {
                text += "            other date: \(alternative.date) per " + alternative.sources.map(\.citation).joined(separator: "; ") + "\n"
            }
            if let note = entry.note { text += "            note: \(TextTable.safe(note))\n" }
            for source in entry.sources {
                text += "            source: \(TextTable.safe(source.citation))" + (source.note.map { " — \(TextTable.safe($0))" } ?? "") + "\n"
            }
        }
        return text
    }
}

/// Derives the words for what an event did to one unit from the states before and after it.
struct Describer {
    let store: EventStore
    let unit: UnitID
    let intervals: [UnitInterval]
    let namer: Namer

    init(store: EventStore, unit: UnitID) throws(ChronicleError) {
        self.store = store
        self.unit = unit
        intervals = try store.intervals(of: unit)
        namer = try Namer(store: store)
    }

    func name(_ other: UnitID, near day: Day) -> String {
        let state = (try? store.state(of: other, on: day)) ?? nil
        let fallback = ((try? store.intervals(of: other)) ?? []).last
        return (state ?? fallback).map { namer.name(of: other, $0.state) } ?? other
    }

    func level(_ code: String) -> String { namer.levelName(code, of: unit) }

    func describe(_ event: Event) -> String {
        let day = event.date.earliest
        let before = intervals.last { $0.endEvent == event.id }
        let after = intervals.first { $0.event == event.id && $0.validFrom == day }
        switch event.action {
        case .established(let e):
            let place = e.parent.map { " under \(name($0, near: day))" } ?? ""
            return (e.baseline ? "in existence at the start of the record as " : "established as ") + "\(level(e.level))\(place)"
        case .changed(_, let change):
            guard let before, let after else { return "changed (not applied): " + summary(change) }
            return describe(from: before.state, to: after.state, on: day)
        case .restored:
            guard let after else { return "restored" }
            return "restored as \(level(after.state.level))" + (after.state.parent.map { " under \(name($0, near: day))" } ?? "")
        case .merged(let merged, let into, _):
            if merged == unit { return "merged into \(name(into, near: day.adding(days: -1)))" }
            if into == unit { return "absorbed \(name(merged, near: day.adding(days: -1)))" }
            return moved(before, after, day, because: "\(name(merged, near: day.adding(days: -1))) merged")
        case .split(let split, let successors, let weights, _):
            if split == unit {
                return "split into " + successors.map { s in name(s, near: day) + (weights[s].map { " (\($0))" } ?? "") }.joined(separator: ", ")
            }
            if successors.contains(unit) { return "received territory of \(name(split, near: day.adding(days: -1))) when it split" }
            return moved(before, after, day, because: "\(name(split, near: day.adding(days: -1))) split")
        case .territoryTransferred(let giver, let recipient, let area):
            let what = area.map { "territory (\($0))" } ?? "territory"
            return giver == unit ? "gave \(what) to \(name(recipient, near: day))" : "received \(what) from \(name(giver, near: day))"
        case .abolished(let abolished, _):
            if abolished == unit { return "abolished" }
            return moved(before, after, day, because: "\(name(abolished, near: day.adding(days: -1))) was abolished")
        case .corrected(let target, let fields):
            return "corrected event \(target): " + fields.keys.sorted().joined(separator: ", ")
        case .retracted(let target, let reason):
            return "retracted event \(target): \(reason)"
        }
    }

    /// The fields a change sets, for an event that is not (or no longer) applied.
    func summary(_ change: Event.Change) -> String {
        var parts: [String] = []
        for (key, name) in (change.names ?? [:]).sorted(by: { $0.key < $1.key }) { parts.append("name \(key) \(name)") }
        if let level = change.level { parts.append("level \(self.level(level))") }
        if let parent = change.parent { parts.append("parent \(parent)") }
        for (system, code) in (change.codes ?? [:]).sorted(by: { $0.key < $1.key }) { parts.append("code \(system) \(code ?? "none")") }
        return parts.isEmpty ? "no fields" : parts.joined(separator: ", ")
    }

    private func moved(_ before: UnitInterval?, _ after: UnitInterval?, _ day: Day, because reason: String) -> String {
        guard let parent = after?.state.parent else { return reason }
        return "moved to \(name(parent, near: day)) when \(reason)"
    }

    /// Words for a change of state: renamed, promoted, demoted, separated, rejoined, transferred, codes.
    func describe(from old: UnitState, to new: UnitState, on day: Day) -> String {
        var parts: [String] = []
        let oldName = namer.name(of: unit, old), newName = namer.name(of: unit, new)
        if oldName != newName {
            parts.append("renamed from \(oldName) to \(newName)")
        } else if old.names != new.names {
            parts.append("names changed")
        }
        if old.level != new.level {
            let scheme = namer.scheme(of: unit)
            let oldRank = scheme?.level(old.level)?.rank ?? 0, newRank = scheme?.level(new.level)?.rank ?? 0
            let verb = newRank > oldRank ? "promoted" : newRank < oldRank ? "demoted" : "reclassified"
            parts.append("\(verb) from \(level(old.level)) to \(level(new.level))")
        }
        if old.parent != new.parent, let newParent = new.parent {
            let earlier = day.adding(days: -1)
            let oldParent = old.parent.map { name($0, near: earlier) } ?? "none"
            let wasUnder = intervals.contains { $0.validFrom < day && $0.state.parent == newParent }
            let newIsAncestor = old.parent.map { isAncestor(newParent, of: $0, on: earlier) } ?? false
            let oldIsAncestor = old.parent.map { isAncestor($0, of: newParent, on: day) } ?? false
            if newIsAncestor {
                parts.append("separated from \(oldParent)")
            } else if oldIsAncestor && !wasUnder {
                parts.append("joined \(name(newParent, near: day))")
            } else if wasUnder {
                parts.append("rejoined \(name(newParent, near: day))")
            } else {
                parts.append("transferred from \(oldParent) to \(name(newParent, near: day))")
            }
        }
        if old.codes != new.codes {
            let keys = Set(old.codes.keys).union(new.codes.keys).sorted().filter { old.codes[$0] != new.codes[$0] }
            parts.append("codes changed (" + keys.map { "\($0): \(old.codes[$0] ?? "none") → \(new.codes[$0] ?? "none")" }.joined(separator: ", ") + ")")
        }
        if old.coordinate != new.coordinate { parts.append("point moved") }
        return parts.isEmpty ? "changed" : parts.joined(separator: "; ")
    }

    private func isAncestor(_ candidate: UnitID, of unit: UnitID, on day: Day) -> Bool {
        var cursor: UnitID? = unit
        var steps = 0
        while let current = cursor, steps < 64 {
            if current == candidate { return true }
            cursor = ((try? store.state(of: current, on: day)) ?? nil)?.state.parent
            steps += 1
        }
        return false
    }
}
