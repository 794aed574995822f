import ArgumentParser
import ChronicleKit

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded events in store order, with position, recorded time, id and type.")

    @Option(help: ArgumentHelp("Only events recorded after this position.", valueName: "position"))
    var since: Int = 0

    @Option(help: "Output format.")
    var format: ListFormat = .table

    @OptionGroup var storeOptions: StoreOptions

    struct Entry: Encodable {
        var position: Int
        var recordedAt: String
        var id: String
        var type: String
        var unit: String?
        var date: String
        var file: String?
        var line: Int?
    }

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openForReading()
            let entries = try store.events().filter { $0.position > since }.map { s in
                Entry(position: s.position, recordedAt: Timestamp.format(s.recordedAt), id: s.event.id, type: s.event.type,
                      unit: s.event.unit ?? s.event.target, date: s.event.date.text, file: s.location?.file, line: s.location?.line)
            }
            switch format {
            case .json: print(try JSONOutput.encode(entries), terminator: "")
            case .csv:
                print(CSV.render([["position", "recorded_at", "id", "type", "unit", "date", "file", "line"]] + entries.map {
                    [String($0.position), $0.recordedAt, $0.id, $0.type, $0.unit ?? "", $0.date, $0.file ?? "", $0.line.map(String.init) ?? ""]
                }), terminator: "")
            case .table:
                print(TextTable.render(header: ["POS", "RECORDED", "ID", "TYPE", "UNIT OR EVENT", "DATE"], rows: entries.map {
                    [String($0.position), $0.recordedAt, $0.id, $0.type, $0.unit ?? "", $0.date]
                }), terminator: "")
            }
        }
    }
}
