public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The events folder and the store kept beside it: what `chronicle` uses when no
/// store is named.
///
/// The default store (`.chronicle/store.sqlite` next to `Events/`) is built on
/// first use and brought up to date with the event files on every run: new events
/// are appended (so recorded times accumulate), and an event edited or removed
/// after it was recorded is refused with the two ways out.
public struct Workspace: Sendable {
    public var eventsURL: URL
    public var storeURL: URL

    /// - Parameters:
    ///   - events: The events folder (default `Events` in the current directory).
    ///   - store: The store file (default `.chronicle/store.sqlite` beside the events folder).
    public init(events: String? = nil, store: String? = nil) {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        eventsURL = events.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            ?? cwd.appendingPathComponent("Events")
        storeURL = store.map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
            ?? eventsURL.deletingLastPathComponent().appendingPathComponent(".chronicle/store.sqlite")
    }

    /// What bringing the store up to date did.
    public struct Sync: Sendable {
        public var store: EventStore
        public var report: ImportReport
        /// `true` when the store file was made by this run.
        public var created: Bool
    }

    /// Opens the store and records whatever the event files hold that it lacks.
    ///
    /// A new store, or a rebuilt one, is written to a temporary file and moved into
    /// place only when complete, so a failure never leaves a half-built store.
    ///
    /// - Parameter rebuild: Discard the store's recorded history and record the files anew.
    /// - Throws: ``DiagnosticsError`` for bad event data, ``ChronicleError`` otherwise; the store is unchanged then.
    public func sync(rebuild: Bool = false, at recordedAt: Date = Date()) throws -> Sync {
        let folder = try EventFolder.load(from: eventsURL)
        guard folder.diagnostics.isEmpty else { throw DiagnosticsError(folder.diagnostics) }
        let fm = FileManager.default
        if fm.fileExists(atPath: storeURL.path) && !rebuild {
            let store = try EventStore(path: storeURL.path)
            try store.catchUp()
            let report = try store.record(folder, at: recordedAt)
            return Sync(store: store, report: report, created: false)
        }
        do {
            try fm.createDirectory(at: storeURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ChronicleError.store("Cannot create the folder for the store \(storeURL.deletingLastPathComponent().path): \(error.localizedDescription)")
        }
        let temporary = storeURL.deletingLastPathComponent()
            .appendingPathComponent(".\(storeURL.lastPathComponent).building-\(ProcessInfo.processInfo.processIdentifier)")
        defer { Workspace.removeStore(at: temporary) }
        let report: ImportReport
        do {
            let building = try EventStore(path: temporary.path)
            report = try building.record(folder, at: recordedAt)
        }
        // rename(2) replaces the old store in one step: there is never a moment without one.
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: storeURL.path + suffix) }
        guard rename(temporary.path, storeURL.path) == 0 else {
            throw ChronicleError.store("Cannot move the new store into place at \(storeURL.path): \(String(cString: strerror(errno)))")
        }
        return Sync(store: try EventStore(path: storeURL.path), report: report, created: true)
    }

    static func removeStore(at url: URL) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
    }
}
