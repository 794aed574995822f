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
    /// - Parameters:
    ///   - rebuild: Discard the store's recorded history and record the files anew.
    ///   - progress: Told where reading the files, recording them and building the projection stand.
    /// - Throws: ``DiagnosticsError`` for bad event data, ``ChronicleError`` otherwise; the store is unchanged then.
    public func sync(rebuild: Bool = false, at recordedAt: Date = Date(), lockTimeout: Double = 10,
                     progress: ProgressHandler? = nil) throws -> Sync {
        let fm = FileManager.default
        let folderURL = storeURL.deletingLastPathComponent()
        let fingerprint = EventFolder.fingerprint(of: eventsURL)
        if !rebuild, let fingerprint, fm.fileExists(atPath: storeURL.path),
           let store = try? EventStore(path: storeURL.path, readOnly: true, progress: progress),
           (try? store.meta(Workspace.fingerprintKey)) == fingerprint {
            // The files are byte for byte those the store last recorded: nothing to read or record.
            let head = try store.headPosition()
            return Sync(store: store, report: ImportReport(added: 0, unchanged: head, schemes: [], position: head), created: false)
        }
        let folder = try EventFolder.load(from: eventsURL, progress: progress)
        guard folder.diagnostics.isEmpty else { throw DiagnosticsError(folder.diagnostics) }
        if fm.fileExists(atPath: storeURL.path) && !rebuild
            && !(fm.isWritableFile(atPath: storeURL.path) && fm.isWritableFile(atPath: folderURL.path)) {
            return try readOnlySync(folder, progress: progress)
        }
        do {
            try fm.createDirectory(at: folderURL, withIntermediateDirectories: true)
        } catch {
            throw ChronicleError.store("Cannot create the folder for the store \(folderURL.path): \(error.localizedDescription)")
        }
        let lock = try StoreLock(path: storeURL.path + ".lock", timeout: lockTimeout)
        defer { lock.release() }
        removeAbandonedBuilds()
        if fm.fileExists(atPath: storeURL.path) && !rebuild {
            let store = try EventStore(path: storeURL.path, progress: progress)
            try store.catchUp()
            let report = try store.record(consume folder, at: recordedAt)
            if let fingerprint { try store.setMeta(Workspace.fingerprintKey, fingerprint) }
            return Sync(store: store, report: report, created: false)
        }
        let temporary = storeURL.deletingLastPathComponent()
            .appendingPathComponent(".\(storeURL.lastPathComponent).building-\(ProcessInfo.processInfo.processIdentifier)")
        defer { Workspace.removeStore(at: temporary) }
        let report: ImportReport
        let token: String?
        do {
            let building = try EventStore(path: temporary.path, progress: progress)
            report = try building.record(consume folder, at: recordedAt)
            if let fingerprint { try building.setMeta(Workspace.fingerprintKey, fingerprint) }
            try building.checkpoint()
            token = try building.meta(ProjectionFile.metaKey)
        }
        let projection = token.map { ProjectionFile.path(store: storeURL.path, token: $0) }
        // The new projection file goes beside the store under its own name first (the old store's
        // has another token), then rename(2) replaces the old store in one step: there is never a
        // moment without one.
        if let token, let projection {
            guard rename(ProjectionFile.path(store: temporary.path, token: token), projection) == 0 else {
                throw ChronicleError.store("Cannot move the new projection into place beside \(storeURL.path): \(String(cString: strerror(errno)))")
            }
        }
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: storeURL.path + suffix) }
        guard rename(temporary.path, storeURL.path) == 0 else {
            throw ChronicleError.store("Cannot move the new store into place at \(storeURL.path): \(String(cString: strerror(errno)))")
        }
        // The old store's projection files (a process still reading one keeps it until it is done).
        for file in ProjectionFile.files(of: storeURL.path) where file != projection {
            ProjectionFile.remove(file)
        }
        return Sync(store: try EventStore(path: storeURL.path, progress: progress), report: report, created: true)
    }

    /// The meta key under which the store keeps the fingerprint of the files it last recorded.
    static let fingerprintKey = "events-fingerprint"

    /// A store that cannot be written is used as it is when it already holds every event of the files.
    func readOnlySync(_ folder: EventFolder, progress: ProgressHandler?) throws -> Sync {
        let store = try EventStore(path: storeURL.path, readOnly: true, progress: progress)
        let missing = try store.unrecorded(folder)
        guard missing == 0 else {
            throw ChronicleError.store("The store \(storeURL.path) cannot be written, and the event files hold \(missing) "
                + "event\(missing == 1 ? "" : "s") it has not recorded. Make it writable, or name a writable store with --store.")
        }
        return Sync(store: store, report: ImportReport(added: 0, unchanged: folder.events.count, schemes: [], position: try store.headPosition()),
                    created: false)
    }

    /// Temporary stores left by runs that were killed while building (their process is gone).
    func removeAbandonedBuilds() {
        let folder = storeURL.deletingLastPathComponent()
        let prefix = ".\(storeURL.lastPathComponent).building-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let pid = Int32(rest.prefix { $0.isNumber }), kill(pid, 0) != 0 && errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    static func removeStore(at url: URL) {
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
        for file in ProjectionFile.files(of: url.path) { ProjectionFile.remove(file) }
    }
}

/// An exclusive advisory lock (flock) beside the store, so that two chronicle
/// processes never build or bring up to date the same store at once.
struct StoreLock {
    let descriptor: Int32

    /// Waits for the lock, up to `timeout` seconds.
    ///
    /// - Throws: ``ChronicleError/store(_:)`` saying the store is busy when the wait runs out.
    init(path: String, timeout: Double) throws(ChronicleError) {
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .store("Cannot create the lock file \(path): \(String(cString: strerror(errno))).")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw .store("The store is busy: another chronicle process has been writing to it for more than "
                    + "\(Int(timeout)) s (lock \(path)). Try again when it has finished.")
            }
            usleep(50_000)
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
