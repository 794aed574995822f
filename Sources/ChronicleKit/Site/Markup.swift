/// Escaping for text placed in HTML and SVG (XML): every name from the data goes through it.
public enum Markup {
    /// Escapes `&`, `<`, `>`, `"` and `'`, and replaces control and bidirectional-override characters.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                if Projector.isUnsafe(scalar) && scalar != "\n" { result += "\u{FFFD}" } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// A file name for a unit id, one-to-one: lower-case letters, digits, `-` and `_` stay,
    /// `/` becomes `~` (which no id contains), and anything else `~x<hex>~`, so no id can
    /// name a path outside the folder or collide with another id.
    public static func fileName(for unit: UnitID) -> String {
        String(unit.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "a"..."z", "0"..."9", "-", "_": String(scalar)
            case "/": "~"
            default: "~x\(String(scalar.value, radix: 16))~"
            }
        }.joined())
    }
}
