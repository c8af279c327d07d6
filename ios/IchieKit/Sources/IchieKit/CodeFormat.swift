/// How codes and clock offsets are written on screen.
public enum CodeFormat {
    /// A code in two groups for reading aloud and typing: `123 456`,
    /// `123 4567`, `1234 5678` (the first group is the shorter one).
    /// Anything that is not all digits is returned as it is.
    public static func grouped(_ code: String) -> String {
        guard code.count > 4, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else { return code }
        let cut = code.index(code.startIndex, offsetBy: code.count / 2)
        return "\(code[..<cut]) \(code[cut...])"
    }

    /// A code as typed into another app: the digits without the grouping space.
    public static func plain(_ code: String) -> String {
        code.filter { $0 != " " }
    }
}
