import Synchronization
import Testing
@testable import ChronicleKit

/// `Array.keep(ascending:)`: what a rebuild's corrections and an import's new events use to drop
/// elements in place.
@Suite(.serialized) struct ArrayKeepingTests {
    /// Counts its live instances, to see that dropped elements are released and kept ones are not
    /// (the suite runs its cases one at a time, as they share the count).
    final class Element: Sendable {
        static let live = Mutex(0)
        let value: Int
        init(_ value: Int) { self.value = value; Element.live.withLock { $0 += 1 } }
        deinit { Element.live.withLock { $0 -= 1 } }
    }

    @Test(arguments: [[], [0], [4], [0, 1, 2, 3, 4], [1, 3], [0, 2, 4], [3, 4]])
    func keepsTheElementsAtTheIndicesInOrder(_ indices: [Int]) {
        do {
            var elements = (0..<5).map(Element.init)
            elements.keep(ascending: indices)
            #expect(elements.map(\.value) == indices)
            // The dropped elements are gone, and each kept one is held once (moved, not copied).
            #expect(Element.live.withLock { $0 } == indices.count)
            #expect(elements.indices.allSatisfy { isKnownUniquelyReferenced(&elements[$0]) })
        }
        #expect(Element.live.withLock { $0 } == 0)
    }

    @Test func keepsFromALazyFilter() {
        var numbers = Array(0..<1_000)
        numbers.keep(ascending: numbers.indices.lazy.filter { $0 % 3 == 1 })
        #expect(numbers == Array(stride(from: 1, to: 1_000, by: 3)))
        var empty: [Int] = []
        empty.keep(ascending: [])
        #expect(empty.isEmpty)
    }
}
