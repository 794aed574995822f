public import Foundation
import Crypto
import Synchronization

/// The contents of an events folder (`Events/`): one scheme per country and
/// every event, in store order (files in sorted path order, events in file order).
public struct EventFolder: Sendable {
    public var schemes: [Scheme]
    public var events: [LocatedEvent]
    /// Everything wrong with the files themselves (syntax, keys, dates, duplicate ids).
    public var diagnostics: [Diagnostic]

    public init(schemes: [Scheme], events: [LocatedEvent], diagnostics: [Diagnostic] = []) {
        self.schemes = schemes
        self.events = events
        self.diagnostics = diagnostics
    }

    /// A SHA-256 over every event file's path and bytes: equal fingerprints mean the files
    /// are unchanged, so a store that recorded them need not read them again.
    public static func fingerprint(of url: URL) -> String? {
        var hasher = SHA256()
        for relative in yamlFiles(in: url) {
            guard let data = FileManager.default.contents(atPath: url.appendingPathComponent(relative).path) else { return nil }
            hasher.update(data: Data("\(relative)\n\(data.count)\n".utf8))
            hasher.update(data: data)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The name of the file in each country folder that holds its scheme.
    public static let schemeFileName = "scheme.yaml"

    /// Reads every `*.yaml` file below a folder.
    ///
    /// - Parameters:
    ///   - url: The events folder; diagnostics name files relative to its parent.
    ///   - progress: Told after each file is read ("reading" 40/107 "event files").
    /// - Throws: ``ChronicleError/notFound(_:)`` when the folder does not exist.
    public static func load(from url: URL, progress: ProgressHandler? = nil) throws(ChronicleError) -> EventFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .notFound("There is no events folder at \(url.path). Run chronicle in a folder that has Events/, or pass --events DIR.")
        }
        let base = url.lastPathComponent
        let paths = yamlFiles(in: url)
        // Files are read and parsed on every core (parsing YAML is most of an import's time), each
        // into its own slot; what they hold is joined below in path order, so that events,
        // schemes and diagnostics come out as a reading one by one would give them.
        let counted = Mutex(0)
        progress?(ProgressReport(step: "reading", done: 0, total: paths.count, unit: "event files"))
        var read = Parallel.each(paths) { relative in
            let contents = FileContents.read(relative, in: url, named: "\(base)/\(relative)")
            if let progress {
                // Told under the lock: one call at a time, and the counts in order.
                counted.withLock { count in
                    count += 1
                    progress(ProgressReport(step: "reading", done: count, total: paths.count, unit: "event files"))
                }
            }
            return contents
        }
        var schemes: [Scheme] = []
        // Each file's events are kept apart and joined once at the end into an array of the exact size:
        // one array grown by appending would reach twice the events' size (a million events of about
        // 250 bytes each, before the strings and lists they point to).
        var files: [[LocatedEvent]] = []
        var sources = SourceLists()
        var diagnostics: [Diagnostic] = []
        // Each file's contents are taken out of `read`, not copied: sharing sources changes the
        // events, and a second reference to them would copy each file's array first.
        read.reverse()
        while let contents = read.popLast() {
            switch consume contents {
            case .scheme(let scheme, let location):
                if schemes.contains(where: { $0.country == scheme.country }) {
                    diagnostics.append(Diagnostic(location: location, message: "a second scheme for the country '\(scheme.country)'; each country has one scheme.yaml"))
                }
                diagnostics += scheme.problems().map { Diagnostic(location: location, message: $0) }
                schemes.append(scheme)
            case .events(var events, let problems):
                for index in events.indices { sources.share(in: &events[index].event) }
                files.append(events)
                diagnostics += problems
            case .unreadable(let diagnostic):
                diagnostics.append(diagnostic)
            }
        }
        var events: [LocatedEvent] = []
        events.reserveCapacity(files.reduce(0) { $0 + $1.count })
        files.reverse()
        while let file = files.popLast() { events += file }
        var folder = EventFolder(schemes: schemes, events: events, diagnostics: diagnostics)
        folder.diagnostics += folder.duplicateIDs()
        return folder
    }

    /// A diagnostic for every id used by more than one event, and for ids not written as slugs.
    func duplicateIDs() -> [Diagnostic] {
        // The position of each id's first event (not the event: a million copies would be held at once).
        var first: [String: Int] = [:]
        first.reserveCapacity(events.count)
        var found: [Diagnostic] = []
        for (position, located) in events.enumerated() {
            if !EventFolder.isSlug(located.event.id, allowing: "-_.") {
                found.append(Diagnostic(
                    location: located.location, eventID: located.event.id,
                    message: "the event id '\(located.event.id)' may use only lower-case letters, digits, '-', '_' and '.'"))
            }
            if case .established(let e) = located.event.action, !EventFolder.isSlug(e.unit, allowing: "-_/") || e.unit.hasSuffix("/") || e.unit.contains("//") {
                found.append(Diagnostic(
                    location: located.location, eventID: located.event.id,
                    message: "the unit id '\(e.unit)' may use only lower-case letters, digits, '-' and '_', in parts joined by '/' (e.g. kp/north-hamgyong)"))
            }
            if let earlier = first[located.event.id] {
                found.append(Diagnostic(
                    location: located.location, eventID: located.event.id,
                    message: "the event id \(located.event.id) is already used at \(events[earlier].location?.description ?? "an earlier event"); ids must be unique"))
            } else {
                first[located.event.id] = position
            }
        }
        return found
    }

    static func isSlug(_ text: String, allowing extra: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || extra.unicodeScalars.contains($0) }
    }

    static func yamlFiles(in url: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: url.path) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") { files.append(path) }
        }
        return files.sorted()
    }

    /// The events in file order, scheduled for a fold without a store.
    public var scheduled: [ScheduledEvent] {
        events.enumerated().map { ScheduledEvent(event: $1.event, location: $1.location, order: $0 + 1) }
    }

    /// Checks every event against every invariant, without a store.
    ///
    /// - Returns: Every diagnostic, file problems first, in file order.
    public func validate() -> [Diagnostic] {
        let corrected = Corrections.effective(scheduled)
        var projector = Projector(schemes: schemes)
        let result = projector.fold(corrected.events)
        return diagnostics + corrected.diagnostics + result.diagnostics
    }
}

/// What one file of an events folder holds, read on its own (``EventFolder/load(from:)``).
enum FileContents: Sendable {
    case scheme(Scheme, SourceLocation)
    case events([LocatedEvent], [Diagnostic])
    case unreadable(Diagnostic)

    static func read(_ relative: String, in folder: URL, named name: String) -> FileContents {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(relative).path),
              let text = String(data: data, encoding: .utf8) else {
            return .unreadable(Diagnostic(location: SourceLocation(file: name, line: 1), message: "the file cannot be read as UTF-8 text"))
        }
        if (relative as NSString).lastPathComponent == EventFolder.schemeFileName {
            do {
                return .scheme(try EventFileReader.readScheme(text, file: name), SourceLocation(file: name, line: 1))
            } catch {
                return .unreadable(error)
            }
        }
        var read = EventFileReader.readEvents(text, file: name)
        // Equal lists of sources shared within the file at once (the whole folder's are shared
        // as the files are joined): a file's events, each with its own copies, would otherwise
        // wait for the join.
        var sources = SourceLists()
        for index in read.events.indices { sources.share(in: &read.events[index].event) }
        return .events(read.events, read.diagnostics)
    }
}

/// One copy of each list of sources read: events that cite the same documents share it.
///
/// A folder cites a few documents thousands of times; each event read from YAML has its own
/// copy of the list and its strings, which at a million events is a few hundred megabytes.
struct SourceLists {
    private var seen: Set<[Source]> = []

    /// Replaces the event's lists of sources (its own and its alternative dates') by equal ones met before.
    mutating func share(in event: inout Event) {
        event.sources = shared(event.sources)
        for index in event.alternatives.indices {
            event.alternatives[index].sources = shared(event.alternatives[index].sources)
        }
    }

    private mutating func shared(_ list: [Source]) -> [Source] {
        if let index = seen.firstIndex(of: list) { return seen[index] }
        seen.insert(list)
        return list
    }
}

/// Failures that are not problems in the event data.
public enum ChronicleError: Error, Sendable, CustomStringConvertible {
    /// A file, folder or unit that does not exist.
    case notFound(String)
    /// The store cannot be opened or written.
    case store(String)
    /// The arguments cannot be acted on.
    case usage(String)

    public var description: String {
        switch self {
        case .notFound(let text), .store(let text), .usage(let text): text
        }
    }
}
