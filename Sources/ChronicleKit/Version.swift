public enum Chronicle { public static let version = "0.1.0" }
