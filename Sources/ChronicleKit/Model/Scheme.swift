/// A country's classification scheme: the levels its units may have, where each
/// may sit, how they rank, and the keys its names are written under.
///
/// Schemes are data (`Events/<country>/scheme.yaml`); nothing in Chronicle's code
/// knows any country's levels.
public struct Scheme: Hashable, Sendable, Codable {
    /// The id of the country's own unit, e.g. `kp`.
    public var country: String
    public var nameKeys: [NameKey]
    public var levels: [Level]

    public init(country: String, nameKeys: [NameKey], levels: [Level]) {
        self.country = country
        self.nameKeys = nameKeys
        self.levels = levels
    }

    /// A language/script key that names are written under.
    public struct NameKey: Hashable, Sendable, Codable {
        public var key: String
        public var label: String
        /// The key of the common form, printed as a unit's `name`.
        public var common: Bool?
        /// The BCP 47 language tag for exports (Linked Places), e.g. `ko-Hani`; the key when absent.
        public var lang: String?

        public init(key: String, label: String, common: Bool? = nil, lang: String? = nil) {
            self.key = key
            self.label = label
            self.common = common
            self.lang = lang
        }
    }

    /// One classification, e.g. a province.
    public struct Level: Hashable, Sendable, Codable {
        public var code: String
        /// Higher is more senior; a change to a higher rank is a promotion.
        public var rank: Int
        /// The level codes a unit of this level may sit under (empty: a country).
        public var under: [String]
        public var names: [String: String]

        public init(code: String, rank: Int, under: [String], names: [String: String]) {
            self.code = code
            self.rank = rank
            self.under = under
            self.names = names
        }
    }

    /// The key of the common name form (the first key marked `common`, else the first key).
    public var commonNameKey: String {
        nameKeys.first(where: { $0.common == true })?.key ?? nameKeys.first?.key ?? "en"
    }

    public func level(_ code: String) -> Level? { levels.first { $0.code == code } }

    /// What is wrong with the scheme itself, one sentence each.
    public func problems() -> [String] {
        var found: [String] = []
        if nameKeys.isEmpty { found.append("the \(country) scheme lists no nameKeys") }
        if nameKeys.filter({ $0.common == true }).count > 1 {
            found.append("the \(country) scheme marks more than one name key as common")
        }
        var codes = Set<String>()
        for level in levels where !codes.insert(level.code).inserted {
            found.append("the \(country) scheme defines the level '\(level.code)' twice")
        }
        for level in levels {
            for parent in level.under where !codes.contains(parent) {
                found.append("the \(country) scheme lets '\(level.code)' sit under '\(parent)', which it does not define")
            }
        }
        if !levels.contains(where: \.under.isEmpty) {
            found.append("the \(country) scheme has no top level (a level with 'under: []' for the country itself)")
        }
        return found
    }
}

/// Where a fact comes from: a seed document, or a public reference with a title and URL.
public struct Source: Hashable, Sendable, Codable {
    public var seed: String?
    public var title: String?
    public var url: String?
    public var note: String?

    public init(seed: String? = nil, title: String? = nil, url: String? = nil, note: String? = nil) {
        self.seed = seed
        self.title = title
        self.url = url
        self.note = note
    }

    /// One line for terminal output: the title or seed, then the URL.
    public var citation: String {
        var parts: [String] = []
        if let seed { parts.append("seed \(seed)") }
        if let title { parts.append(title) }
        if let url { parts.append("<\(url)>") }
        return parts.joined(separator: " ")
    }
}

/// A point in WGS 84 decimal degrees.
public struct Coordinate: Hashable, Sendable, Codable {
    public var lat: Double
    public var lon: Double

    public init(lat: Double, lon: Double) {
        self.lat = lat
        self.lon = lon
    }
}
