/// What a week of half-hour candidate starts looks like on one member's wall clock: for each
/// of the 336 candidates, the minutes outside their hours, how far from their hours, the
/// weekday and whether the session touches a weekend.
///
/// A slot search asks this for every member of every unit and pod: at 100,000 people that is
/// tens of millions of clock conversions and `minutesOutside` calls. The answer depends only on
/// where the first candidate falls in the member's week, the session length and the working
/// week, and nearly everyone shares a handful of zones and the portal's default week, so one
/// build needs only a few dozen grids. This per-build cache computes each once; the searches
/// then add up small integers. A member whose clock changes during a searched week gets a grid
/// of that zone and week, converted candidate by candidate: all pods of a program search the
/// same weeks, so those are shared too.
final class WeekGrids {
    /// Half-hour starts over seven days.
    static let count = 7 * 48
    static let step = 1800
    private static let weekSeconds = 7 * 86_400

    struct Cell {
        var outside: Int32
        /// `WorkingWeek.gap` when the session is partly outside hours, else 0 (the slot search
        /// adds the gap only for those).
        var gap: Int32
        /// 0 = Monday … 6 = Sunday, of the start.
        var weekday: UInt8
        /// The start's day, counted from the first candidate's day (-1 when a clock going
        /// back right after the first candidate takes the next one into the day before).
        var day: Int8
        /// Starts or ends on a Saturday or Sunday.
        var weekend: Bool
    }

    struct Grid {
        var cells: [Cell]
        /// Day number of the first candidate's start on the member's clock.
        var firstDay: Int
    }

    private struct Key: Hashable {
        /// Seconds into the (Thursday-based) epoch week of the first candidate's wall-clock time.
        var phase: Int
        var minutes: Int
        var start: Int
        var end: Int
        var days: Int
    }

    private struct ZoneKey: Hashable {
        var zone: String
        var base: Int
        var minutes: Int
        var start: Int
        var end: Int
        var days: Int
    }

    private struct ZoneWeek: Hashable {
        var zone: String
        var base: Int
    }

    private var grids: [Key: [Cell]] = [:]
    private var zoneGrids: [ZoneKey: Grid] = [:]
    private var zoneOffsets: [ZoneWeek: [Int]] = [:]

    /// The grid of candidates `base + k * 1800` for a member whose clock is `wallBase - base`
    /// ahead of UTC all week, i.e. whose first candidate reads `wallBase` on their clock.
    func grid(wallBase: Int, minutes: Int, week: WorkingWeek) -> Grid {
        let phase = ((wallBase % WeekGrids.weekSeconds) + WeekGrids.weekSeconds) % WeekGrids.weekSeconds
        let firstDay = (wallBase - phase) / 86_400 + phase / 86_400
        let key = Key(phase: phase, minutes: minutes, start: week.start, end: week.end, days: week.mask)
        if let cells = grids[key] { return Grid(cells: cells, firstDay: firstDay) }
        // Worked out on the clock of the epoch's first week, which has the same weekdays and times.
        let cells = (0..<WeekGrids.count).map { k in
            var (cell, day) = WeekGrids.cell(wall: phase + k * WeekGrids.step, minutes: minutes, week: week)
            cell.day = Int8(day - phase / 86_400)
            return cell
        }
        grids[key] = cells
        return Grid(cells: cells, firstDay: firstDay)
    }

    /// The grid of candidates `base + k * 1800` on `zone`'s clock, whatever its offset does
    /// during the week.
    func grid(zone: String, base: Int, minutes: Int, week: WorkingWeek) -> Grid {
        let key = ZoneKey(zone: zone, base: base, minutes: minutes, start: week.start, end: week.end, days: week.mask)
        if let grid = zoneGrids[key] { return grid }
        let offsets = offsets(zone, base: base)
        let cells = (0..<WeekGrids.count).map { k in
            WeekGrids.cell(wall: base + k * WeekGrids.step + offsets[k], minutes: minutes, week: week)
        }
        let firstDay = Scheduler.clock(base + offsets[0]).day
        let grid = Grid(cells: cells.map { var c = $0.cell; c.day = Int8($0.day - firstDay); return c }, firstDay: firstDay)
        zoneGrids[key] = grid
        return grid
    }

    /// `zone`'s offset at each candidate `base + k * 1800` (0 for an unknown zone).
    func offsets(_ zone: String, base: Int) -> [Int] {
        let key = ZoneWeek(zone: zone, base: base)
        if let offsets = zoneOffsets[key] { return offsets }
        let offsets = (0..<WeekGrids.count).map { Zones.offset(zone, at: base + $0 * WeekGrids.step) ?? 0 }
        zoneOffsets[key] = offsets
        return offsets
    }

    /// One candidate on a wall clock, as the searches work it out; `day` is the day number.
    private static func cell(wall: Int, minutes: Int, week: WorkingWeek) -> (cell: Cell, day: Int) {
        let (day, weekday, minute) = Scheduler.clock(wall)
        let endWeekday = minute + minutes - 1 >= 1440 ? (weekday + 1) % 7 : weekday
        let outside = week.minutesOutside(weekday: weekday, from: minute, to: minute + minutes)
        let gap = outside > 0 ? week.gap(weekday: weekday, from: minute, to: minute + minutes) : 0
        return (Cell(outside: Int32(outside), gap: Int32(gap), weekday: UInt8(weekday), day: 0, weekend: weekday >= 5 || endWeekday >= 5), day)
    }
}
