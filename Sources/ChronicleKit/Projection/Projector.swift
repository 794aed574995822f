/// Folds events into the interval table: a pure function from events to unit
/// states, checking every invariant as it goes.
///
/// A projector starts either empty (a full rebuild) or from the states that held
/// just before some day (an incremental catch-up), then applies the events from
/// that day on in order of effective day and store order. An incremental fold reads the
/// units it needs from a ``ProjectionSource`` as it meets them, so that its cost follows
/// the events it applies, not the size of the store.
public struct Projector {
    /// A unit's latest interval as the fold goes.
    public struct Tracked: Hashable, Sendable {
        public var interval: UnitInterval
        /// The row this interval was loaded from, when it was (an incremental fold).
        public var rowID: Int64?
        /// The loaded row ended on or after the first day folded, so its end is written again.
        public var reopened: Bool
        public var isEnded: Bool { interval.validTo != nil }

        /// - Parameter reopened: The row ended on or after the fold's first day (its end is recomputed).
        public init(interval: UnitInterval, rowID: Int64? = nil, reopened: Bool = true) {
            self.interval = interval
            self.rowID = rowID
            self.reopened = reopened
        }
    }

    /// A name a unit took under a key when a state began (``Result/names``, ``ProjectionSink/named(_:)``).
    public struct Name: Hashable, Sendable {
        public var unit: UnitID
        public var key: String
        public var name: String
    }

    /// What a fold produced.
    public struct Result: Sendable {
        /// New interval rows (closed or still open).
        public var intervals: [UnitInterval] = []
        /// Loaded rows whose end changed: row id → new end and ending event.
        public var reopened: [Int64: (validFrom: Day, validTo: Day?, endEvent: String?)] = [:]
        public var uncertainties: [Uncertainty] = []
        public var observations: [Observation] = []
        /// Names that began with a new state (a name a unit already had under that key in its previous state is not repeated).
        public var names: [Name] = []
        public var diagnostics: [Diagnostic] = []
    }

    /// Per country: the scheme and the set of its name keys.
    struct Rules {
        var scheme: Scheme
        var nameKeys: Set<String>
    }

    /// A unit's latest interval, held by reference in ``units``: the fold reads a field or two of
    /// it several times an event, and a `Tracked` read out of a dictionary is copied whole (a
    /// retain and a release of every string and collection it holds). A projector is not copied
    /// while it folds.
    final class Slot {
        var tracked: Tracked
        init(_ tracked: Tracked) { self.tracked = tracked }
    }

    /// What is left where a state was moved out (nothing is allocated for it).
    static let noState = UnitState(names: [:], level: "", parent: nil)

    let schemes: [String: Rules]
    var units: [UnitID: Slot]
    var children: [UnitID: Set<UnitID>] = [:]
    /// Where units not yet met are read from (an incremental fold), and what was looked up there.
    let source: (any ProjectionSource)?
    var absent: Set<UnitID> = []
    var childrenLoaded: Set<UnitID> = []
    /// The event that first establishes each unit in this fold (its id and date, not the whole event).
    var firstEstablished: [UnitID: (id: String, date: EDTFDate)] = [:]
    var result = Result()
    /// Where closed intervals and new names go as the fold makes them, instead of into the result
    /// (a full rebuild writes them at once rather than holding millions in memory).
    public var sink: (any ProjectionSink)?
    /// Told how many events have been applied, every 4,096 and at the end (a progress display).
    public var folded: ((Int) -> Void)?

    /// - Parameters:
    ///   - schemes: The classification schemes, by country id.
    ///   - initial: Every unit's latest interval before the first day to fold (empty for a rebuild).
    ///   - source: Where an incremental fold reads every other unit's latest interval and children.
    public init(schemes: [Scheme], initial: [Tracked] = [], source: (any ProjectionSource)? = nil) {
        self.schemes = Dictionary(schemes.map { ($0.country, Rules(scheme: $0, nameKeys: Set($0.nameKeys.map(\.key)))) },
                                  uniquingKeysWith: { a, _ in a })
        self.source = source
        units = Dictionary(initial.map { ($0.interval.unit, Slot($0)) }, uniquingKeysWith: { a, _ in a })
        for tracked in initial where !tracked.isEnded {
            if let parent = tracked.interval.state.parent { children[parent, default: []].insert(tracked.interval.unit) }
        }
    }

    /// Applies events (already corrected) and returns the rows to write.
    ///
    /// - Parameter events: The events to apply, in any order; they are sorted by day, then store order.
    public mutating func fold(_ events: [ScheduledEvent]) -> Result {
        fold(events, corrected: Corrections.Plan())
    }

    /// Applies events as a plan of their corrections says they now stand (``Corrections/plan(_:)``),
    /// without changing them: the events that leave are skipped, the corrected ones replaced.
    mutating func fold(_ events: [ScheduledEvent], corrected plan: Corrections.Plan) -> Result {
        // Positions are sorted, not the events: an event is a large value, and moving a million of
        // them cost more than the comparisons.
        var keys = events.map { (day: $0.day.ordinal, order: $0.order) }
        for (index, event) in plan.replaced { keys[index].day = event.date.earliest.ordinal }
        let ordered = (plan.leaving.isEmpty ? Array(keys.indices) : keys.indices.filter { !plan.leaving.contains($0) })
            .sorted { keys[$0] < keys[$1] }
        for index in ordered {
            if let event = plan.replaced[index] {
                if case .established(let e) = event.action, firstEstablished[e.unit] == nil { firstEstablished[e.unit] = (event.id, event.date) }
            } else if case .established(let e) = events[index].event.action, firstEstablished[e.unit] == nil {
                firstEstablished[e.unit] = (events[index].event.id, events[index].event.date)
            }
        }
        for (count, index) in ordered.enumerated() {
            if count % 4_096 == 0 { folded?(count) }
            if let event = plan.replaced[index] {
                apply(ScheduledEvent(event: event, location: events[index].location, order: events[index].order))
            } else {
                apply(events[index])
            }
        }
        folded?(ordered.count)
        // Closed intervals were added in the fold's order; the open ones follow, by unit.
        var open: [UnitInterval] = []
        for slot in units.values where !slot.tracked.isEnded {
            let tracked = slot.tracked
            if let rowID = tracked.rowID {
                if tracked.reopened { result.reopened[rowID] = (tracked.interval.validFrom, tracked.interval.validTo, tracked.interval.endEvent) }
            } else {
                open.append(tracked.interval)
            }
        }
        result.intervals += open.sorted { $0.unit < $1.unit }
        result.uncertainties.sort { ($0.unit, $0.from, $0.event) < ($1.unit, $1.from, $1.event) }
        return result
    }

    // MARK: - Applying one event

    private mutating func apply(_ scheduled: ScheduledEvent) {
        let event = scheduled.event
        let day = scheduled.day
        var context = Context(scheduled)
        for problem in Projector.sourceProblems(event) { report(scheduled, problem) }
        if event.from != nil, case .established = event.action {
            report(scheduled, "event \(event.id) establishes a unit and so cannot say what it was before ('from'); remove 'from'")
        }
        if let from = event.from, let unit = event.unit, let current = active(unit, day), !matches(from, current.tracked.interval.state) {
            report(scheduled, "event \(event.id) (\(event.date)) says \(unit) was \(describe(from)) before it, "
                + "but on \(day) the store has it as \(describe(current.tracked.interval.state)) (since event \(current.tracked.interval.event))")
            return
        }
        switch event.action {
        case .established(let e):
            if let existing = lookup(e.unit)?.tracked {
                let how = existing.isEnded
                    ? "ended on \(existing.interval.validTo!) by event \(existing.interval.endEvent ?? "?"); to bring it back, write a restored event"
                    : "is already established (event \(firstEstablished[e.unit]?.id ?? existing.interval.event))"
                report(scheduled, "event \(event.id) establishes \(e.unit), which \(how)")
                return
            }
            let state = UnitState(names: e.names, level: e.level, parent: e.parent, codes: e.codes, coordinate: e.coordinate)
            guard check(state, of: e.unit, &context) else { return }
            open(e.unit, state, previous: nil, &context)

        case .changed(let unit, let change):
            guard let current = require(unit, &context) else { return }
            let state = current.tracked.interval.state.applying(change)
            if state == current.tracked.interval.state {
                report(scheduled, "event \(event.id) changes nothing: \(unit) is already \(describe(state)) on \(day)")
                return
            }
            // Names the change leaves alone were checked when they were given.
            let namesKept = change.names == nil
            // Children fit the unit's level already unless the change gives it another.
            let levelKept = state.level == current.tracked.interval.state.level
            guard check(state, of: unit, namesKept: namesKept, &context),
                  levelKept || checkChildren(of: unit, fit: state.level, &context) else { return }
            open(unit, state, previous: current, namesKept: namesKept, &context)

        case .merged(let unit, let into, let map):
            guard let _ = require(unit, &context), let _ = require(into, &context) else { return }
            guard into != unit else { return report(scheduled, "event \(event.id) merges \(unit) into itself") }
            guard move(childrenOf: unit, default: into, map: map, &context) else { return }
            end(unit, &context)

        case .split(let unit, let successors, let weights, let map):
            guard let _ = require(unit, &context) else { return }
            guard !successors.isEmpty else { return report(scheduled, "split event \(event.id) names no successor in 'into'") }
            for successor in successors {
                guard successor != unit else { return report(scheduled, "split event \(event.id) names \(unit) as its own successor") }
                guard require(successor, &context) != nil else { return }
            }
            for key in weights.keys.sorted() where !successors.contains(key) {
                return report(scheduled, "split event \(event.id) gives a weight to \(key), which is not one of its successors")
            }
            guard move(childrenOf: unit, default: nil, map: map, &context) else { return }
            end(unit, &context)

        case .territoryTransferred(let unit, let recipient, _):
            guard require(unit, &context) != nil, require(recipient, &context) != nil else { return }
            if unit == recipient { report(scheduled, "event \(event.id) transfers territory from \(unit) to itself") }

        case .abolished(let unit, let map):
            guard require(unit, &context) != nil else { return }
            guard move(childrenOf: unit, default: nil, map: map, &context) else { return }
            end(unit, &context)

        case .restored(let unit, let change):
            guard let slot = lookup(unit) else {
                return report(scheduled, "event \(event.id) restores \(unit), which has never existed before \(day)")
            }
            let existing = slot.tracked
            guard existing.isEnded else {
                return report(scheduled, "event \(event.id) restores \(unit), which has not ended (it exists since event \(existing.interval.event))")
            }
            let state = existing.interval.state.applying(change)
            guard check(state, of: unit, &context) else { return }
            open(unit, state, previous: slot, &context)

        case .observed(let unit, let values):
            guard require(unit, &context) != nil else { return }
            if values.isEmpty { return report(scheduled, "observed event \(event.id) records no values") }
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                result.observations.append(Observation(unit: unit, key: key, value: value, date: event.date.text, event: event.id, day: day))
            }
            return

        case .corrected, .retracted:
            return
        }
        if !context.failed && event.isImprecise {
            let span = event.span
            for unit in context.touched.sorted() {
                result.uncertainties.append(Uncertainty(unit: unit, from: span.earliest, to: span.latest, event: event.id, eventDay: day))
            }
        }
    }

    /// Control characters and bidirectional overrides and isolates: they can hide or reorder text on a screen.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Every event cites at least one source, each a seed file or a title, and every alternative date has its own.
    static func sourceProblems(_ event: Event) -> [String] {
        var problems: [String] = []
        if event.sources.isEmpty {
            problems.append("event \(event.id) cites no source; every event needs at least one (a seed file or a title and URL)")
        }
        for (index, source) in event.sources.enumerated() where source.seed == nil && source.title == nil {
            problems.append("event \(event.id): source \(index + 1) names neither a seed file ('seed') nor a title ('title')")
        }
        for alternative in event.alternatives where alternative.sources.isEmpty {
            problems.append("event \(event.id): the alternative date \(alternative.date) cites no source")
        }
        return problems
    }

    /// What checking and applying one event needs to know of it. (Not the event itself: a copy of
    /// a whole event for each one applied was a retain and a release of everything it holds.)
    struct Context {
        let id: String
        let date: EDTFDate
        let day: Day
        let location: SourceLocation?
        /// The units whose states the event changed, kept only for an imprecise event (its uncertainty
        /// is recorded for each of them): most events change states without needing the set.
        var touched: Set<UnitID> = []
        let keepsTouched: Bool
        var failed = false

        init(_ scheduled: ScheduledEvent) {
            id = scheduled.event.id
            date = scheduled.event.date
            day = scheduled.day
            location = scheduled.location
            keepsTouched = scheduled.event.isImprecise
        }

        mutating func touch(_ unit: UnitID) {
            if keepsTouched { touched.insert(unit) }
        }
    }

    private mutating func report(_ scheduled: ScheduledEvent, _ message: String) {
        result.diagnostics.append(Diagnostic(location: scheduled.location, eventID: scheduled.event.id, message: message))
    }

    private mutating func fail(_ context: inout Context, _ message: String) {
        context.failed = true
        result.diagnostics.append(Diagnostic(location: context.location, eventID: context.id, message: message))
    }

    /// A unit's latest interval: met earlier in the fold, or read from the source.
    private mutating func lookup(_ unit: UnitID) -> Slot? {
        if let slot = units[unit] { return slot }
        guard let source, !absent.contains(unit) else { return nil }
        guard let tracked = source.latest(unit) else {
            absent.insert(unit)
            return nil
        }
        let slot = Slot(tracked)
        units[unit] = slot
        return slot
    }

    /// The active children of a unit, reading those the source knows of on first use.
    private mutating func childrenOf(_ unit: UnitID) -> Set<UnitID> {
        if let source, childrenLoaded.insert(unit).inserted {
            for child in source.children(of: unit) {
                if let slot = lookup(child), !slot.tracked.isEnded, slot.tracked.interval.state.parent == unit {
                    children[unit, default: []].insert(child)
                }
            }
        }
        return children[unit] ?? []
    }

    private mutating func active(_ unit: UnitID, _ day: Day) -> Slot? {
        guard let slot = lookup(unit), !slot.tracked.isEnded else { return nil }
        return slot
    }

    /// The unit's current interval, or a diagnostic saying why the unit is not there on the event's day.
    private mutating func require(_ unit: UnitID, _ context: inout Context) -> Slot? {
        if let slot = active(unit, context.day) { return slot }
        fail(&context, "event \(context.id) (\(context.date)) refers to \(unit), " + absence(of: unit, on: context.day))
        return nil
    }

    private mutating func absence(of unit: UnitID, on day: Day) -> String {
        if let tracked = lookup(unit)?.tracked, tracked.isEnded {
            return "which ended on \(tracked.interval.validTo!) (event \(tracked.interval.endEvent ?? "?"))"
        }
        if let first = firstEstablished[unit] {
            return "which is established only on \(first.date) (event \(first.id))"
        }
        return "which does not exist on \(day)"
    }

    /// Checks a new state against the scheme and the hierarchy.
    ///
    /// - Parameter namesKept: The state's names are those of the unit's current state, checked when
    ///   they were given (a unit moved to another parent, a change of level): they are not checked again.
    private mutating func check(_ state: UnitState, of unit: UnitID, namesKept: Bool = false, _ context: inout Context) -> Bool {
        let id = context.id
        let country = Projector.country(of: unit)
        guard let rules = schemes[country] else {
            fail(&context, "event \(id) is about \(unit), but there is no scheme for country '\(country)' (Events/\(country)/scheme.yaml)")
            return false
        }
        let scheme = rules.scheme
        guard namesKept || checkNames(of: state, unit, rules, &context) else { return false }
        guard let level = scheme.level(state.level) else {
            fail(&context, "event \(id) gives \(unit) the level '\(state.level)', which the \(country) scheme does not define")
            return false
        }
        guard let parent = state.parent else {
            if !level.under.isEmpty {
                fail(&context, "event \(id) gives \(unit) no parent, but a \(state.level) sits under \(level.under.joined(separator: " or "))")
                return false
            }
            return true
        }
        guard let parentSlot = require(parent, &context) else { return false }
        guard level.under.contains(parentSlot.tracked.interval.state.level) else {
            fail(&context, "event \(id) puts \(unit) (\(state.level)) under \(parent) (\(parentSlot.tracked.interval.state.level)), but the scheme lets a \(state.level) sit only under \(level.under.isEmpty ? "nothing" : level.under.joined(separator: ", "))")
            return false
        }
        // A unit with no active child is no one's ancestor (every unit in a chain is active, as an
        // active unit's parent is): for a full fold, which knows every unit's children, most units
        // (the lowest tier) need no walk.
        if source == nil && children[unit]?.isEmpty != false { return true }
        // The chain is walked without being kept (every new state of every unit is checked), and
        // walked again for the message in the rare case that it comes back to the unit.
        var cursor = parentSlot.tracked.interval.state.parent
        while let next = cursor {
            if next == unit {
                var chain = [unit, parent]
                var ancestor = parentSlot.tracked.interval.state.parent
                while let next = ancestor {
                    chain.append(next)
                    if next == unit { break }
                    ancestor = lookup(next)?.tracked.interval.state.parent
                }
                fail(&context, "event \(id) would make \(unit) its own ancestor (\(chain.joined(separator: " → ")))")
                return false
            }
            cursor = lookup(next)?.tracked.interval.state.parent
        }
        return true
    }

    /// Checks a state's names against its scheme: known keys, no control or bidirectional
    /// characters, none empty, and one in the scheme's common form.
    private mutating func checkNames(of state: UnitState, _ unit: UnitID, _ rules: Rules, _ context: inout Context) -> Bool {
        let id = context.id
        let known = rules.nameKeys
        if !state.names.keys.allSatisfy(known.contains), let key = state.names.keys.sorted().first(where: { !known.contains($0) }) {
            fail(&context, "event \(id) gives \(unit) a name under '\(key)', which is not a name key of the \(rules.scheme.country) scheme (\(known.sorted().joined(separator: ", ")))")
            return false
        }
        if !state.names.values.allSatisfy(Projector.isPlain) {
            for (key, name) in state.names.sorted(by: { $0.key < $1.key }) {
                if let bad = name.unicodeScalars.first(where: Projector.isUnsafe) {
                    fail(&context, "event \(id) gives \(unit) a name under '\(key)' with the control or bidirectional-override character "
                        + "U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)); names may not contain such characters")
                    return false
                }
                if name.trimmingWhitespace().isEmpty {
                    fail(&context, "event \(id) gives \(unit) an empty name under '\(key)'")
                    return false
                }
            }
        }
        guard state.names[rules.scheme.commonNameKey] != nil else {
            fail(&context, "event \(id) leaves \(unit) without a name under '\(rules.scheme.commonNameKey)', the scheme's common form")
            return false
        }
        return true
    }

    /// The country part of a unit id (`kp` of `kp/rason`).
    static func country(of unit: UnitID) -> String {
        // Searched as bytes, not characters: asked once a unit in a whole hierarchy's views.
        unit.utf8.firstIndex(of: UInt8(ascii: "/")).map { String(unit[..<$0]) } ?? unit
    }

    /// `true` for a name that needs no closer look: no control or bidirectional character, and not
    /// starting with white space (so not blank).
    static func isPlain(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !first.properties.isWhitespace else { return false }
        return !name.unicodeScalars.contains(where: isUnsafe)
    }

    private mutating func checkChildren(of unit: UnitID, fit level: String, _ context: inout Context) -> Bool {
        let country = Projector.country(of: unit)
        for child in childrenOf(unit).sorted() {
            let childLevel = units[child]!.tracked.interval.state.level
            if let rule = schemes[country]?.scheme.level(childLevel), !rule.under.contains(level) {
                fail(&context, "event \(context.id) makes \(unit) a \(level), but its child \(child) (\(childLevel)) may not sit under a \(level)")
                return false
            }
        }
        return true
    }

    /// Moves the active children of an ending unit to their new parents.
    private mutating func move(childrenOf unit: UnitID, default fallback: UnitID?, map: [UnitID: UnitID], _ context: inout Context) -> Bool {
        let current = childrenOf(unit)
        for key in map.keys.sorted() where !current.contains(key) {
            fail(&context, "event \(context.id) reassigns \(key), which is not a child of \(unit) on \(context.day)")
            return false
        }
        let orphans = fallback != nil ? [] : current.filter { map[$0] == nil }.sorted()
        guard orphans.isEmpty else {
            fail(&context, "event \(context.id) ends \(unit) but does not say where its children go: \(orphans.joined(separator: ", ")) (add 'children: {child: new parent}')")
            return false
        }
        var moves: [(child: UnitID, slot: Slot, state: UnitState)] = []
        for child in current.sorted() {
            let slot = units[child]!
            var state = slot.tracked.interval.state
            state.parent = map[child] ?? fallback
            guard state.parent != unit else {
                fail(&context, "event \(context.id) moves \(child) to \(unit), which is the unit that ends")
                return false
            }
            guard check(state, of: child, namesKept: true, &context) else { return false }
            moves.append((child, slot, state))
        }
        // Every child leaves the unit at once (not one set removal each), and the default new
        // parent's set of children is grown once for all of them.
        children[unit] = nil
        if let fallback { children[fallback, default: []].reserveCapacity((children[fallback]?.count ?? 0) + moves.count) }
        // Each state is moved out of the list into its slot, not copied.
        for index in moves.indices {
            open(moves[index].child, taking(&moves[index].state, leaving: Projector.noState), previous: moves[index].slot, namesKept: true, &context)
        }
        return true
    }

    /// Closes a unit's current interval (if any) and opens a new one from the event's day.
    ///
    /// - Parameters:
    ///   - previous: The unit's slot, as the caller looked it up (`nil` for a unit never met).
    ///   - namesKept: The state's names are those of the unit's current state: none is new.
    private mutating func open(_ unit: UnitID, _ state: consuming UnitState, previous: Slot?, namesKept: Bool = false, _ context: inout Context) {
        let day = context.day
        let id = context.id
        if let previous {
            if !previous.tracked.isEnded { close(previous, on: day, by: id) }
            if let oldParent = previous.tracked.interval.state.parent { children[oldParent]?.remove(unit) }
        }
        if !namesKept {
            for (key, name) in state.names where previous?.tracked.interval.state.names[key] != name {
                if let sink { sink.named(Name(unit: unit, key: key, name: name)) } else { result.names.append(Name(unit: unit, key: key, name: name)) }
            }
        }
        let parent = state.parent
        let tracked = Tracked(interval: UnitInterval(unit: unit, validFrom: day, validTo: nil, state: state, event: id, endEvent: nil))
        if let previous { previous.tracked = tracked } else { units[unit] = Slot(tracked) }
        if let parent { children[parent, default: []].insert(unit) }
        context.touch(unit)
    }

    private mutating func end(_ unit: UnitID, _ context: inout Context) {
        if let slot = units[unit] {
            close(slot, on: context.day, by: context.id)
            if let parent = slot.tracked.interval.state.parent { children[parent]?.remove(unit) }
        }
        context.touch(unit)
    }

    /// Ends the unit's current interval; a finished interval that held for no day at all is dropped.
    private mutating func close(_ slot: Slot, on day: Day, by event: String) {
        slot.tracked.interval.validTo = day
        slot.tracked.interval.endEvent = event
        if let rowID = slot.tracked.rowID {
            result.reopened[rowID] = (slot.tracked.interval.validFrom, day, event)
        } else if slot.tracked.interval.validFrom < day {
            if let sink { sink.closed(slot.tracked.interval) } else { result.intervals.append(slot.tracked.interval) }
        }
        slot.tracked.rowID = nil
    }

    private func matches(_ expected: Event.Expectation, _ state: UnitState) -> Bool {
        (expected.level.map { $0 == state.level } ?? true)
            && (expected.parent.map { $0 == state.parent } ?? true)
            && (expected.name.map { name in state.names.values.contains(name) } ?? true)
    }

    private func describe(_ expected: Event.Expectation) -> String {
        var parts: [String] = []
        if let level = expected.level { parts.append("a \(level)") }
        if let parent = expected.parent { parts.append("under \(parent)") }
        if let name = expected.name { parts.append("named \(name)") }
        return parts.joined(separator: " ")
    }

    private func describe(_ state: UnitState) -> String {
        "a \(state.level)" + (state.parent.map { " under \($0)" } ?? "")
    }
}

/// Takes the rows a fold produces as it produces them.
public protocol ProjectionSink: AnyObject {
    /// An interval that has ended (an open one is returned in the result at the end).
    func closed(_ interval: UnitInterval)
    /// A name a unit took under a key with a new state.
    func named(_ name: Projector.Name)
}

/// Where an incremental fold reads the units it has not met yet: the projected tables as
/// they stood just before the fold's first day.
public protocol ProjectionSource {
    /// The unit's latest interval that began before the fold's first day, or `nil`.
    func latest(_ unit: UnitID) -> Projector.Tracked?
    /// The units whose interval holding on the day before the fold's first day has this parent.
    func children(of unit: UnitID) -> [UnitID]
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
