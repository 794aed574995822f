extension Array {
    /// Keeps only the elements at `indices` (ascending), in their order, moving each rather than
    /// copying it: `swapAt` copies both elements it swaps (a retain and a release of everything
    /// an event holds), which was half of a million-event rebuild's corrections (`perf record`).
    mutating func keep(ascending indices: some Sequence<Int>) {
        var kept = 0
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for i in indices {
                precondition(i >= kept && i < buffer.count, "indices to keep must ascend and lie in the array")
                if kept != i {
                    let leaver = (base + kept).move()
                    (base + kept).moveInitialize(from: base + i, count: 1)
                    (base + i).initialize(to: leaver)
                }
                kept += 1
            }
        }
        removeLast(count - kept)
    }
}
