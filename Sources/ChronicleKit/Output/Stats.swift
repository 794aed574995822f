/// How many units of each level existed on one day of a year.
public struct YearCount: Hashable, Sendable, Encodable {
    public var year: Int
    /// The day counted (ISO date).
    public var day: String
    /// Level code → number of units.
    public var counts: [String: Int]
    public var total: Int
}

extension YearCount {
    /// One count per year, on the same month and day of each year.
    ///
    /// - Parameters:
    ///   - years: The years to count.
    ///   - month: The month of the day counted (default 12, with `day` 31: the state at the end of each year).
    public static func yearly(_ years: ClosedRange<Int>, month: Int = 12, day: Int = 31, in store: EventStore) throws(ChronicleError) -> [YearCount] {
        let days = years.compactMap { year in
            Day(year: year, month: month, day: min(day, Day.daysIn(month: month, year: year))).map { (year: year, day: $0) }
        }
        let counts = try store.levelCounts(on: days.map(\.day))
        return zip(days, counts).map { sample, counts in
            YearCount(year: sample.year, day: sample.day.description, counts: counts, total: counts.values.reduce(0, +))
        }
    }

    /// The level codes that occur, most senior first (by the schemes' ranks).
    static func columns(_ rows: [YearCount], schemes: [Scheme]) -> [String] {
        let present = Set(rows.flatMap(\.counts.keys))
        let rank = Dictionary(schemes.flatMap(\.levels).map { ($0.code, $0.rank) }, uniquingKeysWith: max)
        return present.sorted { (-(rank[$0] ?? 0), $0) < (-(rank[$1] ?? 0), $1) }
    }

    /// Aligned columns, one row per year.
    public static func table(_ rows: [YearCount], schemes: [Scheme]) -> String {
        let levels = columns(rows, schemes: schemes)
        return TextTable.render(header: ["YEAR"] + levels.map { $0.uppercased() } + ["TOTAL"], rows: rows.map { row in
            [String(row.year)] + levels.map { String(row.counts[$0] ?? 0) } + [String(row.total)]
        })
    }

    /// RFC 4180 CSV, one row per year.
    public static func csv(_ rows: [YearCount], schemes: [Scheme]) -> String {
        let levels = columns(rows, schemes: schemes)
        return CSV.render([["year", "day"] + levels + ["total"]] + rows.map { row in
            [String(row.year), row.day] + levels.map { String(row.counts[$0] ?? 0) } + [String(row.total)]
        })
    }
}
