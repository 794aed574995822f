import ArgumentParser
import ChronicleKit
import Foundation

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute the hash chain and check every invariant; print the chain head to publish.",
        discussion: """
            Every recorded event carries a SHA-256 hash over its stored row and the previous \
            event's hash. verify recomputes the chain and names the first position that does not \
            match, folds every event again into a fresh projection file beside the store (removed \
            afterwards; it needs about as much room as the current one) and compares it with the \
            projected tables, and checks the hierarchy's invariants, naming each broken rule on the \
            day it begins. Publish the chain head it prints: a later verify that \
            ends in the same head proves that nothing recorded up to it has changed. verify reads the \
            store as it is: it records nothing from the event files first, and other processes may \
            import while it runs (it verifies the store as it stood when its fold began). Exit 65 \
            when anything is wrong.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Rebuild the projected tables from the events when they do not match (the events are never changed).")
    var repair = false

    func run() throws {
        try reportingErrors {
            let store = try storeOptions.openExisting()
            var result: Verification
            do {
                defer { ProgressLine.shared.clear() }
                result = try store.verify()
                if repair && result.firstBadPosition == nil && !result.problems.isEmpty {
                    try store.rebuildProjection()
                    result = try store.verify()
                }
            }
            if let head = result.head {
                print("chain head: position \(head.position), sha256 \(head.hash)")
            } else {
                print("chain head: the store holds no events")
            }
            guard result.problems.isEmpty else {
                for problem in result.problems { Terminal.error("error: \(problem)") }
                Terminal.error("verify failed: \(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(storeOptions.relative(storeOptions.workspace.storeURL.path)).")
                throw ExitCode(65)
            }
            print("\(result.events) events verified: the hash chain is intact and every invariant holds.")
        }
    }
}
