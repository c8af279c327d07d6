// NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import SwiftUI

/// A token's details: a pure reader of `TokenDetailsViewModel`.
struct TokenDetailsView: View {
    @StateObject private var details: Observed<TokenDetailsViewModel>
    @State private var issuer: String
    @State private var account: String
    @Environment(\.dismiss) private var dismiss

    init(model: TokenDetailsViewModel) {
        _details = StateObject(wrappedValue: Observed(model))
        _issuer = State(initialValue: model.token.issuer ?? "")
        _account = State(initialValue: model.token.account)
    }

    var body: some View {
        let model = details.model
        let strings = model.strings
        Form {
            Section {
                TextField(strings.text(.labelIssuer), text: $issuer)
                TextField(strings.text(.labelAccount), text: $account)
                Button(strings.text(.labelSave)) { Task { await model.rename(issuer: issuer, account: account) } }
                    .disabled(model.isWorking)
            }
            Section {
                Button(strings.text(.labelMoveToTop)) { Task { await model.move(to: 0) } }
                    .disabled(model.isWorking)
            }
            Section {
                LabeledContent("Type", value: kind(model.token))
                LabeledContent("Digits", value: "\(model.token.digits)")
                LabeledContent("Algorithm", value: model.token.algorithm.rawValue.uppercased())
                if let server = model.token.server { LabeledContent("Server", value: server) }
            }
            if let message = model.message {
                Text(message).foregroundStyle(.red)
            }
            Section {
                Button(strings.text(.labelDelete), role: .destructive) { model.requestDelete() }
            }
        }
        .navigationTitle(model.token.name)
        // The dialog's own dismissal does not cancel: the buttons decide.
        .confirmationDialog(
            model.deleteConfirmationText,
            isPresented: Binding(get: { model.isConfirmingDelete }, set: { _ in }),
            titleVisibility: .visible
        ) {
            Button(strings.text(.labelDelete), role: .destructive) { Task { await model.confirmDelete() } }
            Button(strings.text(.labelCancel), role: .cancel) { model.cancelDelete() }
        }
        .onChange(of: model.isDeleted) { deleted in
            if deleted { dismiss() }
        }
    }

    private func kind(_ token: Token) -> String {
        switch token.kind {
        case .totp(let seconds): return "TOTP, \(seconds) s"
        case .hotp(let counter): return "HOTP, #\(counter)"
        }
    }
}
