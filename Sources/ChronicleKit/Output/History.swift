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
    /// The date as first recorded, when a correction has changed it.
    public var recordedDate: String?

    public struct Alternative: Hashable, Sendable, Encodable {
        public var date: String
        public var sources: [Source]
        public var note: String?
    }

    enum CodingKeys: String, CodingKey {
        case date, id, type, description, sources, alternatives, note, position, recordedAt, correctedBy, retractedBy, recordedDate
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
        try c.encode(recordedDate, forKey: .recordedDate)
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
            if case .retracted(let target, _) = s.event.action { retractedBy[target] = s.event.id }
        }
        for s in stored where retractedBy[s.event.id] == nil {
            if case .corrected(let target, _) = s.event.action { correctedBy[target, default: []].append(s.event.id) }
        }
        let entries = stored.map { s in
            let event = effective[s.event.id] ?? s.event
            return HistoryEntry(
                date: event.date.text, id: event.id, type: event.type,
                description: describer.describe(event).text,
                sources: event.sources,
                alternatives: event.alternatives.map { Alternative(date: $0.date.text, sources: $0.sources, note: $0.note) },
                note: event.note, position: s.position, recordedAt: Timestamp.format(s.recordedAt),
                correctedBy: correctedBy[s.event.id] ?? [], retractedBy: retractedBy[s.event.id],
                recordedDate: event.date != s.event.date ? s.event.date.text : nil)
        }
        let day = Dictionary(stored.map { s in (s.event.id, (effective[s.event.id] ?? s.event).date.earliest) }, uniquingKeysWith: { a, _ in a })
        return entries.sorted { (day[$0.id]!, $0.position) < (day[$1.id]!, $1.position) }
    }

    /// Plain text for a terminal: one block per event.
    public static func render(_ entries: [HistoryEntry], unit: UnitID, name: String) -> String {
        var text = "History of \(TextTable.safe(name)) (\(unit)): \(entries.count) event\(entries.count == 1 ? "" : "s")\n"
        for entry in entries {
            let flags = (entry.retractedBy.map { " [retracted by \($0)]" } ?? "")
                + (entry.correctedBy.isEmpty ? "" : " [corrected by \(entry.correctedBy.joined(separator: ", "))"
                    + (entry.recordedDate.map { "; first recorded as \($0)" } ?? "") + "]")
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

