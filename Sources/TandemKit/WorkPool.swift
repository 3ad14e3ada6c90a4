import Dispatch
import Foundation

/// A few threads taking tasks from one list, oldest first, until no task is queued or running;
/// a task may add more. Builds use it to render each program's pages as soon as that program
/// is matched, on whichever thread is free.
///
/// Written here because `DispatchQueue.concurrentPerform` cannot do this: an apply nested in
/// another runs on the calling thread alone, so the biggest program, matched last, would be
/// rendered on one core.
final class WorkPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var tasks: [@Sendable () -> Void] = []
    private var next = 0
    /// Tasks queued or running.
    private var pending = 0

    init() {}

    func add(_ task: @escaping @Sendable () -> Void) { add([task]) }

    func add(_ more: [@Sendable () -> Void]) {
        guard !more.isEmpty else { return }
        condition.lock()
        tasks += more
        pending += more.count
        condition.broadcast()
        condition.unlock()
    }

    /// Runs the tasks on `threads` threads, the caller's among them, and returns when every
    /// task, including those added while it runs, is done.
    func run(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let done = DispatchSemaphore(value: 0)
        let helpers = max(0, threads - 1)
        for _ in 0..<helpers {
            let thread = Thread { [self] in
                work()
                done.signal()
            }
            // Matching recurses little, but rendering a deep template should not be the
            // first thing to find a helper thread's stack too small.
            thread.stackSize = 8 << 20
            thread.start()
        }
        work()
        for _ in 0..<helpers { done.wait() }
    }

    private func work() {
        condition.lock()
        while true {
            if next < tasks.count {
                let task = tasks[next]
                tasks[next] = {}
                next += 1
                condition.unlock()
                task()
                condition.lock()
                pending -= 1
                if pending == 0 { condition.broadcast() }
            } else if pending == 0 {
                condition.unlock()
                return
            } else {
                condition.wait()
            }
        }
    }
}

/// One result per index, filled in from a pool's threads (each index once) and read when the
/// pool has finished.
final class PoolResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Value) { lock.withLock { values[i] = value } }

    /// Only once every index is set.
    var all: [Value] { lock.withLock { values.map { $0! } } }
}
