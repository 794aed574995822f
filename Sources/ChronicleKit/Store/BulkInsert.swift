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
        /// UTF-8 text in a buffer that outlives the call (SQLite copies it).
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

    /// Binds the values to the parameters in order, runs the statement and resets it.
    func execute(_ values: Value...) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .text(let text):
                code = text.utf8.withContiguousStorageIfAvailable { bytes in
                    sqlite3_bind_text(statement, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                      Int32(bytes.count), BulkInsert.transient)
                } ?? {
                    var copy = text
                    return copy.withUTF8 { bytes in
                        sqlite3_bind_text(statement, index, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                          Int32(bytes.count), BulkInsert.transient)
                    }
                }()
            case .utf8(let bytes):
                if let base = bytes.baseAddress {
                    code = sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count), BulkInsert.transient)
                } else {
                    code = sqlite3_bind_text(statement, index, "", 0, BulkInsert.transient)
                }
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

    /// SQLite copies the bound text (`SQLITE_TRANSIENT`, a macro Swift does not import).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
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

    func integer(_ column: Int32) -> Int? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(statement, column))
    }

    func real(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }
}
