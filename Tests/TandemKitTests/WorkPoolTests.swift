import Foundation
import Testing
@testable import TandemKit

@Suite struct WorkPoolTests {
    /// Tasks that add tasks: `run` returns only once every one, added early or late, is done,
    /// and each runs exactly once.
    @Test func runsEveryTaskIncludingThoseAddedWhileRunning() {
        let pool = WorkPool()
        let lock = NSLock()
        nonisolated(unsafe) var runs = [Int](repeating: 0, count: 1_000)
        for parent in 0..<10 {
            pool.add {
                Thread.sleep(forTimeInterval: 0.001 * Double(parent % 3))
                pool.add((1..<100).map { child in { lock.withLock { runs[parent * 100 + child] += 1 } } })
                lock.withLock { runs[parent * 100] += 1 }
            }
        }
        pool.run(threads: 3)
        #expect(runs == [Int](repeating: 1, count: 1_000))
    }
}
