import Foundation
import Dispatch

/// The one place that decides how many threads the project computes with: BLAS and the project's own
/// parallel loops both follow it.
///
/// The default is the `ATTENTION_THREADS` environment variable when set, else every active core. The CLI's
/// `--threads` sets it explicitly.
public enum Parallelism {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var configured: Int?

    /// Threads used by BLAS and by `parallelFor`. Setting it applies at once to both.
    public static var threadCount: Int {
        get {
            lock.lock(); defer { lock.unlock() }
            if let configured { return configured }
            let value = defaultThreadCount()
            configured = value
            BLAS.setThreadCount(value)
            return value
        }
        set {
            let value = Swift.max(1, newValue)
            lock.lock(); configured = value; lock.unlock()
            BLAS.setThreadCount(value)
        }
    }

    static func defaultThreadCount() -> Int {
        if let text = ProcessInfo.processInfo.environment["ATTENTION_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs `body(i)` for every `i` in `0..<iterations`, spread over `threadCount` threads in contiguous chunks.
    /// Runs inline when one thread is configured or there is one iteration.
    public static func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
        let threads = Swift.min(threadCount, iterations)
        if threads <= 1 {
            for i in 0..<iterations { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The caller guarantees that iterations touch disjoint memory; concurrentPerform joins before returning.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                let start = iterations * worker / threads
                let end = iterations * (worker + 1) / threads
                for i in start..<end { shared.value(i) }
            }
        }
    }
}

extension Parallelism {
    /// Runs `body(i)` for every `i` in `0..<iterations` on `threadCount` threads that each take the next
    /// unclaimed index, so uneven iterations (causal attention blocks) balance themselves.
    public static func parallelForDynamic(_ iterations: Int, _ body: (Int) -> Void) {
        let threads = Swift.min(threadCount, iterations)
        if threads <= 1 {
            for i in 0..<iterations { body(i) }
            return
        }
        let counter = WorkCounter()
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while true {
                    let i = counter.next()
                    if i >= iterations { break }
                    shared.value(i)
                }
            }
        }
    }
}

private final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value - 1
    }
}

/// Wraps a value that is shared across threads under an invariant the compiler cannot check.
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
