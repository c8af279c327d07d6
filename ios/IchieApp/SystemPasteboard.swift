// NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import UIKit
import UniformTypeIdentifiers

/// `UIPasteboard.general`: codes stay on this device (no Universal Clipboard)
/// and expire after 30 s; the list also clears them itself when unchanged.
/// The text is never read back (reading asks the user on iOS 16+).
@MainActor
final class SystemPasteboard: Pasteboard {
    var changeCount: Int { UIPasteboard.general.changeCount }

    func copy(_ text: String) {
        UIPasteboard.general.setItems(
            [[UTType.utf8PlainText.identifier: text]],
            options: [
                .localOnly: true,
                .expirationDate: Date().addingTimeInterval(Double(TokenListViewModel.clipboardClearMs) / 1000),
            ])
    }

    func clear() {
        UIPasteboard.general.items = []
    }
}
