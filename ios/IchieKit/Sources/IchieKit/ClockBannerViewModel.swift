/// The clock banner: checks the device clock against a time source, warns
/// in plain words when codes could be refused, and offers "correct
/// automatically". A correction beyond 5 minutes needs a second confirmation
/// (`confirmForce()`); one the core will not store at all (too far, too
/// uncertain) sends the user to the device settings.
@MainActor
public final class ClockBannerViewModel {
    /// What the banner shows.
    public enum State: Sendable, Equatable {
        /// No banner: not checked yet, or the clock is fine.
        case hidden
        /// A check or a correction is running.
        case working
        /// The clock is off (`warn` or `codesWrong`): offer "correct automatically".
        case off(ClockCheck)
        /// The correction is beyond 5 minutes: ask once more.
        case confirmForce(ClockCheck)
        /// The codes are now corrected by this much (ms).
        case corrected(Int64)
        /// The check or the correction failed.
        case failed(IchieFailure)
    }

    /// What the banner shows.
    public private(set) var state: State = .hidden
    /// The banner's text in plain words (`nil`: no banner).
    public private(set) var message: String?
    /// Called on the main actor after every change of the state above.
    public var onChange: (@MainActor () -> Void)?
    /// Called after a correction was stored (the list reloads its codes).
    public var onCorrected: (@MainActor () -> Void)?

    private let service: any IchieService
    /// The texts this banner shows.
    public let strings: Strings
    private var lastCheck: ClockCheck?

    /// A banner over `service`.
    public init(service: any IchieService, strings: Strings) {
        self.service = service
        self.strings = strings
    }

    /// The button title ("Correct automatically") while one is offered.
    public var actionTitle: String? {
        if case .off = state { return strings.text(.clockCorrectAutomatically) }
        return nil
    }

    /// Measures the clock against `source`; the banner shows only when it is off.
    public func check(_ source: TimeSource) async {
        set(.working, nil)
        do {
            let check = try await service.checkClock(source)
            lastCheck = check
            let offset = strings.clockOffset(ms: check.estimate.offsetMs)
            switch check.verdict {
            case .fine: set(.hidden, nil)
            case .warn: set(.off(check), strings.text(.clockWarn, ["offset": offset]))
            case .codesWrong: set(.off(check), strings.text(.clockCodesWrong, ["offset": offset]))
            }
        } catch {
            fail(error)
        }
    }

    /// "Correct automatically": stores the measured offset (without force).
    public func correctAutomatically() async {
        guard case .off(let check) = state else { return }
        await apply(check, force: false)
    }

    /// The second confirmation of a correction beyond 5 minutes.
    public func confirmForce() async {
        guard case .confirmForce(let check) = state else { return }
        await apply(check, force: true)
    }

    /// Hides the banner (the user declined).
    public func dismiss() {
        set(.hidden, nil)
    }

    private func apply(_ check: ClockCheck, force: Bool) async {
        set(.working, nil)
        do {
            let stored = try await service.applyClockEstimate(check.estimate, force: force)
            set(.corrected(stored), strings.text(.clockCorrected, ["duration": strings.duration(ms: stored.magnitude)]))
            onCorrected?()
        } catch .correctionRefused(needsForce: true) where !force {
            set(.confirmForce(check), strings.text(.clockConfirmForce, ["offset": strings.clockOffset(ms: check.estimate.offsetMs)]))
        } catch {
            fail(error)
        }
    }

    private func fail(_ failure: IchieFailure) {
        set(.failed(failure), failure.message(strings))
    }

    private func set(_ state: State, _ message: String?) {
        self.state = state
        self.message = message
        onChange?()
    }
}
