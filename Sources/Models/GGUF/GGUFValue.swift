/// One metadata value of a GGUF file.
///
/// The cases mirror the GGUF value types (`GGUF_TYPE_UINT8` ... `GGUF_TYPE_FLOAT64`); arrays may hold any type,
/// including strings and other arrays. The accessors convert between the integer widths and the two float widths,
/// so `metadata["llama.block_count"]?.int` works whether the writer chose `uint32` or `uint64`.
///
/// Reference: the GGUF specification, ggml `docs/gguf.md`.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case uint64(UInt64)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// The value as an `Int` when it is an integer that fits, else `nil`.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// The value as a `Double` when it is a float or an integer, else `nil`.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    /// The value as a `Float` when it is a float or an integer, else `nil`.
    public var float: Float? { double.map(Float.init) }

    /// The value when it is a `bool`, else `nil`.
    public var bool: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    /// The value when it is a `string`, else `nil`.
    public var string: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The elements when the value is an array, else `nil`.
    public var array: [GGUFValue]? {
        if case .array(let v) = self { return v }
        return nil
    }

    /// The elements when the value is an array of strings, else `nil`.
    public var stringArray: [String]? {
        guard let elements = array else { return nil }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let s) = element else { return nil }
            result.append(s)
        }
        return result
    }

    /// The elements when the value is an array of integers that fit `Int`, else `nil`.
    public var intArray: [Int]? {
        guard let elements = array else { return nil }
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let v = element.int else { return nil }
            result.append(v)
        }
        return result
    }

    /// The elements when the value is an array of numbers, as `Float`, else `nil`.
    public var floatArray: [Float]? {
        guard let elements = array else { return nil }
        var result: [Float] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let v = element.float else { return nil }
            result.append(v)
        }
        return result
    }
}

extension GGUFValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .uint8(let v): return "\(v)"
        case .int8(let v): return "\(v)"
        case .uint16(let v): return "\(v)"
        case .int16(let v): return "\(v)"
        case .uint32(let v): return "\(v)"
        case .int32(let v): return "\(v)"
        case .uint64(let v): return "\(v)"
        case .int64(let v): return "\(v)"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        case .string(let v): return v.debugDescription
        case .array(let v):
            let preview = v.prefix(8).map(\.description).joined(separator: ", ")
            return "[\(preview)\(v.count > 8 ? ", … (\(v.count) elements)" : "")]"
        }
    }
}
