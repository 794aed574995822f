import Foundation

/// One change to one unit, for auditing: when, what, on whose authority, and when the store learnt it.
public struct AuditRow: Hashable, Sendable, Encodable {
    /// The effective date as written (EDTF) and its precision in words.
    public var date: String
    public var precision: String
    public var unit: UnitID
    public var name: String
    public var kinds: [ChangeKind]
    public var description: String
    public var sources: [Source]
    /// Dates other sources give for the same event.
    public var alternatives: [String]
    public var event: String
    public var type: String
    public var position: Int
    public var recordedAt: String
    /// For a corrected event: the event(s) that corrected it; for a correction: the event it corrects.
    public var correctedBy: [String]
    public var corrects: String?
}

/// Which changes an audit lists.
public struct AuditQuery: Sendable {
    /// Only events whose date begins on or after this day.
    public var from: Day?
    /// Only events whose date begins before this day.
    public var until: Day?
    /// Only rows with at least one of these kinds (all when empty).
    public var kinds: Set<ChangeKind>
    /// Only units that sat under this one (at any depth) just before or just after the change.
    public var under: UnitID?
    /// Only units of this level just before or just after the change.
    public var level: String?

    public init(from: Day? = nil, until: Day? = nil, kinds: Set<ChangeKind> = [], under: UnitID? = nil, level: String? = nil) {
        self.from = from
        self.until = until
        self.kinds = kinds
        self.under = under
        self.level = level
    }
}

extension AuditRow {
    /// Every change the query selects, in order of effective date, then store position.
    public static func audit(_ query: AuditQuery, in store: EventStore) throws(ChronicleError) -> [AuditRow] {
        let stored = try store.events()
        let effective = Corrections.effective(stored.map(\.scheduled)).events
        let byID = Dictionary(stored.map { ($0.event.id, $0) }, uniquingKeysWith: { a, _ in a })
        let namer = try Namer(store: store)
        var describers: [UnitID: Describer] = [:]
        var correctedBy: [String: [String]] = [:]
        for s in stored { if case .corrected(let target, _) = s.event.action { correctedBy[target, default: []].append(s.event.id) } }

        func inRange(_ day: Day) -> Bool {
            (query.from.map { day >= $0 } ?? true) && (query.until.map { day < $0 } ?? true)
        }
        var rows: [(Day, AuditRow)] = []
        let touched = try store.unitsTouched()
        for scheduled in effective where inRange(scheduled.day) {
            let event = scheduled.event
            guard let record = byID[event.id] else { continue }
            var units = touched[event.id] ?? []
            switch event.action {
            case .territoryTransferred(let giver, let recipient, _): units += [giver, recipient]
            case .merged(_, let into, _): units.append(into)
            case .split(_, let successors, _, _): units += successors
            default: break
            }
            for unit in Set(units).sorted() {
                if describers[unit] == nil { describers[unit] = try Describer(store: store, unit: unit, namer: namer) }
                let description = describers[unit]!.describe(event)
                guard try selects(unit, description, event.date.earliest, query, store) else { continue }
                rows.append((scheduled.day, AuditRow(
                    date: event.date.text, precision: event.date.precision, unit: unit,
                    name: describers[unit]!.name(unit, near: event.date.earliest),
                    kinds: description.kinds, description: description.text, sources: event.sources,
                    alternatives: event.alternatives.map(\.date.text), event: event.id, type: event.type,
                    position: record.position, recordedAt: Timestamp.format(record.recordedAt),
                    correctedBy: correctedBy[event.id] ?? [], corrects: nil)))
            }
        }
        /// The unit a correction or retraction is about, following a retracted correction to its event.
        func subject(_ id: String) -> (StoredEvent, UnitID)? {
            guard let record = byID[id] else { return nil }
            if let unit = record.event.unit { return (record, unit) }
            return record.event.target.flatMap(subject)
        }
        for record in stored where inRange(record.event.date.earliest) {
            guard let target = record.event.target, let (original, unit) = subject(target) else { continue }
            if describers[unit] == nil { describers[unit] = try Describer(store: store, unit: unit, namer: namer) }
            let description = describers[unit]!.describe(record.event)
            guard try selects(unit, description, original.event.date.earliest, query, store) else { continue }
            let kind: ChangeKind = record.event.type == "corrected" ? .corrected : .retracted
            rows.append((record.event.date.earliest, AuditRow(
                date: record.event.date.text, precision: record.event.date.precision, unit: unit,
                name: describers[unit]!.name(unit, near: original.event.date.earliest),
                kinds: [kind], description: description.text, sources: record.event.sources, alternatives: [],
                event: record.event.id, type: record.event.type, position: record.position,
                recordedAt: Timestamp.format(record.recordedAt), correctedBy: [], corrects: target)))
        }
        return rows.sorted { ($0.0, $0.1.position, $0.1.unit) < ($1.0, $1.1.position, $1.1.unit) }.map(\.1)
    }

    private static func selects(_ unit: UnitID, _ description: ChangeDescription, _ day: Day, _ query: AuditQuery, _ store: EventStore) throws(ChronicleError) -> Bool {
        if !query.kinds.isEmpty && query.kinds.isDisjoint(with: description.kinds) { return false }
        let around = [try store.state(of: unit, on: day.adding(days: -1)), try store.state(of: unit, on: day)].compactMap { $0 }
        if let level = query.level, !around.contains(where: { $0.state.level == level }) { return false }
        if let root = query.under {
            var found = false
            for probe in [day.adding(days: -1), day] where !found {
                var cursor = try store.state(of: unit, on: probe)?.state.parent
                var steps = 0
                while let current = cursor, steps < 64, !found {
                    found = current == root
                    cursor = try store.state(of: current, on: probe)?.state.parent
                    steps += 1
                }
            }
            if !found { return false }
        }
        return true
    }

    /// One block per change for a terminal: the change, then its event and sources on indented lines.
    public static func text(_ rows: [AuditRow]) -> String {
        var text = "\(rows.count) change\(rows.count == 1 ? "" : "s")\n"
        let width = max(12, (rows.map(\.date.count).max() ?? 0) + 2)
        let indent = String(repeating: " ", count: width)
        for row in rows {
            text += "\n" + row.date.padding(toLength: width, withPad: " ", startingAt: 0)
                + "\(TextTable.safe(row.name)) (\(row.unit)): \(TextTable.safe(row.description))\n"
            text += indent + "event \(row.event) (\(row.precision)), recorded at position \(row.position), \(row.recordedAt)"
                + (row.correctedBy.isEmpty ? "" : "; corrected by \(row.correctedBy.joined(separator: ", "))") + "\n"
            if !row.alternatives.isEmpty { text += indent + "other dates: \(row.alternatives.joined(separator: ", "))\n" }
            for source in row.sources { text += indent + "source: \(TextTable.safe(source.citation))\n" }
        }
        return text
    }

    /// Aligned columns for a terminal, one line per change (sources counted; `text` lists them).
    public static func table(_ rows: [AuditRow]) -> String {
        TextTable.render(header: ["DATE", "UNIT", "CHANGE", "KINDS", "SOURCES", "EVENT", "POSITION", "RECORDED"], rows: rows.map { row in
            [row.date, "\(TextTable.safe(row.name)) (\(row.unit))", TextTable.safe(row.description),
             row.kinds.map(\.rawValue).joined(separator: ","), String(row.sources.count), row.event, String(row.position), row.recordedAt]
        })
    }

    /// RFC 4180 CSV.
    public static func csv(_ rows: [AuditRow]) -> String {
        CSV.render([["date", "precision", "unit", "name", "kinds", "description", "sources", "alternatives", "event", "type", "position", "recorded_at", "corrected_by", "corrects"]]
            + rows.map { row in
                [row.date, row.precision, row.unit, row.name, row.kinds.map(\.rawValue).joined(separator: ";"), row.description,
                 row.sources.map(\.citation).joined(separator: "; "), row.alternatives.joined(separator: ";"), row.event, row.type,
                 String(row.position), row.recordedAt, row.correctedBy.joined(separator: ";"), row.corrects ?? ""]
            })
    }
}

extension EDTFDate {
    /// The precision in words: day, month, year, decade, century or interval, with the qualifier.
    public var precision: String {
        let days = latest.ordinal - earliest.ordinal
        let (_, month, day) = earliest.civil
        let base: String
        switch days {
        case 1: base = "day"
        case 28...31 where day == 1: base = "month"
        case 365...366 where day == 1 && month == 1: base = "year"
        case 3652...3653 where day == 1 && month == 1: base = "decade"
        case 36524...36525 where day == 1 && month == 1: base = "century"
        default: base = "interval"
        }
        switch qualifier {
        case .none: return base
        case .uncertain: return base + ", uncertain"
        case .approximate: return base + ", approximate"
        case .uncertainAndApproximate: return base + ", uncertain and approximate"
        }
    }
}
