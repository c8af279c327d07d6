// NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import SwiftUI

/// Adding a token: a pure reader of `AddTokenViewModel`, with the sheet
/// that shows an unknown service's host and key fingerprint.
struct AddTokenView: View {
    enum Mode: Hashable { case link, scan, uri, manual, service }

    @StateObject private var add: Observed<AddTokenViewModel>
    @State private var mode = Mode.link
    @State private var linkText = ""
    @State private var password = ""
    @State private var uri = ""
    @State private var issuer = ""
    @State private var account = ""
    @State private var secret = ""
    @State private var serviceID = ""
    @State private var userID = ""
    @Environment(\.dismiss) private var dismiss

    init(model: AddTokenViewModel) {
        _add = StateObject(wrappedValue: Observed(model))
    }

    var body: some View {
        let model = add.model
        let strings = model.strings
        NavigationStack {
            Form {
                Picker("", selection: $mode) {
                    Text(strings.text(.labelLink)).tag(Mode.link)
                    Text(strings.text(.labelScan)).tag(Mode.scan)
                    Text(strings.text(.labelURI)).tag(Mode.uri)
                    Text(strings.text(.labelManual)).tag(Mode.manual)
                    Text(strings.text(.labelService)).tag(Mode.service)
                }
                .pickerStyle(.segmented)

                switch mode {
                case .link:
                    TextField("ichie://activate?…", text: $linkText, axis: .vertical)
                        .textInputAutocapitalization(.never).autocorrectionDisabled()
                    Button(strings.text(.labelCheckLink)) { Task { await model.inspect(link: linkText) } }
                case .scan:
                    QRScannerView { text in
                        Task {
                            if text.lowercased().hasPrefix("ichie:") {
                                await model.inspect(link: text)
                            } else {
                                await model.add(uri: text)
                            }
                        }
                    }
                    .frame(height: 280)
                case .uri:
                    TextField("otpauth://…", text: $uri, axis: .vertical)
                        .textInputAutocapitalization(.never).autocorrectionDisabled()
                    Button(strings.text(.labelAdd)) { Task { await model.add(uri: uri) } }
                case .manual:
                    TextField(strings.text(.labelIssuer), text: $issuer)
                    TextField(strings.text(.labelAccount), text: $account).textInputAutocapitalization(.never)
                    SecureField(strings.text(.labelSecret), text: $secret)
                    Button(strings.text(.labelAdd)) {
                        Task {
                            await model.add(manual: ManualEntry(
                                issuer: issuer.isEmpty ? nil : issuer, account: account, secret: secret))
                        }
                    }
                case .service:
                    TextField(strings.text(.labelServiceID), text: $serviceID).textInputAutocapitalization(.never)
                    TextField(strings.text(.labelUserID), text: $userID).textInputAutocapitalization(.never)
                    passwordField(strings)
                    Button(strings.text(.labelActivate)) {
                        Task { await model.activate(serviceID: serviceID, userID: userID, password: password) }
                    }
                }

                if model.canActivate && mode != .service {
                    passwordField(strings)
                    Button(strings.text(.labelActivate)) { Task { await model.activate(password: password) } }
                }
                if model.canRetryCorrectingClock {
                    Button(strings.text(.labelActivateCorrectingClock)) {
                        Task { await model.activate(password: password, correctClock: true) }
                    }
                }
                if model.phase == .working {
                    ProgressView()
                }
                if let message = model.message {
                    Text(message)
                }
            }
            .navigationTitle(strings.text(.labelAdd))
            .toolbar {
                Button(strings.text(.labelCancel)) { dismiss() }
            }
            .sheet(isPresented: Binding(get: { model.confirmationText != nil }, set: { _ in })) {
                VStack(alignment: .leading, spacing: 16) {
                    Text(model.confirmationText ?? "")
                    if case .confirmUnknownService(let check) = model.phase {
                        Text(check.host).font(.headline)
                        Text(check.fingerprint).font(.system(.body, design: .monospaced))
                    }
                    Button(strings.text(.labelConfirmService)) { model.confirmUnknownService() }
                        .buttonStyle(.borderedProminent)
                    Button(strings.text(.labelCancel), role: .cancel) { model.rejectUnknownService() }
                }
                .padding()
                .presentationDetents([.medium])
                .interactiveDismissDisabled()
            }
        }
    }

    private func passwordField(_ strings: Strings) -> some View {
        SecureField(strings.text(.labelActivationPassword), text: $password)
            .keyboardType(.numberPad)
            .textContentType(.oneTimeCode)
    }
}
