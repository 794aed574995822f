/// The kinds of change an audit can ask for; one event may be several at once
/// (Rason in 2004 was demoted and rejoined North Hamgyong in one act).
public enum ChangeKind: String, CaseIterable, Sendable, Codable, Comparable {
    case established, ended, renamed, promoted, demoted, reclassified, separated, rejoined, transferred
    case merged, absorbed, split, restored, territory, codes, corrected, retracted

    public static func < (a: ChangeKind, b: ChangeKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What an event did to one unit: the kinds of change and the words for them.
public struct ChangeDescription: Hashable, Sendable {
    public var kinds: [ChangeKind]
    public var text: String
}

/// Derives the words for what an event did to one unit from the states before and after it.
struct Describer {
    let store: EventStore
    let unit: UnitID
    let intervals: [UnitInterval]
    let namer: Namer

    init(store: EventStore, unit: UnitID, namer: Namer? = nil) throws(ChronicleError) {
        self.store = store
        self.unit = unit
        intervals = try store.intervals(of: unit)
        if let namer { self.namer = namer } else { self.namer = try Namer(store: store) }
    }

    func name(_ other: UnitID, near day: Day) -> String {
        let state = (try? store.state(of: other, on: day)) ?? nil
        let fallback = ((try? store.intervals(of: other)) ?? []).last
        return (state ?? fallback).map { namer.name(of: other, $0.state) } ?? other
    }

    func level(_ code: String) -> String { namer.levelName(code, of: unit) }

    func describe(_ event: Event) -> ChangeDescription {
        let day = event.date.earliest
        let dayBefore = day.adding(days: -1)
        let before = intervals.last { $0.endEvent == event.id }
        let after = intervals.first { $0.event == event.id && $0.validFrom == day }
        func one(_ kind: ChangeKind, _ text: String) -> ChangeDescription { ChangeDescription(kinds: [kind], text: text) }
        switch event.action {
        case .established(let e):
            let place = e.parent.map { " under \(name($0, near: day))" } ?? ""
            return one(.established, (e.baseline ? "already in existence when first recorded, as " : "established as ") + "\(level(e.level))\(place)")
        case .changed(_, let change):
            guard let before, let after else {
                return ChangeDescription(kinds: [], text: "changed (not applied): " + summary(change))
            }
            return describe(from: before.state, to: after.state, on: day)
        case .restored:
            guard let after else { return one(.restored, "restored") }
            return one(.restored, "restored as \(level(after.state.level))" + (after.state.parent.map { " under \(name($0, near: day))" } ?? ""))
        case .merged(let merged, let into, _):
            if merged == unit { return ChangeDescription(kinds: [.merged, .ended], text: "merged into \(name(into, near: dayBefore))") }
            if into == unit { return one(.absorbed, "absorbed \(name(merged, near: dayBefore))") }
            return moved(after, day, because: "\(name(merged, near: dayBefore)) merged")
        case .split(let split, let successors, let weights, _):
            if split == unit {
                return ChangeDescription(kinds: [.split, .ended], text: "split into " + successors.map { s in
                    name(s, near: day) + (weights[s].map { " (\($0))" } ?? "")
                }.joined(separator: ", "))
            }
            if successors.contains(unit) { return one(.territory, "received territory of \(name(split, near: dayBefore)) when it split") }
            return moved(after, day, because: "\(name(split, near: dayBefore)) split")
        case .territoryTransferred(let giver, let recipient, let area):
            let what = area.map { "territory (\($0))" } ?? "territory"
            return one(.territory, giver == unit ? "gave \(what) to \(name(recipient, near: day))" : "received \(what) from \(name(giver, near: day))")
        case .abolished(let abolished, _):
            if abolished == unit { return one(.ended, "abolished") }
            return moved(after, day, because: "\(name(abolished, near: dayBefore)) was abolished")
        case .corrected(let target, let fields):
            return one(.corrected, "corrected event \(target): " + fields.keys.sorted().joined(separator: ", "))
        case .retracted(let target, let reason):
            return one(.retracted, "retracted event \(target): \(reason)")
        case .observed(_, let values):
            return ChangeDescription(kinds: [], text: "observed " + values.sorted { $0.key < $1.key }.map { "\($0.key) \(Observation.format($0.value))" }.joined(separator: ", "))
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

    private func moved(_ after: UnitInterval?, _ day: Day, because reason: String) -> ChangeDescription {
        guard let parent = after?.state.parent else { return ChangeDescription(kinds: [.transferred], text: reason) }
        return ChangeDescription(kinds: [.transferred], text: "moved to \(name(parent, near: day)) when \(reason)")
    }

    /// Words for a change of state: renamed, promoted, demoted, separated, rejoined, transferred, codes.
    func describe(from old: UnitState, to new: UnitState, on day: Day) -> ChangeDescription {
        var parts: [String] = []
        var kinds: [ChangeKind] = []
        let oldName = namer.name(of: unit, old), newName = namer.name(of: unit, new)
        if oldName != newName {
            parts.append("renamed from \(oldName) to \(newName)")
            kinds.append(.renamed)
        } else if old.names != new.names {
            parts.append("names changed")
            kinds.append(.renamed)
        }
        if old.level != new.level {
            let scheme = namer.scheme(of: unit)
            let oldRank = scheme?.level(old.level)?.rank ?? 0, newRank = scheme?.level(new.level)?.rank ?? 0
            let kind: ChangeKind = newRank > oldRank ? .promoted : newRank < oldRank ? .demoted : .reclassified
            parts.append("\(kind.rawValue) from \(level(old.level)) to \(level(new.level))")
            kinds.append(kind)
        }
        if old.parent != new.parent, let newParent = new.parent {
            let earlier = day.adding(days: -1)
            let oldParent = old.parent.map { name($0, near: earlier) } ?? "none"
            let wasUnder = intervals.contains { $0.validFrom < day && $0.state.parent == newParent }
            let newIsAncestor = old.parent.map { isAncestor(newParent, of: $0, on: earlier) } ?? false
            let oldIsAncestor = old.parent.map { isAncestor($0, of: newParent, on: day) } ?? false
            if newIsAncestor {
                parts.append("separated from \(oldParent)")
                kinds.append(.separated)
            } else if wasUnder {
                parts.append("rejoined \(name(newParent, near: day))")
                kinds.append(.rejoined)
            } else if oldIsAncestor {
                parts.append("joined \(name(newParent, near: day))")
                kinds.append(.rejoined)
            } else {
                parts.append("transferred from \(oldParent) to \(name(newParent, near: day))")
                kinds.append(.transferred)
            }
        }
        if old.codes != new.codes {
            let keys = Set(old.codes.keys).union(new.codes.keys).sorted().filter { old.codes[$0] != new.codes[$0] }
            parts.append("codes changed (" + keys.map { "\($0): \(old.codes[$0] ?? "none") → \(new.codes[$0] ?? "none")" }.joined(separator: ", ") + ")")
            kinds.append(.codes)
        }
        if old.coordinate != new.coordinate { parts.append("point moved") }
        return ChangeDescription(kinds: kinds, text: parts.isEmpty ? "changed" : parts.joined(separator: "; "))
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
