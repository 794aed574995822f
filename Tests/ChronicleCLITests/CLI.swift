import Foundation
import Testing

/// Runs the built `chronicle` executable in a scratch folder, as a user would.
struct CLI {
    struct Output: Equatable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let packageRoot = testsRoot.deletingLastPathComponent()

    /// The executable next to the test bundle in the build products folder.
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("chronicle")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/chronicle")
    }

    /// A scratch folder holding a copy of an events folder as `Events/`.
    let directory: URL

    init(events: URL) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chronicle-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: events, to: directory.appendingPathComponent("Events"))
    }

    static func quezal() throws -> CLI { try CLI(events: testsRoot.appendingPathComponent("Fixtures/quezal/Events")) }
    static func northKorea() throws -> CLI { try CLI(events: packageRoot.appendingPathComponent("Events")) }

    var storeFile: URL { directory.appendingPathComponent(".chronicle/store.sqlite") }

    @discardableResult
    func run(_ arguments: String...) throws -> Output {
        try run(arguments: arguments)
    }

    func run(arguments: [String], environment extra: [String: String] = [:]) throws -> Output {
        try CLI.runProcess(CLI.executable, arguments, in: directory,
                           environment: ["CHRONICLE_RECORDED_AT": "2027-01-15T08:00:00.000Z"].merging(extra) { _, new in new })
    }

    /// Runs a program to its end in a folder, with its output captured through files there.
    static func runProcess(_ executable: URL, _ arguments: [String], in directory: URL, environment extra: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let out = directory.appendingPathComponent(".stdout-\(UUID().uuidString)"), err = directory.appendingPathComponent(".stderr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }

    func write(_ text: String, to relative: String) throws {
        try text.write(to: directory.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// Compares output with a reviewed golden file; `CHRONICLE_RECORD=1` writes the file instead.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = CLI.testsRoot.appendingPathComponent("ChronicleCLITests/Golden/\(name)")
    if ProcessInfo.processInfo.environment["CHRONICLE_RECORD"] == "1" {
        try actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(actual == expected, "output differs from Golden/\(name); review, then re-record with CHRONICLE_RECORD=1", sourceLocation: sourceLocation)
}
