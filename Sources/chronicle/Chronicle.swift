import ArgumentParser
import ChronicleKit

@main
struct Chronicle: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chronicle",
        abstract: "The history of administrative divisions: what the map of provinces and cities looked like on any day, and why.",
        discussion: """
            Chronicle keeps every change to a country's administrative divisions as a dated, \
            sourced event, and rebuilds the hierarchy as of any day.

            Run in a folder that has Events/ (the event files), chronicle builds a store \
            (.chronicle/store.sqlite) on first use and records new events on every run. On a \
            terminal, long work (reading the files, recording, building the projection) shows \
            its progress on one line of stderr; into a pipe or a file, nothing of it is written.

            Examples:
              chronicle asof 2010-06-01                 the whole hierarchy on that day
              chronicle asof 1995 --under kp/north-hamgyong --format table
              chronicle show Rason --asof 2006-01-01 --format json
              chronicle history Rason                   every change, with sources
              chronicle search 함흥                      any name or romanization
              chronicle audit --from 1990 --to 2011     classification changes, with sources
              chronicle diff 2003-01-01 2006-01-01      what changed between two days
              chronicle validate                        check the event files
              chronicle verify                          check the hash chain and invariants

            Dates are EDTF: 2004, 2004-06, 2004-06-01. Exit codes: 0 success, 64 bad usage, \
            65 bad event data, 1 other failures.
            """,
        version: ChronicleKit.Chronicle.version,
        subcommands: [AsOf.self, Show.self, History.self, Search.self, Audit.self, Diff.self, CrosswalkCommand.self, Stats.self, Export.self, Chart.self, Site.self, Log.self, Import.self, Validate.self, Verify.self]
    )
}
