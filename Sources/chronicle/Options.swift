public import ArgumentParser
public import ChronicleKit
import Foundation
import Glibc
import Synchronization

/// Where the events and the store are; shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The events folder.", valueName: "dir"))
    var events: String?

    @Option(name: .long, help: ArgumentHelp("The store file (default: .chronicle/store.sqlite beside the events folder).", valueName: "file"))
    var store: String?

    @Flag(name: .long, help: "Discard the store's recorded history and record the event files anew.")
    var rebuild = false

    var workspace: Workspace { Workspace(events: events, store: store) }

    /// The store, brought up to date with the event files; says on stderr what it recorded.
    func open() throws -> EventStore {
        let sync = try sync()
        noteRebuiltProjection(sync.store)
        if sync.created {
            Terminal.note("built the store \(relative(workspace.storeURL.path)) from \(sync.report.added) events")
        } else if sync.report.added > 0 {
            Terminal.note("recorded \(sync.report.added) new event\(sync.report.added == 1 ? "" : "s") (store position \(sync.report.position))")
        }
        return sync.store
    }

    /// Brings the store up to date. `CHRONICLE_RECORDED_AT` (ISO 8601) fixes the recorded time, for reproducible tests.
    /// `CHRONICLE_LOCK_TIMEOUT` (seconds, default 10) bounds the wait for another process.
    func sync() throws -> Workspace.Sync {
        let environment = ProcessInfo.processInfo.environment
        let stamp = environment["CHRONICLE_RECORDED_AT"].flatMap(Timestamp.parse) ?? Date()
        let timeout = environment["CHRONICLE_LOCK_TIMEOUT"].flatMap(Double.init) ?? 10
        defer { ProgressLine.shared.clear() }
        return try workspace.sync(rebuild: rebuild, at: stamp, lockTimeout: timeout, progress: ProgressLine.shared.handler)
    }

    /// The store for a question: one named with `--store` and no `--events` is used as it is,
    /// without reading event files; otherwise the store brought up to date.
    func openForReading() throws -> EventStore {
        store != nil && events == nil && !rebuild ? try openExisting() : try open()
    }

    /// The store file as it is, without recording anything (for verify).
    func openExisting() throws -> EventStore {
        let path = workspace.storeURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ChronicleError.notFound("There is no store at \(relative(path)); run 'chronicle import' to build it.")
        }
        let store: EventStore
        do {
            defer { ProgressLine.shared.clear() }
            store = try EventStore(path: path, progress: ProgressLine.shared.handler)
        }
        noteRebuiltProjection(store)
        return store
    }

    /// Says on stderr when opening the store had to build its projection again.
    func noteRebuiltProjection(_ store: EventStore) {
        if let reason = store.projectionRebuilt {
            Terminal.note("rebuilt the projection of the store \(relative(workspace.storeURL.path)): \(reason)")
        }
    }

    func relative(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}

/// Refuses level codes that no recorded scheme defines, listing the ones it does.
func requireKnownLevels(_ levels: [String], in store: EventStore) throws {
    let known = try store.schemes().flatMap { $0.levels.map(\.code) }
    if let unknown = levels.first(where: { !known.contains($0) }) {
        throw ChronicleError.usage("No scheme has the level '\(unknown)'. Levels: \(known.joined(separator: ", ")).")
    }
}

/// Parses a date argument (EDTF: 2004, 2004-06, 2004-06-01) to its first day.
func parseDay(_ text: String) throws -> Day {
    try parseDate(text).earliest
}

/// Parses an EDTF date argument.
func parseDate(_ text: String) throws -> EDTFDate {
    do {
        return try EDTFDate(text)
    } catch {
        throw ValidationError("\(error.description). Give a date such as 2004, 2004-06 or 2004-06-01.")
    }
}

extension SnapshotFormat: ExpressibleByArgument {}
extension ChangeKind: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}

/// Formats for commands that print one record or a list.
enum RecordFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

enum Terminal {
    static func note(_ text: String) {
        ProgressLine.shared.clear()
        FileHandle.standardError.write(Data("chronicle: \(text)\n".utf8))
    }

    static func error(_ text: String) {
        ProgressLine.shared.clear()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }
}

/// Where long work stands (reading event files, recording, building the projection), drawn on
/// one line of stderr and redrawn in place — only when stderr is a terminal, so that pipes, files
/// and scripts see nothing of it. The line is wiped once the work is done or anything else is said.
final class ProgressLine: Sendable {
    static let shared = ProgressLine()

    private struct State {
        var drawn = false
        var lastDrawn: UInt64 = 0
        var step = ""
    }
    private let state = Mutex(State())
    private let enabled = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"

    /// What to give the library: `nil` (and no work spent on reports) when nothing would be drawn.
    var handler: ProgressHandler? {
        guard enabled else { return nil }
        return { @Sendable [self] report in draw(report) }
    }

    func draw(_ report: ProgressReport) {
        state.withLock { state in
            let now = DispatchTime.now().uptimeNanoseconds
            // At most ten redraws a second; a new step, or one just finished, at once.
            guard report.step != state.step || report.done >= report.total || now - state.lastDrawn >= 100_000_000 else { return }
            state = State(drawn: true, lastDrawn: now, step: report.step)
            ProgressLine.write("\r\u{1B}[2K" + String(("chronicle: " + report.line).prefix(max(20, ProgressLine.columns() - 1))))
        }
    }

    /// Wipes the line, if one is drawn.
    func clear() {
        state.withLock { state in
            guard state.drawn else { return }
            state.drawn = false
            state.step = ""
            ProgressLine.write("\r\u{1B}[2K")
        }
    }

    private static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// The terminal's width (80 when it does not say).
    private static func columns() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}

/// Runs a command body and turns library errors into messages and exit codes:
/// bad data 65 (every diagnostic printed), bad usage 64, anything else 1.
func reportingErrors(writes: Bool = true, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DiagnosticsError {
        for diagnostic in error.diagnostics { Terminal.error(diagnostic.description) }
        let count = error.diagnostics.count
        Terminal.error("\(count) error\(count == 1 ? "" : "s") found" + (writes ? "; nothing was written." : "."))
        throw ExitCode(65)
    } catch let error as ChronicleError {
        Terminal.error("Error: \(error.description)")
        if case .usage = error { throw ExitCode(64) }
        throw ExitCode.failure
    }
}
