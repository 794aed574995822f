import Foundation
import Yams

/// Applies `corrected` and `retracted` events to the events they name, giving the
/// events as they now stand. History is never rewritten: the stored originals
/// stay as they were; only the projection sees the corrected versions.
public enum Corrections {
    /// The effective events, in store order, and a diagnostic for every correction
    /// or retraction that cannot be applied.
    ///
    /// - Parameter events: Every recorded event in store order.
    public static func effective(_ events: [ScheduledEvent]) -> (events: [ScheduledEvent], diagnostics: [Diagnostic]) {
        var copy = events
        let diagnostics = apply(to: &copy).diagnostics
        return (copy, diagnostics)
    }

    /// What the corrections and retractions among some events do to them, worked out without
    /// changing the events: a first import folds its events while another thread still reads
    /// them (``EventStore``), and a change to the array would copy a million events.
    struct Plan: Sendable {
        /// A diagnostic for every correction or retraction that cannot be applied.
        var diagnostics: [Diagnostic] = []
        /// The events as corrected, by their index.
        var replaced: [Int: Event] = [:]
        /// The indices of the corrections, retractions and retracted events: they are not folded.
        var leaving: Set<Int> = []
        /// The effective day of every event still there that a correction or retraction names
        /// (the projection keeps them, `corrected_day`), in store order.
        var namedDays: [(id: String, day: Int)] = []
    }

    /// ``effective(_:)`` in place: a rebuild of a million events does not hold a second copy.
    ///
    /// - Returns: A diagnostic for every correction or retraction that cannot be applied, and
    ///   the effective day of every event still there that a correction or retraction names
    ///   (the projection keeps them, `corrected_day`), in store order.
    static func apply(to events: inout [ScheduledEvent]) -> (diagnostics: [Diagnostic], namedDays: [(id: String, day: Int)]) {
        let plan = plan(events)
        for (index, corrected) in plan.replaced { events[index].event = corrected }
        if !plan.leaving.isEmpty { events.keep(ascending: events.indices.lazy.filter { !plan.leaving.contains($0) }) }
        return (plan.diagnostics, plan.namedDays)
    }

    /// The ``Plan`` of some events (every recorded event, in store order).
    static func plan(_ events: [ScheduledEvent]) -> Plan {
        // Events are walked by index, never copied: a copy retains every string and collection an
        // event holds, and this runs over every recorded event.
        var diagnostics: [Diagnostic] = []
        var amending: [Int] = []  // the corrections and retractions, in store order
        var targets = Set<String>()
        for i in events.indices {
            if let target = events[i].event.target {
                amending.append(i)
                targets.insert(target)
            }
        }
        guard !amending.isEmpty else { return Plan() }
        // Where the named events are (and the corrections and retractions, which may be named):
        // a small table, where one of every event id cost a second at a million events.
        var index: [String: Int] = [:]
        index.reserveCapacity(targets.count)
        for i in events.indices where targets.contains(events[i].event.id) { index[events[i].event.id] = i }

        // First pass: which events are retracted, and by whom.
        var retractedBy: [String: ScheduledEvent] = [:]
        for i in amending {
            let scheduled = events[i]
            diagnostics += Projector.sourceProblems(scheduled.event).map { problem(scheduled, $0, prefixed: false) }
            guard case .retracted(let target, _) = scheduled.event.action else { continue }
            if let problem = checkTarget(target, of: scheduled, index: index, events: events, allowCorrections: true) {
                diagnostics.append(problem)
            } else {
                retractedBy[target] = scheduled
            }
        }
        // Second pass: apply every correction that is not itself retracted.
        var replaced: [String: Event] = [:]
        for i in amending {
            let scheduled = events[i]
            guard case .corrected(let target, let fields) = scheduled.event.action,
                  retractedBy[scheduled.event.id] == nil else { continue }
            if let problem = checkTarget(target, of: scheduled, index: index, events: events) {
                diagnostics.append(problem)
                continue
            }
            if let retraction = retractedBy[target], retraction.order < scheduled.order {
                diagnostics.append(problem(scheduled, "corrects \(target), which event \(retraction.event.id) had already retracted"))
                continue
            }
            let base = replaced[target] ?? events[index[target]!].event
            do {
                replaced[target] = try base.applying(fields)
            } catch {
                diagnostics.append(problem(scheduled, "cannot be applied to \(target): \(error)"))
            }
        }
        var plan = Plan(diagnostics: diagnostics)
        for (id, corrected) in replaced { plan.replaced[index[id]!] = corrected }
        // Corrections, retractions and retracted events leave; the rest keep their order.
        plan.leaving = Set(amending)
        for target in retractedBy.keys { plan.leaving.insert(index[target]!) }
        // (Found here, where the named events' places are known, rather than by looking every event's id up after.)
        plan.namedDays = index.values.filter { !plan.leaving.contains($0) }.sorted().map { i in
            (id: events[i].event.id, day: (plan.replaced[i]?.date.earliest ?? events[i].day).ordinal)
        }
        return plan
    }

    private static func checkTarget(
        _ target: String, of scheduled: ScheduledEvent, index: [String: Int], events: [ScheduledEvent], allowCorrections: Bool = false
    ) -> Diagnostic? {
        guard let i = index[target] else {
            return problem(scheduled, "names event \(target), which is not in the store")
        }
        if events[i].order > scheduled.order {
            return problem(scheduled, "names event \(target), which was recorded after it")
        }
        switch events[i].event.action {
        case .corrected where allowCorrections:
            return nil
        case .corrected, .retracted:
            return problem(scheduled, "names event \(target), which is itself a correction or retraction; name the original event")
        default:
            return nil
        }
    }

    private static func problem(_ scheduled: ScheduledEvent, _ text: String, prefixed: Bool = true) -> Diagnostic {
        Diagnostic(location: scheduled.location, eventID: scheduled.event.id,
                   message: prefixed ? "\(scheduled.event.type) event \(scheduled.event.id) \(text)" : text)
    }
}

extension Event {
    /// Fields that a correction may not replace.
    static let uncorrectableKeys: Set<String> = ["id", "type", "unit", "corrects", "retracts"]

    /// This event with some of its fields replaced, as a `corrected` event says.
    ///
    /// - Throws: A sentence when a field cannot be replaced or the result is not a valid event.
    func applying(_ fields: [String: JSONValue]) throws -> Event {
        let allowed = Set((Event.commonKeys + (Event.keysByType[type] ?? [])).map(\.rawValue))
        for key in fields.keys.sorted() {
            if Event.uncorrectableKeys.contains(key) {
                throw CorrectionError(text: "'\(key)' cannot be corrected; retract the event and record a new one")
            }
            if !allowed.contains(key) {
                throw CorrectionError(text: "a \(type) event has no field '\(key)'")
            }
        }
        // Most corrections replace the date, the alternatives, the sources or the note: set those
        // directly. Any other field goes through the event's YAML form, read back whole.
        if Set(fields.keys).isSubset(of: ["date", "alternatives", "sources", "note"]) {
            var corrected = self
            // Read the values as the store reads its payloads; anything they do not take goes the long way, for its message.
            do throws(StoredJSON.Malformed) {
                for (key, value) in fields {
                    switch key {
                    case "date": corrected.date = try EDTFDate(stored: value)
                    case "alternatives": corrected.alternatives = try value.array("alternatives").map { v throws(StoredJSON.Malformed) in try AlternativeDate(stored: v) }
                    case "sources": corrected.sources = try value.array("sources").map { v throws(StoredJSON.Malformed) in try Source(stored: v) }
                    default: corrected.note = value == .null ? nil : try value.string("note")
                    }
                }
                return corrected
            } catch {
                corrected = self
            }
            do {
                for (key, value) in fields {
                    let data = try JSONEncoder().encode(value)
                    switch key {
                    case "date": corrected.date = try JSONDecoder().decode(EDTFDate.self, from: data)
                    case "alternatives": corrected.alternatives = try JSONDecoder().decode([AlternativeDate].self, from: data)
                    case "sources": corrected.sources = try JSONDecoder().decode([Source].self, from: data)
                    default: corrected.note = value == .null ? nil : try JSONDecoder().decode(String.self, from: data)
                    }
                }
                return corrected
            } catch let error as DecodingError {
                throw CorrectionError(text: "the corrected event is not valid (\(EventFileReader.decodingDiagnostic(error, node: Node(""), file: "", eventID: nil).message))")
            }
        }
        let yaml = try YAMLEncoder().encode(self)
        guard case .mapping(var mapping)? = try Yams.compose(yaml: yaml) else {
            throw CorrectionError(text: "the event could not be re-read")
        }
        for (key, value) in fields { mapping[Node(key)] = value.node }
        do {
            return try YAMLDecoder().decode(Event.self, from: .mapping(mapping))
        } catch {
            throw CorrectionError(text: "the corrected event is not valid (\(EventFileReader.decodingDiagnostic(error, node: .mapping(mapping), file: "", eventID: nil).message))")
        }
    }
}

struct CorrectionError: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

extension JSONValue {
    var node: Node {
        switch self {
        case .string(let s): Node(s)
        case .number(let n): Node(String(n))
        case .bool(let b): Node(b ? "true" : "false")
        case .null: Node("null")
        case .array(let values): .sequence(Node.Sequence(values.map(\.node)))
        case .object(let values): .mapping(Node.Mapping(values.sorted { $0.key < $1.key }.map { (Node($0.key), $0.value.node) }))
        }
    }
}
