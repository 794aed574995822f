public import Foundation
import GRDB
import Synchronization

/// An event as the store recorded it: its position, when, and from where.
public struct StoredEvent: Hashable, Sendable {
    /// The event's place in store order, from 1; never reused.
    public var position: Int
    public var event: Event
    /// Where the event was read from when it was recorded.
    public var location: SourceLocation?
    /// When the store recorded it (UTC).
    public var recordedAt: Date
    /// The canonical JSON the store keeps.
    public var payload: String

    var scheduled: ScheduledEvent { ScheduledEvent(event: event, location: location, order: position) }

    /// The columns `init(row:)` reads, in its order: select these, not `*`.
    static let selection = "position, payload, file, line, recordedAt, id"

    /// Reads a row of ``selection`` (by index: looking columns up by name was a measurable cost).
    init(row: Row) throws {
        position = row[0]
        payload = row[1]
        event = try Event.decoded(storedPayload: payload)
        if let file: String = row[2] {
            location = SourceLocation(file: file, line: row[3] ?? 1)
        }
        recordedAt = Timestamp.parseCached(row[4]) ?? Date(timeIntervalSince1970: 0)
    }
}

extension Event {
    /// A payload the store holds, read by the hand-written reader, with `JSONDecoder` as the last
    /// resort (for anything it does not take).
    static func decoded(storedPayload payload: String) throws -> Event {
        var reader = PayloadReader()
        return try decoded(storedPayload: payload, reader: &reader)
    }

    /// A payload read with a reader kept from one payload to the next (which shares their sources when they are the same).
    static func decoded(storedPayload payload: String, reader: inout PayloadReader) throws -> Event {
        do { return try reader.event(payload) } catch { return try JSONDecoder().decode(Event.self, from: Data(payload.utf8)) }
    }
}

/// The canonical forms the store writes: sorted-key JSON and ISO 8601 UTC timestamps.
enum Canonical {
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// ISO 8601 timestamps with milliseconds, always UTC.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// The events of one import share their recorded time: the last one parsed is kept.
    private static let lastParsed = Mutex<(text: String, date: Date?)>(("", nil))

    static func parseCached(_ text: String) -> Date? {
        if let hit = lastParsed.withLock({ $0.text == text ? $0.date : nil }) { return hit }
        let date = parse(text)
        lastParsed.withLock { $0 = (text, date) }
        return date
    }

    public static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
