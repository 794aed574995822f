public import Foundation

/// A static HTML site that works offline from the file system: a page per year with the
/// hierarchy as it stood at the end of that year, a page per unit with its history,
/// sources and timeline, and a search box over every name and romanization.
public struct SiteGenerator {
    let store: EventStore
    let namer: Namer
    /// Read once for every page (each unit's page had read them again, twice).
    let schemes: [Scheme]
    let head: Int

    public init(store: EventStore) throws(ChronicleError) {
        self.store = store
        namer = try Namer(store: store)
        schemes = try store.schemes()
        head = try store.headPosition()
    }

    /// Writes the site.
    ///
    /// - Parameters:
    ///   - years: The years that get a page (each as of 31 December).
    ///   - folder: The output folder; created when missing. Only fixed names and unit file names
    ///     made of `[a-z0-9_-]` are written inside it.
    ///   - progress: Called after each page with the number done and the number in all.
    /// - Returns: The number of pages written.
    @discardableResult
    public func write(years: ClosedRange<Int>, to folder: URL, progress: (Int, Int) -> Void = { _, _ in }) throws -> Int {
        let fm = FileManager.default
        for sub in ["years", "units", "assets"] {
            do {
                try fm.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
            } catch {
                throw ChronicleError.store("Cannot create the output folder \(folder.appendingPathComponent(sub).path): \(error.localizedDescription)")
            }
        }
        let all = try store.intervals(overlapping: Day(ordinal: Int(Int32.min)), Day(ordinal: Int(Int32.max)))
        let units = Array(Set(all.map(\.unit))).sorted()
        let total = years.count + units.count + 2
        var done = 0
        try put(SiteAssets.css, folder, "assets/site.css")
        try put(SiteAssets.searchScript, folder, "assets/search.js")
        try put(try searchIndex(all), folder, "assets/search-index.js")
        let first = years.lowerBound, last = years.upperBound
        for year in years {
            try put(try yearPage(year, years: years), folder, "years/\(year).html")
            done += 1
            progress(done, total)
        }
        for unit in units {
            try put(try unitPage(unit, years: years), folder, "units/\(Markup.fileName(for: unit)).html")
            done += 1
            progress(done, total)
        }
        let firstLevel = try TimelineChart.select(under: schemes.first?.country, depth: 1, levels: [],
                                                  from: Day(year: first, month: 1, day: 1)!, until: Day(year: last + 1, month: 1, day: 1)!, store: store)
        var chart = try TimelineChart.load(units: firstLevel, from: Day(year: first, month: 1, day: 1)!,
                                           until: Day(year: last + 1, month: 1, day: 1)!, store: store)
        chart.link = { "units/\(Markup.fileName(for: $0)).html" }
        try put(chart.svg(title: "First-level units, \(first)–\(last)"), folder, "first-level.svg")
        try put(indexPage(years: years), folder, "index.html")
        done += 2
        progress(done, total)
        return done
    }

    private func put(_ text: String, _ folder: URL, _ name: String) throws {
        do {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name), options: .atomic)
        } catch {
            throw ChronicleError.store("Cannot write \(folder.appendingPathComponent(name).path): \(error.localizedDescription)")
        }
    }

    // MARK: - Pages

    func page(title: String, root: String, body: String, years: ClosedRange<Int>, selected: Int? = nil) -> String {
        let options = years.reversed().map { year in
            "<option value=\"\(year)\"\(year == selected ? " selected" : "")>\(year)</option>"
        }.joined()
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Markup.escape(title)) — Chronicle</title>
            <link rel="stylesheet" href="\(root)assets/site.css">
            </head>
            <body data-root="\(root)">
            <header>
            <a class="home" href="\(root)index.html">Chronicle</a>
            <label>Year <select id="year" onchange="location.href = document.body.dataset.root + 'years/' + this.value + '.html'">\(selected == nil ? "<option value=\"\" selected>—</option>" : "")\(options)</select></label>
            <form class="search" action="\(root)index.html" method="get"><input type="search" name="q" id="q" placeholder="Search any name or romanization" aria-label="Search"><button>Search</button></form>
            </header>
            <main>
            \(body)
            </main>
            <footer>Made by Chronicle \(Chronicle.version) from store position \(head). Every fact has its sources on the unit's page.</footer>
            <script src="\(root)assets/search-index.js"></script>
            <script src="\(root)assets/search.js"></script>
            </body>
            </html>

            """
    }

    func indexPage(years: ClosedRange<Int>) throws -> String {
        let last = years.upperBound
        let body = """
            <h1>Administrative divisions through time</h1>
            <p>Choose a year to see the hierarchy as it stood on 31 December of that year, or search for any unit by any name it has had, in any script or romanization.</p>
            <section id="results" hidden><h2>Search results</h2><ul id="result-list"></ul></section>
            <p><a href="years/\(last).html">The hierarchy at the end of \(last)</a> · \(years.count) years from \(years.lowerBound)</p>
            <h2>First-level units</h2>
            <p class="chart"><object data="first-level.svg" type="image/svg+xml" aria-label="Timeline of the first-level units"></object></p>
            """
        return page(title: "Chronicle", root: "", body: body, years: years)
    }

    func yearPage(_ year: Int, years: ClosedRange<Int>) throws -> String {
        let day = Day(year: year, month: 12, day: 31)!
        let snapshot = try Snapshot.load(from: store, on: day)
        let ids = Set(snapshot.units.map(\.id))
        let byParent = Dictionary(grouping: snapshot.units, by: { $0.parent.flatMap { ids.contains($0) ? $0 : nil } ?? "" })
        func list(_ parent: String) -> String {
            let children = (byParent[parent] ?? []).sorted { ($0.name, $0.id) < ($1.name, $1.id) }
            guard !children.isEmpty else { return "" }
            return "<ul>" + children.map { unit in
                let local = unit.localName.map { " <span class=\"local\">\(Markup.escape($0))</span>" } ?? ""
                let flag = unit.uncertain ? " <span class=\"uncertain\" title=\"\(Markup.escape(unit.uncertainty.map(Snapshot.reason).joined(separator: "; ")))\">uncertain</span>" : ""
                return "<li><a href=\"../units/\(Markup.fileName(for: unit.id)).html\">\(Markup.escape(unit.name))</a>\(local) <span class=\"level\">\(Markup.escape(unit.levelName))</span>\(flag)\(list(unit.id))</li>"
            }.joined() + "</ul>"
        }
        var counts: [String: Int] = [:]
        for unit in snapshot.units { counts[unit.levelName, default: 0] += 1 }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \(Markup.escape($0.key))" }.joined(separator: ", ")
        let top = (byParent[""] ?? []).flatMap { root in byParent[root.id] ?? [] }.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
        let firstLevel = top.map { unit in
            "<li><a href=\"../units/\(Markup.fileName(for: unit.id)).html\">\(Markup.escape(unit.name))</a> <span class=\"level\">\(Markup.escape(unit.levelName))</span></li>"
        }.joined()
        let body = """
            <h1>\(year): the hierarchy on \(day)</h1>
            <p>\(snapshot.units.count) units: \(summary).</p>
            <h2>First-level units</h2><ul class="first-level">\(firstLevel)</ul>
            <h2>All units</h2>
            <nav class="years">\(year > years.lowerBound ? "<a href=\"\(year - 1).html\">← \(year - 1)</a>" : "") \(year < years.upperBound ? "<a href=\"\(year + 1).html\">\(year + 1) →</a>" : "")</nav>
            <div class="tree">\(list(""))</div>
            """
        return page(title: "\(year)", root: "../", body: body, years: years, selected: year)
    }

    func unitPage(_ unit: UnitID, years: ClosedRange<Int>) throws -> String {
        let intervals = try store.intervals(of: unit)
        guard let last = intervals.last else { return page(title: unit, root: "../", body: "<h1>\(Markup.escape(unit))</h1>", years: years) }
        let name = namer.name(of: unit, last.state)
        let history = try HistoryEntry.history(of: unit, in: store)
        // Each name with the span in which the unit bore it.
        var spans: [(key: String, text: String, from: Day, to: Day?)] = []
        for interval in intervals {
            for (key, text) in interval.state.names {
                if let i = spans.firstIndex(where: { $0.key == key && $0.text == text }) {
                    spans[i].to = interval.validTo
                } else {
                    spans.append((key, text, interval.validFrom, interval.validTo))
                }
            }
        }
        let keyOrder = namer.scheme(of: unit)?.nameKeys.map(\.key) ?? []
        let nameRows = spans.sorted { (keyOrder.firstIndex(of: $0.key) ?? 99, $0.from) < (keyOrder.firstIndex(of: $1.key) ?? 99, $1.from) }.map { span in
            "<tr><th>\(Markup.escape(span.key))</th><td>\(Markup.escape(span.text))</td><td class=\"level\">\(span.from) – \(span.to?.description ?? "")</td></tr>"
        }.joined()
        let states = intervals.map { interval -> String in
            let parent = interval.state.parent.map { p in
                "<a href=\"\(Markup.fileName(for: p)).html\">\(Markup.escape(p))</a>"
            } ?? "—"
            return "<tr><td>\(interval.validFrom)</td><td>\(interval.validTo?.description ?? "")</td><td>\(Markup.escape(namer.name(of: unit, interval.state)))</td><td>\(Markup.escape(namer.levelName(interval.state.level, of: unit)))</td><td>\(parent)</td></tr>"
        }.joined()
        let events = history.map { entry -> String in
            let sources = entry.sources.map { source -> String in
                let text = Markup.escape(source.citation.isEmpty ? "source" : (source.title ?? source.seed.map { "seed \($0)" } ?? ""))
                let note = source.note.map { " — \(Markup.escape($0))" } ?? ""
                if let url = source.url, url.hasPrefix("http://") || url.hasPrefix("https://") {
                    return "<li><a href=\"\(Markup.escape(url))\">\(text)</a>\(note)</li>"
                }
                return "<li>\(text)\(note)</li>"
            }.joined()
            let alternatives = entry.alternatives.isEmpty ? "" : "<p class=\"alt\">Other dates: " + entry.alternatives.map { Markup.escape($0.date) }.joined(separator: ", ") + "</p>"
            let flags = (entry.retractedBy.map { " <span class=\"retracted\">retracted by \(Markup.escape($0))</span>" } ?? "")
                + (entry.correctedBy.isEmpty ? "" : " <span class=\"corrected\">corrected by \(Markup.escape(entry.correctedBy.joined(separator: ", ")))</span>")
            return """
                <li class="event"><span class="date">\(Markup.escape(entry.date))</span> \(Markup.escape(entry.description))\(flags)
                <div class="meta">event \(Markup.escape(entry.id)), recorded at position \(entry.position) on \(Markup.escape(entry.recordedAt))</div>
                \(entry.note.map { "<p class=\"note\">\(Markup.escape($0))</p>" } ?? "")\(alternatives)<ul class="sources">\(sources)</ul></li>
                """
        }.joined(separator: "\n")
        let chart = TimelineChart(rows: [try TimelineChart.row(unit, intervals: intervals, history: history, namer: namer, store: store)],
                                  from: Day(year: years.lowerBound, month: 1, day: 1)!, until: Day(year: years.upperBound + 1, month: 1, day: 1)!,
                                  schemes: schemes)
        let body = """
            <h1>\(Markup.escape(name)) <span class="id">\(Markup.escape(unit))</span></h1>
            <div class="chart">\(chart.svg(title: "\(name), \(years.lowerBound)–\(years.upperBound)"))</div>
            <h2>Names</h2><table class="names">\(nameRows)</table>
            <h2>States</h2><table class="states"><tr><th>From</th><th>Until</th><th>Name</th><th>Level</th><th>Parent</th></tr>\(states)</table>
            <h2>History</h2><ol class="history">\(events)</ol>
            """
        return page(title: name, root: "../", body: body, years: years)
    }

    /// Every name each unit has had, for the search box.
    func searchIndex(_ intervals: [UnitInterval]) throws -> String {
        struct Entry: Encodable {
            var id: String
            var name: String
            var names: [String]
            var level: String
            var file: String
        }
        var entries: [Entry] = []
        for (unit, spans) in Dictionary(grouping: intervals, by: \.unit).sorted(by: { $0.key < $1.key }) {
            let ordered = spans.sorted { $0.validFrom < $1.validFrom }
            var names: [String] = []
            for span in ordered { for name in span.state.names.values.sorted() where !names.contains(name) { names.append(name) } }
            let last = ordered.last!
            entries.append(Entry(id: unit, name: namer.name(of: unit, last.state), names: names,
                                 level: namer.levelName(last.state.level, of: unit), file: "units/\(Markup.fileName(for: unit)).html"))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return "window.CHRONICLE_INDEX = " + String(decoding: try encoder.encode(entries), as: UTF8.self) + ";\n"
    }
}
