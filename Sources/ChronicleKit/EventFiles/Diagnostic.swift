/// A place in an event file.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The file's path relative to the events folder's parent, e.g. `Events/kp/rason.yaml`.
    public var file: String
    /// 1-based line number.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One problem found in event files or in the events themselves, located and
/// phrased as a sentence, printed as `file:line: error: message`.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var eventID: String?
    public var message: String

    public init(location: SourceLocation?, eventID: String? = nil, message: String) {
        self.location = location
        self.eventID = eventID
        self.message = message
    }

    public var description: String {
        let place = location.map { "\($0): " } ?? ""
        return "\(place)error: \(message)"
    }
}

/// Several diagnostics found together: nothing was written.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
