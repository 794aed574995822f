/// Where a long piece of work stands: a step and how far along it is.
///
/// The library prints nothing; whoever starts the work (the command line draws one line on a
/// terminal) passes a ``ProgressHandler`` and shows what it is told. A million events take
/// minutes to import from YAML and about twenty seconds to project.
public struct ProgressReport: Sendable, Hashable {
    /// What is being done, as a phrase that reads with the count after it: "reading" (40/107 event
    /// files), "building the projection: making" (3/10 indexes), "building the projection: applying corrections".
    public var step: String
    /// How many of ``total`` are done.
    public var done: Int
    /// How many there are in all; 0 when the step is not counted.
    public var total: Int
    /// What is counted ("event files", "events", "indexes"); empty when nothing is.
    public var unit: String

    public init(step: String, done: Int = 0, total: Int = 0, unit: String = "") {
        self.step = step
        self.done = done
        self.total = total
        self.unit = unit
    }

    /// The step as one short line: `building the projection: making 3/10 indexes (30 %)`, or
    /// the step alone when it is not counted.
    public var line: String {
        guard total > 0 else { return step + " …" }
        let percent = Int((Double(min(done, total)) / Double(total) * 100).rounded(.down))
        return "\(step) \(ProgressReport.grouped(done))/\(ProgressReport.grouped(total)) \(unit) (\(percent) %)"
    }

    /// A count with its thousands grouped by commas (`1,054,032`).
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}

/// Told where a long piece of work stands. It may be called from any thread, but never from two
/// at once, and a step's counts only grow.
public typealias ProgressHandler = @Sendable (ProgressReport) -> Void
