/// The columns of a snapshot table, the same for every year of an export so that
/// files of different years line up: id, names under every key the schemes
/// declare, level, parent, full path, codes, uncertainty and observations.
public struct Columns: Sendable {
    /// Name keys, in the schemes' order.
    public var nameKeys: [String]
    /// Observation keys (population, …), sorted.
    public var observationKeys: [String]

    public init(nameKeys: [String], observationKeys: [String]) {
        self.nameKeys = nameKeys
        self.observationKeys = observationKeys
    }

    /// The columns for everything a store holds.
    public init(store: EventStore) throws(ChronicleError) {
        var keys: [String] = []
        for scheme in try store.schemes() {
            for key in scheme.nameKeys.map(\.key) where !keys.contains(key) { keys.append(key) }
        }
        self.init(nameKeys: keys, observationKeys: try store.observationKeys())
    }

    public var header: [String] {
        ["id", "name"] + nameKeys.map { "name_\($0)" }
            + ["level", "level_name", "parent", "parent_name", "path", "codes", "valid_from", "uncertain"]
            + observationKeys.flatMap { [$0, "\($0)_date"] }
    }

    /// One row of text cells, in the order of ``header``.
    public func cells(_ unit: UnitView, path: String) -> [String] {
        [unit.id, unit.name] + nameKeys.map { unit.names[$0] ?? "" } + [
            unit.level, unit.levelName, unit.parent ?? "", unit.parentName ?? "", path,
            unit.codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
            unit.validFrom, unit.uncertain ? "true" : "false",
        ] + observationKeys.flatMap { key in
            unit.observations[key].map { [Observation.format($0.value), $0.date] } ?? ["", ""]
        }
    }

    /// The same row as typed JSON properties (numbers as numbers, absent values as null).
    public func properties(_ unit: UnitView, path: String) -> [String: JSONValue] {
        var properties: [String: JSONValue] = [
            "id": .string(unit.id), "name": .string(unit.name),
            "level": .string(unit.level), "level_name": .string(unit.levelName),
            "parent": unit.parent.map(JSONValue.string) ?? .null,
            "parent_name": unit.parentName.map(JSONValue.string) ?? .null,
            "path": .string(path),
            "codes": .object(unit.codes.mapValues(JSONValue.string)),
            "valid_from": .string(unit.validFrom),
            "uncertain": .bool(unit.uncertain),
        ]
        for key in nameKeys { properties["name_\(key)"] = unit.names[key].map(JSONValue.string) ?? .null }
        for key in observationKeys {
            properties[key] = unit.observations[key].map { .number($0.value) } ?? .null
            properties["\(key)_date"] = unit.observations[key].map { .string($0.date) } ?? .null
        }
        return properties
    }
}

extension Snapshot {
    /// Each unit's full path of common names from the top of its hierarchy, joined by " > ".
    public var paths: [UnitID: String] {
        // Units by position, not by value: a view is a large value, and a whole hierarchy has 100,000.
        var index: [UnitID: Int] = [:]
        index.reserveCapacity(units.count)
        for (position, unit) in units.enumerated() where index[unit.id] == nil { index[unit.id] = position }
        var known = [String?](repeating: nil, count: units.count)
        func path(_ position: Int, depth: Int) -> String {
            if let found = known[position] { return found }
            let unit = units[position]
            let prefix = depth < 64 ? unit.parent.flatMap { index[$0] }.map { path($0, depth: depth + 1) } ?? "" : ""
            let result = prefix.isEmpty ? unit.name : prefix + " > " + unit.name
            known[position] = result
            return result
        }
        var paths: [UnitID: String] = [:]
        paths.reserveCapacity(units.count)
        for position in units.indices where paths[units[position].id] == nil { paths[units[position].id] = path(position, depth: 0) }
        return paths
    }

    /// RFC 4180 CSV of the snapshot with the given columns.
    public func csv(columns: Columns) -> String {
        let paths = self.paths
        return CSV.render([columns.header] + units.map { columns.cells($0, path: paths[$0.id] ?? "") })
    }
}
