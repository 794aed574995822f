import Foundation

/// The ways `asof` can print a snapshot.
public enum SnapshotFormat: String, CaseIterable, Sendable {
    case tree, table, csv, json
}

extension Snapshot {
    /// Renders the snapshot in a format.
    public func rendered(as format: SnapshotFormat, columns: Columns) throws -> String {
        switch format {
        case .tree: tree()
        case .table: table()
        case .csv: csv(columns: columns)
        case .json: UnitViewJSON.encode(units)
        }
    }

    /// An indented tree: each unit under its parent, children sorted by name.
    public func tree() -> String {
        // Units by position, not by value: a view is a large value, and a whole hierarchy has 100,000.
        var ids = Set<UnitID>()
        ids.reserveCapacity(units.count)
        for unit in units { ids.insert(unit.id) }
        var byParent: [UnitID: [Int]] = [:]
        for (position, unit) in units.enumerated() {
            byParent[unit.parent.flatMap { ids.contains($0) ? $0 : nil } ?? "", default: []].append(position)
        }
        var text = "As of \(day): \(units.count) unit\(units.count == 1 ? "" : "s")\n"
        var lines = 0
        func walk(_ parent: String, prefix: String) {
            let children = (byParent[parent] ?? []).sorted { (units[$0].name, units[$0].id) < (units[$1].name, units[$1].id) }
            for (index, position) in children.enumerated() {
                let last = index == children.count - 1
                let branch = parent.isEmpty ? "" : (last ? "└─ " : "├─ ")
                text += prefix + branch + Snapshot.label(units[position]) + "\n"
                lines += 1
                walk(units[position].id, prefix: parent.isEmpty ? "" : prefix + (last ? "   " : "│  "))
            }
        }
        walk("", prefix: "")
        if lines == 0 { text += "\n" }
        let uncertain = units.filter(\.uncertain)
        if !uncertain.isEmpty {
            text += "\n? uncertain on \(day):\n"
            for unit in uncertain {
                text += "  \(TextTable.safe(unit.name)) (\(unit.id)): " + unit.uncertainty.map(Snapshot.reason).joined(separator: "; ") + "\n"
            }
        }
        return text
    }

    static func label(_ unit: UnitView) -> String {
        let name = TextTable.safe(unit.name) + (unit.localName.map { " \(TextTable.safe($0))" } ?? "")
        return "\(name) [\(unit.levelName)] \(unit.id)" + (unit.uncertain ? " ?" : "")
    }

    static func reason(_ u: UnitView.UncertaintyView) -> String {
        "event \(u.event) dated \(u.date)" + (u.alternatives.isEmpty ? "" : " (other sources: \(u.alternatives.joined(separator: ", ")))")
    }

    /// Aligned columns for reading in a terminal.
    public func table() -> String {
        let rows = units.map { unit in
            [unit.id, TextTable.safe(unit.name), unit.levelName, unit.parent ?? "—", unit.validFrom, unit.uncertain ? "uncertain" : ""]
        }
        return TextTable.render(header: ["ID", "NAME", "LEVEL", "PARENT", "SINCE", "NOTE"], rows: rows)
    }

}

/// RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF line ends.
public enum CSV {
    public static func render(_ rows: [[String]]) -> String {
        var text = ""
        text.reserveCapacity(rows.count * 80)
        for row in rows { append(row, to: &text) }
        return text
    }

    /// Appends one row, for output too large to hold as rows first.
    static func append(_ row: [String], to text: inout String) {
        for (index, value) in row.enumerated() {
            if index > 0 { text += "," }
            text += field(value)
        }
        text += "\r\n"
    }

    static func field(_ value: String) -> String {
        // Bytes, not characters: faster on 100,000 rows, and "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Pretty JSON with sorted keys, for stable output scripts and golden files can rely on.
public enum JSONOutput {
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}
