import Foundation

/// A user mistake on the command line; printed to stderr with the command's usage hint, exit status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Minimal flag parsing: `--name value`, `--name=value`, boolean `--flag`, positional arguments, and `-o` for `--output`.
/// Each command declares the flags it accepts, so an unknown or misspelled flag is an error, not ignored.
struct Arguments {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positionals: [String] = []
    let helpRequested: Bool

    /// - Parameters:
    ///   - options: flags that take a value (without `--`).
    ///   - switches: boolean flags (without `--`).
    init(_ arguments: [String], options: Set<String>, switches: Set<String> = []) throws {
        var help = false
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            // `-o` is the usual short form of `--output` for commands that take one.
            let argument = arguments[index] == "-o" && options.contains("output") ? "--output" : arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" { onlyPositionals = true; continue }
            if argument == "--help" || argument == "-h" { help = true; continue }
            guard argument.hasPrefix("--") else { throw UsageError("unknown option '\(argument)'") }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if switches.contains(name) {
                guard inlineValue == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if options.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard index < arguments.count else { throw UsageError("--\(name) needs a value") }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else {
                let known = (options.union(switches)).sorted().map { "--\($0)" }.joined(separator: ", ")
                throw UsageError("unknown option '--\(name)'; this command accepts: \(known.isEmpty ? "no options" : known)")
            }
        }
        helpRequested = help
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func string(_ name: String) -> String? { values[name]?.last }

    func strings(_ name: String) -> [String] { values[name] ?? [] }

    func required(_ name: String) throws -> String {
        guard let value = string(name) else { throw UsageError("missing required option --\(name)") }
        return value
    }

    func int(_ name: String) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text) else { throw UsageError("--\(name) expects an integer, got '\(text)'") }
        return value
    }

    func float(_ name: String) throws -> Float? {
        guard let text = string(name) else { return nil }
        guard let value = Float(text), value.isFinite else { throw UsageError("--\(name) expects a number, got '\(text)'") }
        return value
    }

    func positiveInt(_ name: String) throws -> Int? {
        guard let value = try int(name) else { return nil }
        guard value > 0 else { throw UsageError("--\(name) must be at least 1, got \(value)") }
        return value
    }
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
