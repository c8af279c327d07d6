import Foundation

/// A view model whose views redraw when `onChange` is called.
@MainActor
public protocol ObservableViewModel: AnyObject {
    /// Called on the main actor after every change of the model's state.
    var onChange: (@MainActor () -> Void)? { get set }
}

extension TokenListViewModel: ObservableViewModel {}
extension AddTokenViewModel: ObservableViewModel {}
extension ClockBannerViewModel: ObservableViewModel {}
extension TokenDetailsViewModel: ObservableViewModel {}
extension AppModel: ObservableViewModel {}

/// The app's screens wired together over one service: the list reloads when
/// a token is added, details change the vault or the clock is corrected;
/// opened links go to the add screen; the clock is checked against the first
/// activated token's server.
@MainActor
public final class AppModel {
    /// The token list.
    public let list: TokenListViewModel
    /// Adding and activating.
    public let add: AddTokenViewModel
    /// The clock banner.
    public let clock: ClockBannerViewModel
    /// Whether the add screen should show (an opened link asks for it).
    public private(set) var showsAdd = false
    /// Called on the main actor when `showsAdd` changes.
    public var onChange: (@MainActor () -> Void)?

    private let service: any IchieService
    private let strings: Strings
    private let universalLinkHosts: Set<String>
    private let fallbackTimeSource: TimeSource

    /// The screens over `service`.
    /// - Parameters:
    ///   - universalLinkHosts: hosts whose `https://<host>/activate?…` links are activation links.
    ///   - fallbackTimeSource: where the clock is checked before any token was activated.
    public init(
        service: any IchieService, scheduler: any Scheduler, pasteboard: any Pasteboard, strings: Strings,
        universalLinkHosts: Set<String>, fallbackTimeSource: TimeSource
    ) {
        self.service = service
        self.strings = strings
        self.universalLinkHosts = universalLinkHosts
        self.fallbackTimeSource = fallbackTimeSource
        list = TokenListViewModel(service: service, scheduler: scheduler, pasteboard: pasteboard, strings: strings)
        add = AddTokenViewModel(service: service, strings: strings)
        clock = ClockBannerViewModel(service: service, strings: strings)
        add.onTokenAdded = { @MainActor [weak self] in self?.reloadList() }
        clock.onCorrected = { @MainActor [weak self] in self?.reloadList() }
    }

    /// The first screen: the list, then the clock and the tokens' states.
    public func start() async {
        await list.load()
        await clock.check(TimeSource.forTokens(list.allRows.map(\.token), fallback: fallbackTimeSource))
        if list.allRows.contains(where: { $0.token.server != nil }) {
            await list.refreshStatus()
        }
    }

    /// Handles a URL the app was opened with (`ichie://activate?…`, a
    /// universal link, `otpauth://…`); returns whether it was one of ours.
    @discardableResult
    public func open(_ url: URL) async -> Bool {
        guard let link = IncomingLink.parse(url, universalLinkHosts: universalLinkHosts) else { return false }
        setShowsAdd(true)
        switch link {
        case .activation(let text): await add.inspect(link: text)
        case .otpauth(let uri): await add.add(uri: uri)
        }
        return true
    }

    /// Shows or hides the add screen.
    public func setShowsAdd(_ shows: Bool) {
        showsAdd = shows
        onChange?()
    }

    /// The details screen of a row; its changes reload the list.
    public func details(for row: TokenListViewModel.Row) -> TokenDetailsViewModel {
        let details = TokenDetailsViewModel(token: row.token, service: service, strings: strings)
        details.onVaultChanged = { @MainActor [weak self] in self?.reloadList() }
        return details
    }

    /// The reload a change started (tests await it).
    private(set) var reload: Task<Void, Never>?

    private func reloadList() {
        reload = Task { [list] in await list.load() }
    }
}
