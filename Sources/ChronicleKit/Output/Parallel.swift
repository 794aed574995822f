import Dispatch
import Foundation
import Synchronization

/// Work split over the machine's cores, for the few places where one query decodes or
/// renders a whole hierarchy (100,000 units or more) and the order of results is kept.
enum Parallel {
    /// The cores to use.
    static var width: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `values.map(transform)`, with the work in contiguous chunks on every core; small inputs stay on this thread.
    ///
    /// `transform` must not touch shared mutable state: it runs on several threads at once.
    static func map<T, U>(_ values: [T], _ transform: (T) throws -> U) throws -> [U] {
        guard let split = Split(values.count) else { return try values.map(transform) }
        // Each chunk makes its results in place, in its own range of the output: gathering them
        // from per-chunk arrays copied each (a retain of everything a view holds, and a release
        // when the chunk went), a tenth of a whole hierarchy's as-of.
        var made = [Int](repeating: 0, count: split.chunks)
        var failures = [(any Error)?](repeating: nil, count: split.chunks)
        return try [U](unsafeUninitializedCapacity: values.count) { buffer, count in
            made.withUnsafeMutableBufferPointer { made in
                failures.withUnsafeMutableBufferPointer { failures in
                    values.withUnsafeBufferPointer { values in
                        withoutActuallyEscaping(transform) { transform in
                            // Each chunk writes only its own range and slots, and reads only its own range.
                            nonisolated(unsafe) let (buffer, made, failures, values, transform) = (buffer, made, failures, values, transform)
                            DispatchQueue.concurrentPerform(iterations: split.chunks) { chunk in
                                let range = split.range(chunk)
                                var next = range.lowerBound
                                do {
                                    while next < range.upperBound {
                                        (buffer.baseAddress! + next).initialize(to: try transform(values[next]))
                                        next += 1
                                    }
                                } catch {
                                    failures[chunk] = error
                                }
                                made[chunk] = next - range.lowerBound
                            }
                        }
                    }
                }
            }
            if let failure = failures.lazy.compactMap({ $0 }).first {
                // The output is not contiguous yet: each chunk's results are released here, and none by the array.
                for chunk in 0..<split.chunks { (buffer.baseAddress! + split.range(chunk).lowerBound).deinitialize(count: made[chunk]) }
                count = 0
                throw failure
            }
            count = values.count
        }
    }

    /// `values.map(transform)` where the transform may change (or empty) the value it is given,
    /// so that a view can take over what an interval holds instead of copying it.
    ///
    /// `transform` must not touch shared mutable state: it runs on several threads at once.
    static func map<T, U>(taking values: inout [T], _ transform: (inout T) -> U) -> [U] {
        guard let split = Split(values.count) else { return values.indices.map { transform(&values[$0]) } }
        return [U](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeMutableBufferPointer { values in
                withoutActuallyEscaping(transform) { transform in
                    // Each chunk reads and writes only its own range of both.
                    nonisolated(unsafe) let (buffer, values, transform) = (buffer, values, transform)
                    DispatchQueue.concurrentPerform(iterations: split.chunks) { chunk in
                        for i in split.range(chunk) {
                            (buffer.baseAddress! + i).initialize(to: transform(&values[i]))
                        }
                    }
                }
            }
            count = values.count
        }
    }

    /// `values.map(transform)` for a few items of uneven cost (files of any size): each core takes
    /// the next item as it finishes one, and each result goes into its item's own slot.
    ///
    /// `transform` must not touch shared mutable state: it runs on several threads at once.
    static func each<T, U>(_ values: [T], _ transform: (T) -> U) -> [U] {
        guard values.count > 1, width > 1 else { return values.map(transform) }
        return [U](unsafeUninitializedCapacity: values.count) { buffer, count in
            values.withUnsafeBufferPointer { values in
                withoutActuallyEscaping(transform) { transform in
                    // Each iteration reads its own item and writes its own slot.
                    nonisolated(unsafe) let (buffer, values, transform) = (buffer, values, transform)
                    DispatchQueue.concurrentPerform(iterations: values.count) { i in
                        (buffer.baseAddress! + i).initialize(to: transform(values[i]))
                    }
                }
            }
            count = values.count
        }
    }

    /// Work of `count` items in one contiguous range per core; `nil` when it is too small to split
    /// (fewer than 2,000 items a core), and stays on the calling thread.
    struct Split: Sendable {
        let count: Int, chunks: Int, size: Int

        init?(_ count: Int) {
            chunks = min(Parallel.width, count / 2_000)
            guard chunks > 1 else { return nil }
            self.count = count
            size = (count + chunks - 1) / chunks
        }

        /// The items of one chunk.
        func range(_ chunk: Int) -> Range<Int> { (chunk * size)..<min(count, (chunk + 1) * size) }
    }

    /// `values.map(transform)` for a transform that cannot fail.
    static func map<T, U>(_ values: [T], _ transform: (T) -> U) -> [U] {
        do {
            return try map(values) { (value: T) throws -> U in transform(value) }
        } catch {
            preconditionFailure("a transform that cannot throw threw \(error)")
        }
    }
}

extension Parallel {
    /// Chunks transformed on other threads while the caller makes the next ones: a reader hands
    /// over rows as SQLite yields them, and they are decoded while it reads on. The results come
    /// back in the order the chunks were given.
    final class Pipeline<Input: Sendable, Output: Sendable>: Sendable {
        private let transform: @Sendable (Input) throws -> Output
        private let group = DispatchGroup()
        private let results = Mutex<[Int: Result<[Output], any Error>]>([:])
        private let given = Mutex(0)

        init(_ transform: @escaping @Sendable (Input) throws -> Output) {
            self.transform = transform
        }

        /// Starts transforming a chunk on another thread.
        func submit(_ chunk: [Input]) {
            guard !chunk.isEmpty else { return }
            let index = given.withLock { count in
                defer { count += 1 }
                return count
            }
            DispatchQueue.global().async(group: group) {
                let result = Result { try chunk.map(self.transform) }
                self.results.withLock { $0[index] = result }
            }
        }

        /// Waits for every chunk given, and returns their results in order (or the first chunk's error).
        func finish() throws -> [[Output]] {
            group.wait()
            let count = given.withLock { $0 }
            // Taken out of the table, not copied: the caller gets the only reference to each chunk and
            // can move values out of it without copying the chunk.
            return try results.withLock { results in try (0..<count).map { try results.removeValue(forKey: $0)!.get() } }
        }
    }
}

extension Parallel {
    /// A bounded queue from one producing thread to one consuming thread: a fold hands over the
    /// rows it makes while the database thread writes the ones before (a rebuild). The producer
    /// waits while `capacity` items are queued, so memory stays bounded however long the stream.
    ///
    /// Written here because the packages on hand offer only `async` channels, and both ends are
    /// synchronous code (a GRDB write closure and a fold).
    final class Handoff<Element>: @unchecked Sendable {
        // Every stored property is read and written only with `condition` locked.
        private let condition = NSCondition()
        private var queue: [Element] = []
        private var closed = false
        private var cancelled = false
        private let capacity: Int

        init(capacity: Int) {
            self.capacity = max(1, capacity)
        }

        /// Queues an item, waiting while the queue is full. Returns `false` (and drops the item)
        /// once the consumer has cancelled: the producer can stop making more.
        @discardableResult
        func send(_ item: consuming Element) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while queue.count >= capacity && !cancelled { condition.wait() }
            guard !cancelled else { return false }
            queue.append(item)
            condition.broadcast()
            return true
        }

        /// The producer is done: `next()` returns what is queued, then `nil`.
        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }

        /// The consumer stops taking items: a waiting producer wakes and later sends are dropped.
        func cancel() {
            condition.lock()
            cancelled = true
            queue.removeAll()
            condition.broadcast()
            condition.unlock()
        }

        /// The next item, waiting for one; `nil` once the producer has closed and all are taken.
        func next() -> Element? {
            condition.lock()
            defer { condition.unlock() }
            while queue.isEmpty && !closed && !cancelled { condition.wait() }
            guard !queue.isEmpty else { return nil }
            let item = queue.removeFirst()
            condition.broadcast()
            return item
        }
    }
}

extension Parallel {
    /// Values made on one thread and moved, never copied, into one array on another
    /// (``joined(_:)``): a rebuild decodes a million events in chunks on other threads, and
    /// appending each chunk's array to the whole copied every event (a retain of everything it
    /// holds) and then destroyed the chunk's (a release of the same).
    ///
    /// A chunk is filled by one thread and handed over whole (through ``Pipeline``, which
    /// publishes it under a lock); it is not used from two threads at once.
    final class Chunk<Element: Sendable>: @unchecked Sendable {
        private let storage: UnsafeMutablePointer<Element>
        private let capacity: Int
        /// How many elements it holds (its first `count` places are initialized).
        private(set) var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            storage = .allocate(capacity: max(1, capacity))
        }

        func append(_ element: consuming Element) {
            precondition(count < capacity, "a chunk holds at most the elements it was made for")
            (storage + count).initialize(to: element)
            count += 1
        }

        deinit {
            storage.deinitialize(count: count)
            storage.deallocate()
        }

        /// The chunks' elements in order, moved into one array of the exact size (the chunks are left empty).
        static func joined(_ chunks: [Chunk]) -> [Element] {
            [Element](unsafeUninitializedCapacity: chunks.reduce(0) { $0 + $1.count }) { buffer, count in
                for chunk in chunks where chunk.count > 0 {
                    (buffer.baseAddress! + count).moveInitialize(from: chunk.storage, count: chunk.count)
                    count += chunk.count
                    chunk.count = 0
                }
            }
        }
    }
}
