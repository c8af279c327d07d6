/// Adding a token: from a scanned or pasted `otpauth://` URI, typed in by
/// hand, or activated with an activation link (or a service ID and user ID)
/// and the activation password.
///
/// A link is inspected first. A service the app's directory lists is named;
/// an unknown one shows its host and key fingerprint and must be confirmed
/// (`confirmUnknownService()`) before it is activated — the service refuses
/// it otherwise. Every failure is given in plain words (`message`).
@MainActor
public final class AddTokenViewModel {
    /// Where the screen is.
    public enum Phase: Sendable, Equatable {
        /// Nothing started.
        case idle
        /// A call is running.
        case working
        /// The link names a service the app does not know: show host and
        /// fingerprint, ask the user to confirm.
        case confirmUnknownService(LinkCheck)
        /// The link is known (or confirmed): ask for the activation password.
        case readyToActivate(LinkCheck)
        /// A token was activated.
        case activated(Activation)
        /// Tokens were added from a URI.
        case added(AddResult)
        /// A token was typed in; its id.
        case addedManually(String)
        /// The last call failed.
        case failed(IchieFailure)
    }

    /// Where the screen is.
    public private(set) var phase: Phase = .idle
    /// The inspected link, while it is being activated.
    public private(set) var link: LinkCheck?
    /// Whether the user confirmed the unknown service of `link`.
    public private(set) var userConfirmedUnknownService = false
    /// What to tell the user: the outcome or the failure, in plain words.
    public private(set) var message: String?
    /// Called on the main actor after every change of the state above.
    public var onChange: (@MainActor () -> Void)?
    /// Called after a token was added or activated (the list reloads).
    public var onTokenAdded: (@MainActor () -> Void)?

    private let service: any IchieService
    /// The texts this screen shows.
    public let strings: Strings
    private var linkText: String?

    /// An add screen over `service`.
    public init(service: any IchieService, strings: Strings) {
        self.service = service
        self.strings = strings
    }

    /// The text of the confirmation sheet for an unknown service (host and fingerprint), if one is asked.
    public var confirmationText: String? {
        guard case .confirmUnknownService(let check) = phase else { return nil }
        return strings.text(.unknownServicePrompt, ["host": check.host, "fingerprint": check.fingerprint])
    }

    /// Whether the last failure was a clock that is off: offer "correct the clock and activate".
    public var canRetryCorrectingClock: Bool {
        if case .failed(.clockOff) = phase { return linkText != nil || serviceTarget != nil }
        return false
    }

    /// Whether the password may be typed and sent now.
    public var canActivate: Bool {
        switch phase {
        case .readyToActivate: return true
        case .failed(let failure):
            switch failure {
            case .wrongPassword, .clockOff, .network, .timeout, .tls, .rateLimited, .server:
                return linkText != nil || serviceTarget != nil
            default: return false
            }
        default: return false
        }
    }

    // MARK: Activation link

    /// Reads an activation link (from the mail, a tapped `ichie://` URL or a QR code).
    public func inspect(link text: String) async {
        linkText = text
        serviceTarget = nil
        link = nil
        userConfirmedUnknownService = false
        set(.working)
        do {
            let check = try await service.inspectActivationLink(text)
            link = check
            if let name = check.knownServiceName {
                set(.readyToActivate(check), strings.text(.knownService, ["service": name, "user": check.userID]))
            } else {
                set(.confirmUnknownService(check))
            }
        } catch {
            linkText = nil
            fail(error)
        }
    }

    /// The user checked the unknown service's host and fingerprint and trusts it.
    public func confirmUnknownService() {
        guard case .confirmUnknownService(let check) = phase else { return }
        userConfirmedUnknownService = true
        set(.readyToActivate(check))
    }

    /// The user does not trust the unknown service: the link is dropped.
    public func rejectUnknownService() {
        linkText = nil
        link = nil
        userConfirmedUnknownService = false
        set(.idle)
    }

    /// Activates the inspected link with the activation password. With
    /// `correctClock`, a clock that is off is corrected instead of refused.
    public func activate(password: String, correctClock: Bool = false) async {
        if let target = serviceTarget {
            await activate(serviceID: target.service, userID: target.user, password: password, correctClock: correctClock)
            return
        }
        guard let linkText else { return }
        set(.working)
        do {
            let activation = try await service.activate(
                link: linkText, password: password, userConfirmedUnknownService: userConfirmedUnknownService,
                correctClock: correctClock)
            activated(activation)
        } catch .unconfirmedService(let host, let fingerprint) {
            // The core is the gate: without the user's confirmation, ask for it.
            let check = link ?? LinkCheck(serviceID: "", userID: "", host: host, fingerprint: fingerprint, knownServiceName: nil)
            userConfirmedUnknownService = false
            set(.confirmUnknownService(check))
        } catch {
            fail(error)
        }
    }

    // MARK: Service ID and user ID

    private var serviceTarget: (service: String, user: String)?

    /// Activates the token of `userID` at `serviceID` (both from the issuance
    /// mail), found in the app's service directory.
    public func activate(serviceID: String, userID: String, password: String, correctClock: Bool = false) async {
        linkText = nil
        link = nil
        serviceTarget = (serviceID, userID)
        set(.working)
        do {
            let activation = try await service.activate(
                serviceID: serviceID, userID: userID, password: password, correctClock: correctClock)
            activated(activation)
        } catch {
            fail(error)
        }
    }

    // MARK: URI and by hand

    /// Adds the tokens of an `otpauth://` or `otpauth-migration://` URI.
    public func add(uri: String) async {
        reset()
        set(.working)
        do {
            let result = try await service.addFromURI(uri.trimmingCharacters(in: .whitespacesAndNewlines))
            let names = result.skippedDuplicates.joined(separator: ", ")
            let text: String
            switch (result.added.isEmpty, result.skippedDuplicates.isEmpty) {
            case (false, true): text = strings.text(.added, ["n": "\(result.added.count)"])
            case (false, false): text = strings.text(.addedSkipped, ["n": "\(result.added.count)", "names": names])
            default: text = strings.text(.addedNothing, ["names": names])
            }
            set(.added(result), text)
            if !result.added.isEmpty { onTokenAdded?() }
        } catch {
            fail(error)
        }
    }

    /// Adds a token typed in by hand.
    public func add(manual entry: ManualEntry) async {
        reset()
        set(.working)
        do {
            let id = try await service.addManually(entry)
            set(.addedManually(id), strings.text(.added, ["n": "1"]))
            onTokenAdded?()
        } catch {
            fail(error)
        }
    }

    // MARK: Inside

    private func reset() {
        linkText = nil
        link = nil
        serviceTarget = nil
        userConfirmedUnknownService = false
    }

    private func activated(_ activation: Activation) {
        let text = activation.clockCorrected
            ? strings.text(.activatedClockCorrected, [
                "name": activation.name, "offset": strings.clockOffset(ms: activation.clock.estimate.offsetMs),
            ])
            : strings.text(.activated, ["name": activation.name])
        reset()
        set(.activated(activation), text)
        onTokenAdded?()
    }

    private func fail(_ failure: IchieFailure) {
        set(.failed(failure), failure.message(strings))
    }

    private func set(_ phase: Phase, _ message: String? = nil) {
        self.phase = phase
        self.message = message
        onChange?()
    }
}
