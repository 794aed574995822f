import ArgumentParser
import ChronicleKit

/// The store options plus `--known-at`, for every command that answers a question.
struct QueryOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("known-at"), help: ArgumentHelp(
        "Answer as the store would have answered then: a store position, or a timestamp (2026-11-23, 2026-11-23T15:04:00Z).",
        valueName: "position|time"))
    var knownAt: String?

    /// The store brought up to date, or its view as known at `--known-at`. A store named with
    /// `--store` and no `--events` is queried as it is, without reading any event files.
    func open() throws -> EventStore {
        let current = try store.openForReading()
        guard let knownAt else { return current }
        let position = try current.position(knownAt: knownAt)
        guard position < (try current.headPosition()) else { return current }
        return try current.asKnown(at: position)
    }
}
