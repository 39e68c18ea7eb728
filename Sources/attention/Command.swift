import Foundation
import TensorCore

/// One subcommand of `attention`.
protocol Command {
    /// The word after `attention`.
    static var name: String { get }
    /// One line for the command list.
    static var summary: String { get }
    /// Full `--help` text, with an example.
    static var usage: String { get }
    static var options: Set<String> { get }
    static var switches: Set<String> { get }
    static func run(_ arguments: Arguments) throws
}

extension Command {
    static var switches: Set<String> { [] }
}

/// Applies `--threads` (shared by every computing command) to the one place that owns the thread count.
func applyThreads(_ arguments: Arguments) throws {
    if let threads = try arguments.positiveInt("threads") { Parallelism.threadCount = threads }
}
