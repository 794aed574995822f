import Testing
@testable import ChronicleKit

@Suite struct EDTFDateTests {
    @Test(arguments: [
        ("1993", "1993-01-01", "1994-01-01", EDTFDate.Qualifier.none),
        ("1993-09", "1993-09-01", "1993-10-01", .none),
        ("1993-12", "1993-12-01", "1994-01-01", .none),
        ("1993-09-07", "1993-09-07", "1993-09-08", .none),
        ("2000-02-29", "2000-02-29", "2000-03-01", .none),
        ("2004?", "2004-01-01", "2005-01-01", .uncertain),
        ("2004~", "2004-01-01", "2005-01-01", .approximate),
        ("2004-06%", "2004-06-01", "2004-07-01", .uncertainAndApproximate),
        ("199X", "1990-01-01", "2000-01-01", .none),
        ("19XX", "1900-01-01", "2000-01-01", .none),
        ("2004-XX", "2004-01-01", "2005-01-01", .none),
        ("2004-05-XX", "2004-05-01", "2004-06-01", .none),
        ("1993/1994-06", "1993-01-01", "1994-07-01", .none),
        (" 1946-09 ", "1946-09-01", "1946-10-01", .none),
    ])
    func parsesToAnInterval(text: String, earliest: String, latest: String, qualifier: EDTFDate.Qualifier) throws {
        let date = try EDTFDate(text)
        #expect(date.earliest.description == earliest)
        #expect(date.latest.description == latest)
        #expect(date.qualifier == qualifier)
    }

    @Test func onlyOneUnqualifiedDayIsExact() throws {
        #expect(try EDTFDate("1993-09-07").isExact)
        #expect(try !EDTFDate("1993-09-07?").isExact)
        #expect(try !EDTFDate("1993-09").isExact)
    }

    @Test(arguments: [
        ("1993-13", "'1993-13' is not a valid EDTF date: month 13 does not exist"),
        ("1993-02-29", "'1993-02-29' is not a valid EDTF date: day 29 does not exist in 1993-02"),
        ("93", "'93' is not a valid EDTF date: the year must have four digits (X for an unspecified digit)"),
        ("1993-21", "'1993-21' is not a valid EDTF date: seasons (months 21-41) are not supported; use a month interval such as 1993-03/1993-05"),
        ("1X93", "'1X93' is not a valid EDTF date: unspecified digits (X) must be the last digits of the year"),
        ("1XXX", "'1XXX' is not a valid EDTF date: at most the last two digits of a year may be unspecified"),
        ("199X-05", "'199X-05' is not a valid EDTF date: a year with unspecified digits cannot carry a month or a day"),
        ("2004?-05", "'2004?-05' is not a valid EDTF date: a qualifier (?, ~ or %) may only stand at the end of a date"),
        ("1995/1990", "'1995/1990' is not a valid EDTF date: the interval ends before it begins"),
        ("../2004", "'../2004' is not a valid EDTF date: open or unknown interval ends are not supported; give both ends"),
        ("", "'' is not a valid EDTF date: the date is empty"),
        ("June 1993", "'June 1993' is not a valid EDTF date: the year must have four digits (X for an unspecified digit)"),
    ])
    func refusesWithAReason(text: String, message: String) {
        #expect(throws: EDTFError.self) { try EDTFDate(text) }
        do {
            _ = try EDTFDate(text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func daysRoundTripThroughTheCivilCalendar() {
        for ordinal in stride(from: -800_000, through: 800_000, by: 997) {
            let civil = Day(ordinal: ordinal).civil
            #expect(Day(year: civil.year, month: civil.month, day: civil.day)?.ordinal == ordinal)
        }
        #expect(Day(year: 1970, month: 1, day: 1)?.ordinal == 0)
        #expect(Day(year: 1900, month: 2, day: 29) == nil)
        #expect(Day(year: 2000, month: 2, day: 29)?.description == "2000-02-29")
    }
}
