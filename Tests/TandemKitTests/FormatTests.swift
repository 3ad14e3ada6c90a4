import Foundation
import Testing
@testable import TandemKit

/// The small value formats Tandem reads and writes: dates, durations, calendar text, CSV
/// cells and session plans.
@Suite struct FormatTests {
    @Test func datesAreStrict() {
        #expect(LocalDate("2027-02-30") == nil)
        #expect(LocalDate("2028-02-29") != nil)
        #expect(LocalDate("2027-2-3") == nil)
        let d = LocalDate("2027-01-11")!
        #expect(d.weekday == 0)
        #expect(d.adding(days: 14).description == "2027-01-25")
        #expect(LocalDate("2027-01-31")!.adding(months: 1).description == "2027-02-28")
        #expect(LocalDate(dayNumber: d.dayNumber) == d)
    }

    @Test func durations() {
        #expect(Duration.minutes("45m") == 45)
        #expect(Duration.minutes("1h30m") == 90)
        #expect(Duration.minutes("2h") == 120)
        #expect(Duration.minutes("0m") == nil)
        #expect(Duration.minutes("abc") == nil)
    }

    @Test func calendarTextIsEscapedAndFolded() {
        #expect(ICalendar.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne")
        let long = "DESCRIPTION:" + String(repeating: "é", count: 80)
        let folded = ICalendar.fold(long)
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 75 })
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == long)
    }

    @Test func csvCellsCannotRunFormulas() {
        #expect(Pages.csvCell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(Pages.csvCell("+1") == "'+1")
        #expect(Pages.csvCell("plain") == "plain")
        #expect(Pages.csvCell("a,b") == "\"a,b\"")
    }

    @Test func sessionPlanAddsUpToTheSessionLength() {
        for minutes in [20, 30, 45, 60, 90] {
            let plan = Scheduler.plan(minutes: minutes, activity: nil, isLast: false)
            #expect(plan.reduce(0) { $0 + $1.1 } == minutes)
        }
    }
}
