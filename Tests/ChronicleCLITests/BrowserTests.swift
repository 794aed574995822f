import Foundation
import Testing

/// The chart and the site as a person sees them: rendered by headless Chromium (Debian's
/// `chromium`, which .ci/run installs), with no console message, and with the expected text.
/// `CHRONICLE_RECORD_SCREENSHOTS=1` also copies the screenshots into docs/images.
@Suite(.serialized) struct BrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Rendered {
        var dom: String
        var console: [String]
        var screenshot: Data
    }

    /// Loads a page twice in headless Chromium: once for the DOM and console log, once for a PNG.
    static func render(_ url: String, size: String, in folder: URL) throws -> Rendered {
        let chromium = try #require(chromium, "chromium is not installed: .ci/run installs it")
        func run(_ arguments: [String]) throws -> (String, String) {
            let output = try CLI.runProcess(
                URL(fileURLWithPath: chromium),
                ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder.path)/.chromium"] + arguments + [url],
                in: folder)
            return (output.stdout, output.stderr)
        }
        let (dom, log) = try run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom"])
        let png = folder.appendingPathComponent("shot-\(UUID().uuidString).png")
        _ = try run(["--window-size=\(size)", "--virtual-time-budget=3000", "--screenshot=\(png.path)"])
        let console = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Rendered(dom: dom, console: console, screenshot: (try? Data(contentsOf: png)) ?? Data())
    }

    static func record(_ shot: Data, as name: String) throws {
        guard ProcessInfo.processInfo.environment["CHRONICLE_RECORD_SCREENSHOTS"] == "1" else { return }
        let images = CLI.packageRoot.appendingPathComponent("docs/images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try shot.write(to: images.appendingPathComponent(name))
    }

    @Test(.enabled(if: chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil))
    func chartAndSitePagesRenderWithTheExpectedText() throws {
        let cli = try CLI.northKorea()
        defer { cli.remove() }
        #expect(try cli.run("chart", "--under", "kp", "--depth", "1", "--from", "1945", "--to", "2012", "--out", "first-level.svg").status == 0)
        #expect(try cli.run("site", "--out", "site", "--from", "1945", "--to", "2012").status == 0)
        let root = cli.directory

        let chart = try BrowserTests.render(root.appendingPathComponent("first-level.svg").absoluteString, size: "1220,620", in: root)
        #expect(chart.console == [], "console: \(chart.console)")
        #expect(chart.dom.contains("Rason") && chart.dom.contains("special city"))
        #expect(chart.screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG screenshot of the chart")
        try BrowserTests.record(chart.screenshot, as: "chart-first-level.png")

        let year = try BrowserTests.render(root.appendingPathComponent("site/years/2010.html").absoluteString, size: "1280,1000", in: root)
        #expect(year.console == [], "console: \(year.console)")
        #expect(year.dom.contains("2010: the hierarchy on 2010-12-31"))
        let rason = try #require(year.dom.range(of: #"kp~rason\.html">Rason</a>[^<]*<span class="local">[^<]*</span>\s*<span class="level">special city</span>"#, options: .regularExpression))
        #expect(!rason.isEmpty, "the 2010 page shows Rason as a special city")
        #expect(year.screenshot.count > 10_000)
        try BrowserTests.record(year.screenshot, as: "site-2010.png")

        let search = try BrowserTests.render(root.appendingPathComponent("site/index.html").absoluteString + "?q=Hamheung", size: "1280,800", in: root)
        #expect(search.console == [], "console: \(search.console)")
        #expect(search.dom.contains(#"<a href="units/kp~hamhung.html">Hamhung</a>"#), "the search box finds Hamheung")
        #expect(search.dom.contains("matched Hamheung"))

        let unit = try BrowserTests.render(root.appendingPathComponent("site/units/kp~rason.html").absoluteString, size: "1280,1000", in: root)
        #expect(unit.console == [])
        #expect(unit.dom.contains("seed 000_1717ac98d1e9678e.txt"))
        try BrowserTests.record(unit.screenshot, as: "site-rason.png")
    }
}
