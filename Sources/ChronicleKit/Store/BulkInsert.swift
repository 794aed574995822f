import GRDB
import GRDBSQLite

/// One prepared INSERT, bound and stepped through SQLite's C interface.
///
/// The projection writes a row per unit state and an import a row per event: millions
/// on a large store. GRDB's `execute(arguments:)` boxes every value into a
/// `StatementArguments` array first, which cost more than SQLite's own work on these
/// rows (docs/benchmarks.md). Everything else goes through GRDB; this is only for
/// the bulk inserts, inside a transaction GRDB opened.
final class BulkInsert {
    /// A value to bind.
    enum Value {
        case text(String)
        /// UTF-8 text in a buffer that outlives the call (bound where it is).
        case utf8(UnsafeBufferPointer<UInt8>)
        case integer(Int)
        case real(Double)
        case null
    }

    private let connection: OpaquePointer
    private var statement: OpaquePointer?
    private let sql: String

    init(_ db: Database, _ sql: String) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed connection") }
        self.connection = connection
        self.sql = sql
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    deinit { sqlite3_finalize(statement) }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    /// The text values of the row being inserted, one after the other.
    private var texts: [UInt8] = []

    /// Binds the values to the parameters in order, runs the statement and resets it.
    ///
    /// Text is bound without SQLite copying it (`SQLITE_STATIC`): strings are first copied into
    /// one buffer the statement keeps, which is not touched again until the row is written, and a
    /// `.utf8` buffer is the caller's, valid for the call. (SQLite's own copy was a `malloc` and a
    /// `free` of each text value of each row.)
    func execute(_ values: Value...) throws {
        texts.removeAll(keepingCapacity: true)
        for value in values {
            if case .text(let text) = value { texts.append(contentsOf: text.utf8) }
        }
        try texts.withUnsafeBufferPointer { buffer in
            var offset = 0
            for (position, value) in values.enumerated() {
                let index = Int32(position + 1)
                let code: Int32
                switch value {
                case .text(let text):
                    let count = text.utf8.count
                    code = bind(index, count == 0 ? nil : buffer.baseAddress.map { $0 + offset }, count)
                    offset += count
                case .utf8(let bytes):
                    code = bind(index, bytes.baseAddress, bytes.count)
                case .integer(let number): code = sqlite3_bind_int64(statement, index, Int64(number))
                case .real(let number): code = sqlite3_bind_double(statement, index, number)
                case .null: code = sqlite3_bind_null(statement, index)
                }
                guard code == SQLITE_OK else { throw error(code) }
            }
            let code = sqlite3_step(statement)
            sqlite3_reset(statement)
            guard code == SQLITE_DONE else { throw error(code) }
        }
    }

    /// Binds UTF-8 text that stays where it is until the statement has run; no bytes bind an empty
    /// string (a null pointer would bind NULL).
    private func bind(_ index: Int32, _ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
        // (An empty string literal's bytes are static: never freed.)
        let text = count > 0 ? bytes ?? ("" as StaticString).utf8Start : ("" as StaticString).utf8Start
        return sqlite3_bind_text(statement, index, UnsafeRawPointer(text).assumingMemoryBound(to: CChar.self), Int32(count), nil)
    }
}

extension BulkInsert.Value {
    static func text(_ text: String?) -> Self { text.map(Self.text) ?? .null }
    static func integer(_ number: Int?) -> Self { number.map(Self.integer) ?? .null }
}

/// One prepared SELECT whose rows are read through SQLite's C interface: for the as-of
/// query of a whole hierarchy, where reading 100,000 rows through GRDB's `Row` cost more
/// than SQLite's own work. Everything else reads through GRDB.
final class RawQuery {
    private let connection: OpaquePointer
    private var statement: OpaquePointer?
    private let sql: String

    init(_ db: Database, _ sql: String, _ integers: [Int]) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed connection") }
        self.connection = connection
        self.sql = sql
        var code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK else { throw error(code) }
        for (offset, value) in integers.enumerated() {
            code = sqlite3_bind_int64(statement, Int32(offset + 1), Int64(value))
            guard code == SQLITE_OK else { throw error(code) }
        }
    }

    deinit { sqlite3_finalize(statement) }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    /// Steps to the next row; `false` after the last.
    func next() throws -> Bool {
        let code = sqlite3_step(statement)
        if code == SQLITE_ROW { return true }
        guard code == SQLITE_DONE else { throw error(code) }
        return false
    }

    func text(_ column: Int32) -> String? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL, let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }

    /// A text column's UTF-8 bytes, valid until the next step; `nil` for NULL.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        // Asked for the text first, then its length (the order SQLite documents).
        let text = sqlite3_column_text(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        return UnsafeBufferPointer(start: count == 0 ? nil : text, count: count)
    }

    /// Feeds every column of this row, with its type, to `hasher`.
    func hashRow(into hasher: inout Hasher) {
        for column in 0..<sqlite3_column_count(statement) {
            let type = sqlite3_column_type(statement, column)
            hasher.combine(type)
            switch type {
            case SQLITE_NULL: continue
            case SQLITE_INTEGER: hasher.combine(sqlite3_column_int64(statement, column))
            case SQLITE_FLOAT: hasher.combine(sqlite3_column_double(statement, column).bitPattern)
            default:
                let bytes = self.bytes(column) ?? .init(start: nil, count: 0)
                hasher.combine(bytes.count)
                hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            }
        }
    }

    /// Whether this row and `other`'s hold the same values (of the same types) in every column.
    func sameRow(as other: RawQuery) -> Bool {
        let count = sqlite3_column_count(statement)
        guard count == sqlite3_column_count(other.statement) else { return false }
        for column in 0..<count {
            let type = sqlite3_column_type(statement, column)
            guard type == sqlite3_column_type(other.statement, column) else { return false }
            switch type {
            case SQLITE_NULL: continue
            case SQLITE_INTEGER: if sqlite3_column_int64(statement, column) != sqlite3_column_int64(other.statement, column) { return false }
            case SQLITE_FLOAT: if sqlite3_column_double(statement, column) != sqlite3_column_double(other.statement, column) { return false }
            default: if !(bytes(column) ?? .init(start: nil, count: 0)).elementsEqual(other.bytes(column) ?? .init(start: nil, count: 0)) { return false }
            }
        }
        return true
    }

    func integer(_ column: Int32) -> Int? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(statement, column))
    }

    func real(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }
}
