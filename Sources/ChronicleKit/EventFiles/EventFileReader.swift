import Foundation
import Yams

/// An event together with the place in a file it was read from.
public struct LocatedEvent: Hashable, Sendable {
    public var event: Event
    public var location: SourceLocation?

    public init(event: Event, location: SourceLocation?) {
        self.event = event
        self.location = location
    }
}

/// Reads event files and scheme files, turning every problem into a located diagnostic.
public enum EventFileReader {
    /// Reads one file of events (a YAML sequence of event mappings).
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - file: The path to name in diagnostics.
    /// - Returns: The events read, and a diagnostic for every event or line that could not be read.
    public static func readEvents(_ text: String, file: String) -> (events: [LocatedEvent], diagnostics: [Diagnostic]) {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { return ([], []) }
            root = node
        } catch {
            return ([], [syntaxDiagnostic(error, file: file)])
        }
        let budget = nodeBudget(for: text)
        guard count(root, limit: budget) <= budget else {
            return ([], [Diagnostic(
                location: SourceLocation(file: file, line: 1),
                message: "the file expands to more than \(budget) YAML nodes through anchors and aliases (&name, *name); "
                    + "event files may not repeat content by alias at that scale")])
        }
        guard case .sequence(let items) = root else {
            return ([], [Diagnostic(
                location: SourceLocation(file: file, line: root.mark?.line ?? 1),
                message: "an event file holds a list of events (each item starting with '- id:'), not a \(kind(of: root))")])
        }
        var events: [LocatedEvent] = []
        var diagnostics: [Diagnostic] = []
        // One decoder for the file: making one reads the process's whole environment (for Yams'
        // default encoding), which was a sixth of an import's time when made for every event.
        let decoder = YAMLDecoder()
        for item in items {
            let location = SourceLocation(file: file, line: item.mark?.line ?? 1)
            guard case .mapping(let mapping) = item else {
                diagnostics.append(Diagnostic(location: location, message: "each event is a mapping of keys (id, type, date, …), not a \(kind(of: item))"))
                continue
            }
            // Most events are read without Yams' decoder; the rest, and every mistake, through it.
            if let event = plainEvent(mapping) {
                events.append(LocatedEvent(event: event, location: location))
                continue
            }
            do {
                let event = try decoder.decode(Event.self, from: keyedByText(item))
                events.append(LocatedEvent(event: event, location: location))
            } catch {
                // (The id looked up only here: Yams resolves a looked-up key through regular expressions.)
                diagnostics.append(decodingDiagnostic(error, node: item, file: file, eventID: item["id"]?.string))
            }
        }
        return (events, diagnostics)
    }

    /// The event a mapping holds, read without Yams' `Decoder`, or `nil` when anything in it is
    /// out of the ordinary: then the `Decodable` path reads it, and names what is wrong.
    ///
    /// Yams' `Decoder` took about two thirds of reading an event file (keyed containers that
    /// compare every key with nodes they make afresh, each mapping flattened again for each
    /// container, and copies of nodes throughout; docs/benchmarks.md). Here the mapping becomes
    /// the members the store's own JSON reader maps to an event (``Event/init(stored:)``): scalars
    /// are text, as `String` fields read them, and plain `~`, `null` and empty scalars are null,
    /// as Yams reads optional fields; the few numbers (weights, values, coordinates) and the one
    /// flag (`baseline`) are read only in their plain decimal and `true`/`false` forms. Everything
    /// else gives `nil`: a key the event's type may not carry, a merge key or alias, a
    /// correction (its `set` keeps YAML's types), an alternative date without sources, a number
    /// in another form. A test reads every event of the bundled, fixture and synthetic files both
    /// ways and expects the same events.
    static func plainEvent(_ mapping: Node.Mapping) -> Event? {
        guard var members = plainObject(mapping), case .string(let type)? = members["type"],
              type != "corrected", let allowed = Event.keysByType[type] else { return nil }
        let permitted = Set((Event.commonKeys + allowed).map(\.rawValue))
        guard members.keys.allSatisfy(permitted.contains) else { return nil }
        // The members that are numbers or a flag, read again from their nodes.
        for pair in mapping {
            guard let key = pair.key.scalar?.string else { return nil }
            switch key {
            case "weights", "values":
                guard case .mapping(let numbers) = pair.value else { return nil }
                var out: [String: JSONValue] = [:]
                for number in numbers {
                    guard let name = number.key.scalar?.string, let value = plainNumber(number.value) else { return nil }
                    out[name] = .number(value)
                }
                members[key] = .object(out)
            case "coordinate":
                guard let coordinate = plainCoordinate(pair.value) else { return nil }
                members[key] = coordinate
            case "to":
                guard case .mapping(let change) = pair.value, case .object(var to)? = members[key] else { return nil }
                if let node = value(of: "coordinate", in: change) {
                    guard let coordinate = plainCoordinate(node) else { return nil }
                    to["coordinate"] = coordinate
                }
                members[key] = .object(to)
            case "baseline":
                guard let scalar = pair.value.scalar, scalar.style == .plain, scalar.string == "true" || scalar.string == "false" else { return nil }
                members[key] = .bool(scalar.string == "true")
            case "alternatives":
                // (The store's reader takes an alternative without sources as citing none; a file must give them.)
                guard case .array(let items)? = members[key],
                      items.allSatisfy({ if case .object(let a) = $0 { a["sources"] != nil } else { false } }) else { return nil }
            default:
                break
            }
        }
        return try? Event(stored: members)
    }

    /// A mapping's members as text, arrays and objects (see ``plainEvent(_:)``); `nil` for a merge
    /// key, an alias, a key that is not text or one given twice.
    private static func plainObject(_ mapping: Node.Mapping) -> [String: JSONValue]? {
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(mapping.count)
        for pair in mapping {
            guard let key = pair.key.scalar, !(key.style == .plain && key.string == "<<"),
                  let value = plainValue(pair.value), members.updateValue(value, forKey: key.string) == nil else { return nil }
        }
        return members
    }

    private static func plainValue(_ node: Node) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
            return .string(scalar.string)
        case .mapping(let mapping):
            return plainObject(mapping).map(JSONValue.object)
        case .sequence(let sequence):
            var items: [JSONValue] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                guard let value = plainValue(item) else { return nil }
                items.append(value)
            }
            return .array(items)
        case .alias:
            return nil
        }
    }

    /// `lat` and `lon`, both plain decimal numbers.
    private static func plainCoordinate(_ node: Node) -> JSONValue? {
        guard case .mapping(let mapping) = node, var members = plainObject(mapping),
              let lat = value(of: "lat", in: mapping).flatMap(plainNumber), let lon = value(of: "lon", in: mapping).flatMap(plainNumber)
        else { return nil }
        members["lat"] = .number(lat)
        members["lon"] = .number(lon)
        return .object(members)
    }

    /// The value under a key, found by the key's text (Yams' `mapping[key]` resolves the key's tag
    /// through regular expressions on every look-up).
    private static func value(of key: String, in mapping: Node.Mapping) -> Node? {
        mapping.first { $0.key.scalar?.string == key }?.value
    }

    /// A plain scalar written as a decimal number (`-12`, `0.5`, `1.5e3`): the forms in which Yams
    /// and `Double` read the same value. Other forms (`.5`, `1_000`, `0x1F`, `.inf`) give `nil`.
    static func plainNumber(_ node: Node) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain else { return nil }
        var bytes = scalar.string.utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        func digits() -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        guard digits() > 0 else { return nil }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return nil }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return nil }
        }
        guard bytes.isEmpty else { return nil }
        return Double(scalar.string)
    }

    /// The node with every mapping's keys found by their text alone.
    ///
    /// Yams' decoder finds a key by making a node of the key's text and comparing it with each key
    /// of the mapping, text and resolved tag; the node it makes resolves its tag afresh every time,
    /// through up to seven regular expressions (bool, int, float, null, timestamp, …). That was a
    /// third of reading an event file. Here each key is a plain string (`!!str`) and each mapping
    /// resolves the keys it is asked for with no rules (Yams' `Resolver.basic`), so a key is found
    /// when its text is equal and nothing else is looked at. A key is text to Chronicle anyway:
    /// `no:` (Norwegian) is a key, not `false`. Merge keys (`<<`) and value keys (`=`) keep their
    /// tags, so that merges still work.
    static func keyedByText(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            let pairs = mapping.map { pair -> (Node, Node) in
                var key = pair.key
                if case .scalar(let scalar) = key, !keepsItsTag(scalar) {
                    key = .scalar(Node.Scalar(scalar.string, plainText, scalar.style, scalar.mark))
                }
                return (key, keyedByText(pair.value))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag.copy(resolver: .basic), mapping.style, mapping.mark, mapping.anchor))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(keyedByText), sequence.tag, sequence.style, sequence.mark, sequence.anchor))
        case .scalar, .alias:
            return node
        }
    }

    /// A key already plain text, or a merge or value key (resolved when the file was composed, or not yet).
    private static func keepsItsTag(_ key: Node.Scalar) -> Bool {
        switch key.tag.rawValue {
        case Tag.Name.str.rawValue, Tag.Name.merge.rawValue, Tag.Name.value.rawValue: true
        case Tag.Name.implicit.rawValue: key.string == "<<" || key.string == "="
        default: false
        }
    }

    /// An explicit `!!str` tag, shared: a tag that is not implicit is never changed by resolving it.
    nonisolated(unsafe) private static let plainText = Tag(.str)

    /// The most nodes a file may expand to: generous for any real file, far below an alias bomb.
    static func nodeBudget(for text: String) -> Int { 10_000 + 50 * text.utf8.count / 8 }

    /// Counts a node tree as a reader would walk it (aliases expanded), stopping past `limit`.
    static func count(_ node: Node, limit: Int) -> Int {
        var total = 0
        var stack = [node]
        while let next = stack.popLast() {
            total += 1
            if total > limit { return total }
            switch next {
            case .mapping(let mapping):
                for (key, value) in mapping { stack.append(key); stack.append(value) }
            case .sequence(let sequence):
                stack.append(contentsOf: sequence)
            case .scalar, .alias:
                break
            }
        }
        return total
    }

    /// Reads a country's scheme file.
    ///
    /// - Throws: ``Diagnostic`` naming the file and line.
    public static func readScheme(_ text: String, file: String) throws(Diagnostic) -> Scheme {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw Diagnostic(location: SourceLocation(file: file, line: 1), message: "the scheme file is empty")
            }
            root = node
        } catch let diagnostic as Diagnostic {
            throw diagnostic
        } catch {
            throw syntaxDiagnostic(error, file: file)
        }
        let budget = nodeBudget(for: text)
        guard count(root, limit: budget) <= budget else {
            throw Diagnostic(location: SourceLocation(file: file, line: 1),
                             message: "the file expands to more than \(budget) YAML nodes through anchors and aliases (&name, *name)")
        }
        do {
            return try YAMLDecoder().decode(Scheme.self, from: keyedByText(root))
        } catch {
            throw decodingDiagnostic(error, node: root, file: file, eventID: nil)
        }
    }

    static func syntaxDiagnostic(_ error: any Error, file: String) -> Diagnostic {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(let context, let problem, let mark, _),
                 .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                let detail = context.map { " (\($0.text))" } ?? ""
                return Diagnostic(location: SourceLocation(file: file, line: mark.line),
                                  message: "YAML syntax error: \(problem)\(detail) at column \(mark.column)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                return Diagnostic(location: SourceLocation(file: file, line: context.mark.line),
                                  message: "YAML error: the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears twice in one mapping")
            case .reader(let problem, _, _, _):
                return Diagnostic(location: SourceLocation(file: file, line: 1), message: "the file cannot be read as YAML text: \(problem)")
            default:
                break
            }
        }
        return Diagnostic(location: SourceLocation(file: file, line: 1), message: "YAML error: \(error)")
    }

    static func decodingDiagnostic(_ error: any Error, node: Node, file: String, eventID: String?) -> Diagnostic {
        let subject = eventID.map { "event \($0): " } ?? ""
        guard let decoding = error as? DecodingError else {
            if let diagnostic = error as? Diagnostic { return diagnostic }
            return Diagnostic(location: SourceLocation(file: file, line: node.mark?.line ?? 1), eventID: eventID,
                              message: "\(subject)\(error)")
        }
        let path: [any CodingKey]
        let message: String
        switch decoding {
        case .keyNotFound(let key, let context):
            path = context.codingPath
            let owner = context.codingPath.isEmpty ? "" : " in '\(name(of: context.codingPath))'"
            message = "the required key '\(key.stringValue)' is missing\(owner)"
        case .typeMismatch(let type, let context):
            path = context.codingPath
            message = "'\(name(of: context.codingPath))' should be \(describe(type))"
        case .valueNotFound(let type, let context):
            path = context.codingPath
            message = "'\(name(of: context.codingPath))' is empty; it should be \(describe(type))"
        case .dataCorrupted(let context):
            path = context.codingPath
            let place = context.codingPath.isEmpty ? "" : "'\(name(of: context.codingPath))': "
            message = place + context.debugDescription
        @unknown default:
            path = []
            message = "\(decoding)"
        }
        let line = locate(path, in: node)?.mark?.line ?? node.mark?.line ?? 1
        return Diagnostic(location: SourceLocation(file: file, line: line), eventID: eventID, message: subject + message)
    }

    /// The deepest node a coding path reaches.
    static func locate(_ path: [any CodingKey], in node: Node) -> Node? {
        var current = node
        for key in path {
            if let index = key.intValue, case .sequence(let items) = current, index < items.count {
                current = items[index]
            } else if let child = current[key.stringValue] {
                current = child
            } else {
                break
            }
        }
        return current
    }

    static func name(of path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Double.Type, is Int.Type: "a number"
        case is [String: String].Type, is [String: String?].Type: "a mapping of keys to strings"
        default:
            "\(type)".contains("Scalar") ? "a single value" : "\(type)".hasPrefix("Array") ? "a list" : "a mapping"
        }
    }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar: "single value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }
}
