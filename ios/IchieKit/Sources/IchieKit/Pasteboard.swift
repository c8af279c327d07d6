/// The system pasteboard as the token list uses it (`UIPasteboard` on iOS).
@MainActor
public protocol Pasteboard: AnyObject {
    /// Increases whenever anything (this app or another) changes the pasteboard.
    /// (The list never reads the pasteboard's text: on iOS that asks the user.)
    var changeCount: Int { get }
    /// Puts `text` on the pasteboard (local to this device).
    func copy(_ text: String)
    /// Empties the pasteboard.
    func clear()
}

/// A pasteboard in memory: for tests, previews, and platforms without one.
@MainActor
public final class MemoryPasteboard: Pasteboard {
    /// Increases on every `copy`, `clear` and `simulateOtherApp`.
    public private(set) var changeCount = 0
    /// The text held.
    public private(set) var string: String?

    /// An empty pasteboard.
    public init() {}

    /// Holds `text`.
    public func copy(_ text: String) {
        string = text
        changeCount += 1
    }

    /// Holds nothing.
    public func clear() {
        string = nil
        changeCount += 1
    }

    /// Another app copied `text` (for tests: the user copied something else).
    public func simulateOtherApp(copying text: String) {
        copy(text)
    }
}
