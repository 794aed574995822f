public import Foundation

/// The file formats `export` writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// One RFC 4180 CSV file per year.
    case csv
    /// One JSON file per year: the nested tree.
    case json
    /// One RFC 7946 GeoJSON FeatureCollection per year.
    case geojson
    /// One CSV file with a row per unit state (valid_from, valid_to).
    case intervals
    /// One Linked Places Format (LPF) file: a Feature per unit, names, types and part-of relations with timespans.
    case lpf
}

/// Writes snapshots and interval tables to a folder, with a manifest (`index.json`).
///
/// Output is deterministic: the same store and arguments give byte-identical files
/// (no timestamps, sorted keys, units in id order).
public struct Exporter {
    public struct Manifest: Hashable, Sendable, Encodable {
        public struct Entry: Hashable, Sendable, Encodable {
            public var year: Int?
            public var day: String?
            public var file: String
            public var units: Int
        }

        public var chronicle: String
        public var format: String
        /// The month and day of each year's snapshot (MM-DD).
        public var on: String
        public var storePosition: Int
        public var chainHead: String?
        public var files: [Entry]
    }

    let store: EventStore
    let columns: Columns

    public init(store: EventStore) throws(ChronicleError) {
        self.store = store
        columns = try Columns(store: store)
    }

    /// Writes the files of one export and its manifest.
    ///
    /// - Parameters:
    ///   - years: The years to export (one snapshot each for csv, json and geojson; the span for intervals and lpf).
    ///   - month: The month of each year's snapshot day.
    ///   - day: The day of the month.
    ///   - folder: The folder to write into; created when missing.
    ///   - progress: Called after each file with the number done and the number in all.
    public func export(
        years: ClosedRange<Int>, month: Int = 1, day: Int = 1, format: ExportFormat, to folder: URL,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Manifest {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ChronicleError.store("Cannot create the output folder \(folder.path): \(error.localizedDescription)")
        }
        var entries: [Manifest.Entry] = []
        switch format {
        case .csv, .json, .geojson:
            for (index, year) in years.enumerated() {
                guard let date = Day(year: year, month: month, day: min(day, Day.daysIn(month: month, year: year))) else { continue }
                let snapshot = try Snapshot.load(from: store, on: date)
                let name = "\(year).\(format == .geojson ? "geojson" : format.rawValue)"
                let text: String
                switch format {
                case .csv: text = snapshot.csv(columns: columns)
                case .json: text = try JSONOutput.encode(tree(snapshot))
                default: text = try JSONOutput.encode(geoJSON(snapshot))
                }
                try write(text, to: folder.appendingPathComponent(name))
                entries.append(.init(year: year, day: date.description, file: name, units: snapshot.units.count))
                progress(index + 1, years.count)
            }
        case .intervals:
            let url = folder.appendingPathComponent("intervals.csv")
            let count = try writeStreaming(to: url) { emit in try intervalsCSV(years, emit: emit) }
            entries.append(.init(year: nil, day: nil, file: "intervals.csv", units: count))
            progress(1, 1)
        case .lpf:
            let count = try writeStreaming(to: folder.appendingPathComponent("places.lpf.json")) { emit in try linkedPlaces(years, emit: emit) }
            entries.append(.init(year: nil, day: nil, file: "places.lpf.json", units: count))
            progress(1, 1)
        }
        let verification = try store.chainHead()
        let manifest = Manifest(
            chronicle: Chronicle.version, format: format.rawValue,
            on: String(format: "%02d-%02d", month, day), storePosition: try store.headPosition(),
            chainHead: verification, files: entries)
        try write(try JSONOutput.encode(manifest), to: folder.appendingPathComponent("index.json"))
        return manifest
    }

    /// Writes a file a chunk of text at a time (`body` is given the function that writes each),
    /// into a file beside it that replaces it once complete; on any failure the partial file is
    /// removed and an earlier file of the name stays as it was.
    private func writeStreaming<T>(to url: URL, _ body: (_ emit: (String) throws -> Void) throws -> T) throws -> T {
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        func failed(_ error: any Error) -> ChronicleError {
            (error as? ChronicleError) ?? .store("Cannot write \(url.path): \(error.localizedDescription)")
        }
        guard FileManager.default.createFile(atPath: partial.path, contents: nil), let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw ChronicleError.store("Cannot write \(url.path): cannot create \(partial.path)")
        }
        do {
            let result = try body { text in try handle.write(contentsOf: Data(text.utf8)) }
            try handle.close()
            guard rename(partial.path, url.path) == 0 else { throw ChronicleError.store("Cannot write \(url.path): \(String(cString: strerror(errno)))") }
            return result
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: partial)
            throw failed(error)
        }
    }

    private func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw ChronicleError.store("Cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    /// The hierarchy as nested objects: each unit's properties with its `children`, sorted by name.
    func tree(_ snapshot: Snapshot) -> JSONValue {
        let paths = snapshot.paths
        let ids = Set(snapshot.units.map(\.id))
        let byParent = Dictionary(grouping: snapshot.units, by: { $0.parent.flatMap { ids.contains($0) ? $0 : nil } ?? "" })
        func nodes(_ parent: String) -> [JSONValue] {
            (byParent[parent] ?? []).sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map { unit in
                var properties = columns.properties(unit, path: paths[unit.id] ?? "")
                properties["children"] = .array(nodes(unit.id))
                return .object(properties)
            }
        }
        return .object(["day": .string(snapshot.day.description), "units": .array(nodes(""))])
    }

    /// An RFC 7946 FeatureCollection: a Feature per unit, a Point where a coordinate is known, null geometry otherwise.
    func geoJSON(_ snapshot: Snapshot) -> JSONValue {
        let paths = snapshot.paths
        return .object([
            "type": .string("FeatureCollection"),
            "features": .array(snapshot.units.map { unit in
                .object([
                    "type": .string("Feature"),
                    "id": .string(unit.id),
                    "geometry": unit.coordinate.map { point in
                        .object(["type": .string("Point"), "coordinates": .array([.number(point.lon), .number(point.lat)])])
                    } ?? .null,
                    "properties": .object(columns.properties(unit, path: paths[unit.id] ?? "")),
                ])
            }),
        ])
    }

    /// Every unit state that overlaps the years, one CSV row each, as one text (for tests).
    func intervalsCSV(_ years: ClosedRange<Int>) throws -> (String, Int) {
        var text = ""
        let count = try intervalsCSV(years) { text += $0 }
        return (text, count)
    }

    /// Every unit state that overlaps the years, one CSV row each, handed to `emit` a chunk of
    /// about a megabyte at a time; returns the number of rows.
    ///
    /// The states are read a row at a time, and each row's parent is named as it stood on the day
    /// the row begins, from the parent's states read once for all its children. At a million
    /// events this took 90 s and 2.4 GB with a query for every row's parent and every row held
    /// before the file was written; 18 s and 1.7 GB with the states and the text still held.
    func intervalsCSV(_ years: ClosedRange<Int>, emit: (String) throws -> Void) throws -> Int {
        let from = Day(year: years.lowerBound, month: 1, day: 1)!, until = Day(year: years.upperBound + 1, month: 1, day: 1)!
        let namer = try Namer(store: store)
        let header = ["id", "valid_from", "valid_to", "name"] + columns.nameKeys.map { "name_\($0)" }
            + ["level", "level_name", "parent", "parent_name", "codes", "event", "end_event"]
        var text = ""
        CSV.append(header, to: &text)
        let count = try store.read { db -> Int in
            var parents: [UnitID: [UnitInterval]] = [:]
            func name(of parent: UnitID, on day: Day) throws -> String? {
                if parents[parent] == nil { parents[parent] = try EventStore.intervals(of: parent, db) }
                let states = parents[parent]!
                // The last state that began on or before the day, if it still held then.
                var (low, high) = (0, states.count)
                while low < high {
                    let middle = (low + high) / 2
                    if states[middle].validFrom <= day { low = middle + 1 } else { high = middle }
                }
                guard low > 0, states[low - 1].validTo.map({ $0 > day }) ?? true else { return nil }
                return namer.name(of: parent, states[low - 1].state)
            }
            var count = 0
            try EventStore.eachInterval(db, overlapping: from, until) { interval in
                let parentName = try interval.state.parent.flatMap { try name(of: $0, on: interval.validFrom) }
                CSV.append([interval.unit, interval.validFrom.description, interval.validTo?.description ?? "",
                            namer.name(of: interval.unit, interval.state)]
                           + columns.nameKeys.map { interval.state.names[$0] ?? "" }
                           + [interval.state.level, namer.levelName(interval.state.level, of: interval.unit),
                              interval.state.parent ?? "", parentName ?? "",
                              interval.state.codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
                              interval.event, interval.endEvent ?? ""], to: &text)
                count += 1
                if text.utf8.count >= 1 << 20 {
                    try emit(text)
                    text = ""
                }
            }
            return count
        }
        try emit(text)
        return count
    }
}
