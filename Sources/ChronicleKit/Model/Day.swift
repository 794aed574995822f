/// A calendar day in the proleptic Gregorian calendar, counted from 1970-01-01.
///
/// Chronicle works in whole days: an effective date is an interval of days, and
/// every as-of query asks about one day. Counting days as integers keeps the
/// projection tables small and every comparison a single integer comparison.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01 (negative before).
    public var ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// The day of a valid civil date, or `nil` when the month or day is out of range.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year) else {
            return nil
        }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        ordinal = era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM` (the first of the month) or `YYYY` (1 January).
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts[0].count == 4,
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0])
        else { return nil }
        let month = parts.count > 1 ? Int(parts[1]) ?? 0 : 1
        let day = parts.count > 2 ? Int(parts[2]) ?? 0 : 1
        if parts.count > 1 && parts[1].count != 2 { return nil }
        if parts.count > 2 && parts[2].count != 2 { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The civil year, month and day.
    public var civil: (year: Int, month: Int, day: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var year: Int { civil.year }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = civil
        guard (0...9999).contains(y) else { return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))" }
        // Written in place: ten bytes make a small string, with nothing allocated (a whole hierarchy's
        // views write two dates each).
        let zero = UInt8(ascii: "0")
        return String(unsafeUninitializedCapacity: 10) { bytes in
            bytes[0] = zero + UInt8(y / 1000)
            bytes[1] = zero + UInt8(y / 100 % 10)
            bytes[2] = zero + UInt8(y / 10 % 10)
            bytes[3] = zero + UInt8(y % 10)
            bytes[4] = UInt8(ascii: "-")
            bytes[5] = zero + UInt8(m / 10)
            bytes[6] = zero + UInt8(m % 10)
            bytes[7] = UInt8(ascii: "-")
            bytes[8] = zero + UInt8(d / 10)
            bytes[9] = zero + UInt8(d % 10)
            return 10
        }
    }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public init(from decoder: any Decoder) throws {
        ordinal = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(ordinal)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(abs(value))
    return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
