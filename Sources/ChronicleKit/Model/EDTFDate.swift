/// An effective date written in the Extended Date/Time Format (EDTF, ISO 8601-2).
///
/// Chronicle reads EDTF level 0 (`1993`, `1993-09`, `1993-09-07`, and intervals
/// `1993/1994-06`) and the level-1 features a historian needs most: the
/// qualifiers `?` (uncertain), `~` (approximate) and `%` (both) on a whole date,
/// and unspecified digits (`199X`, `19XX`, `2004-XX`, `2004-05-XX`).
///
/// Every date is an interval of days `[earliest, latest)`, start-inclusive and
/// end-exclusive: `1993` is 1993-01-01 up to (not including) 1994-01-01.
public struct EDTFDate: Hashable, Sendable, CustomStringConvertible {
    /// How sure the source is of the date, from the level-1 qualifier.
    public enum Qualifier: String, Sendable, Codable {
        case none = ""
        case uncertain = "?"
        case approximate = "~"
        case uncertainAndApproximate = "%"
    }

    /// The text as written, e.g. `2004?`.
    public let text: String
    /// The first day the date may denote.
    public let earliest: Day
    /// The day after the last day the date may denote.
    public let latest: Day
    public let qualifier: Qualifier

    /// `true` when the date names one day and carries no qualifier.
    public var isExact: Bool { latest.ordinal - earliest.ordinal == 1 && qualifier == .none }

    public var description: String { text }

    /// Parses an EDTF string.
    ///
    /// - Throws: ``EDTFError`` with a sentence saying what is wrong.
    public init(_ text: String) throws(EDTFError) {
        if let plain = EDTFDate.plain(text) {
            self = plain
            return
        }
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw EDTFError(text: text, reason: "the date is empty") }
        self.text = trimmed
        if trimmed.contains("/") {
            let ends = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard ends.count == 2 else {
                throw EDTFError(text: trimmed, reason: "an interval has exactly one '/'")
            }
            if ends.contains(where: { $0.isEmpty || $0 == ".." }) {
                throw EDTFError(text: trimmed, reason: "open or unknown interval ends are not supported; give both ends")
            }
            let start = try EDTFDate.parseSingle(String(ends[0]), whole: trimmed)
            let end = try EDTFDate.parseSingle(String(ends[1]), whole: trimmed)
            guard start.earliest < end.latest else {
                throw EDTFError(text: trimmed, reason: "the interval ends before it begins")
            }
            earliest = start.earliest
            latest = end.latest
            qualifier = start.qualifier != .none ? start.qualifier : end.qualifier
        } else {
            let single = try EDTFDate.parseSingle(trimmed, whole: trimmed)
            (earliest, latest, qualifier) = (single.earliest, single.latest, single.qualifier)
        }
    }

    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with digits only, read without the general parser
    /// (most dates are these; the store reads one per event on every rebuild).
    private static func plain(_ text: String) -> EDTFDate? {
        var digits: [Int] = []
        var count = 0
        for (offset, byte) in text.utf8.enumerated() {
            count += 1
            if offset == 4 || offset == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), offset < 10 else { return nil }
                digits.append(Int(byte - UInt8(ascii: "0")))
            }
        }
        func number(_ range: Range<Int>) -> Int { digits[range].reduce(0) { $0 * 10 + $1 } }
        let year = count >= 4 ? number(0..<4) : 0
        switch count {
        case 4:
            return EDTFDate(text: text, earliest: Day(year: year, month: 1, day: 1)!, latest: Day(year: year + 1, month: 1, day: 1)!)
        case 7:
            let month = number(4..<6)
            guard let start = Day(year: year, month: month, day: 1) else { return nil }
            let end = month == 12 ? Day(year: year + 1, month: 1, day: 1)! : Day(year: year, month: month + 1, day: 1)!
            return EDTFDate(text: text, earliest: start, latest: end)
        case 10:
            guard let day = Day(year: year, month: number(4..<6), day: number(6..<8)) else { return nil }
            return EDTFDate(text: text, earliest: day, latest: day.adding(days: 1))
        default:
            return nil
        }
    }

    private init(text: String, earliest: Day, latest: Day) {
        self.text = text
        self.earliest = earliest
        self.latest = latest
        qualifier = .none
    }

    /// A date of exactly one day, with no qualifier.
    public init(day: Day) {
        text = day.description
        earliest = day
        latest = day.adding(days: 1)
        qualifier = .none
    }

    private static func parseSingle(
        _ raw: String, whole: String
    ) throws(EDTFError) -> (earliest: Day, latest: Day, qualifier: Qualifier) {
        var body = Substring(raw)
        var qualifier = Qualifier.none
        if let last = body.last, let q = Qualifier(rawValue: String(last)), q != .none {
            qualifier = q
            body = body.dropLast()
        }
        if body.contains(where: { "?~%".contains($0) }) {
            throw EDTFError(text: whole, reason: "a qualifier (?, ~ or %) may only stand at the end of a date")
        }
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else {
            throw EDTFError(text: whole, reason: "expected YYYY, YYYY-MM or YYYY-MM-DD")
        }
        let yearText = parts[0]
        guard yearText.count == 4, yearText.allSatisfy({ $0.isASCIIDigit || $0 == "X" }) else {
            throw EDTFError(text: whole, reason: "the year must have four digits (X for an unspecified digit)")
        }
        // Unspecified year digits may only be trailing: 199X, 19XX.
        let xs = yearText.reversed().prefix(while: { $0 == "X" }).count
        guard !yearText.dropLast(xs).contains("X") else {
            throw EDTFError(text: whole, reason: "unspecified digits (X) must be the last digits of the year")
        }
        guard xs <= 2 else {
            throw EDTFError(text: whole, reason: "at most the last two digits of a year may be unspecified")
        }
        let span = [1, 10, 100][xs]
        let firstYear = Int(yearText.prefix(4 - xs) + String(repeating: "0", count: xs))!
        if xs > 0 && parts.count > 1 {
            throw EDTFError(text: whole, reason: "a year with unspecified digits cannot carry a month or a day")
        }
        if parts.count == 1 {
            return (Day(year: firstYear, month: 1, day: 1)!, Day(year: firstYear + span, month: 1, day: 1)!, qualifier)
        }
        let monthText = parts[1]
        if monthText == "XX" {
            guard parts.count == 2 || parts[2] == "XX" else {
                throw EDTFError(text: whole, reason: "a day cannot be given when the month is unspecified")
            }
            return (Day(year: firstYear, month: 1, day: 1)!, Day(year: firstYear + 1, month: 1, day: 1)!, qualifier)
        }
        guard monthText.count == 2, monthText.allSatisfy(\.isASCIIDigit), let month = Int(monthText) else {
            throw EDTFError(text: whole, reason: "the month must have two digits")
        }
        guard (1...12).contains(month) else {
            let reason = (21...41).contains(month)
                ? "seasons (months 21-41) are not supported; use a month interval such as 1993-03/1993-05"
                : "month \(month) does not exist"
            throw EDTFError(text: whole, reason: reason)
        }
        let monthStart = Day(year: firstYear, month: month, day: 1)!
        let monthEnd = month == 12 ? Day(year: firstYear + 1, month: 1, day: 1)! : Day(year: firstYear, month: month + 1, day: 1)!
        if parts.count == 2 || parts[2] == "XX" {
            return (monthStart, monthEnd, qualifier)
        }
        let dayText = parts[2]
        guard dayText.count == 2, dayText.allSatisfy(\.isASCIIDigit), let dayNumber = Int(dayText) else {
            throw EDTFError(text: whole, reason: "the day must have two digits")
        }
        guard let day = Day(year: firstYear, month: month, day: dayNumber) else {
            throw EDTFError(text: whole, reason: "day \(dayNumber) does not exist in \(String(yearText))-\(String(monthText))")
        }
        return (day, day.adding(days: 1), qualifier)
    }
}

/// A date that is not valid EDTF, with the reason in words.
public struct EDTFError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String
    public var description: String { "'\(text)' is not a valid EDTF date: \(reason)" }
}

extension EDTFDate: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        guard let first, let last, first.isWhitespace || last.isWhitespace else { return String(self) }
        return String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
