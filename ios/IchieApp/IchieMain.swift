// The app entry. NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import SwiftUI

/// Example configuration: replace with the operator's domain and time source.
enum AppConfig {
    /// Hosts whose `https://<host>/activate?…` links open the app (also in Ichie.entitlements).
    static let universalLinkHosts: Set<String> = ["otp.example.com"]
    /// Where the clock is checked before any token was activated.
    static let fallbackTimeSource = TimeSource.dateHeader("https://www.apple.com/")
    /// Whether the vault key needs Face ID / Touch ID (set before the first launch).
    static let requireBiometry = false
}

@main
struct IchieMain: App {
    @StateObject private var launch = Launch()

    var body: some Scene {
        WindowGroup {
            Group {
                switch launch.state {
                case .opening: ProgressView()
                case .failed(let text): Text(text).padding()
                case .ready(let app): RootView(app: app)
                }
            }
            .task { await launch.open() }
        }
    }
}

/// Opens the vault once: the key from the Keychain, the service directory from the bundle.
@MainActor
final class Launch: ObservableObject {
    enum State {
        case opening
        case failed(String)
        case ready(AppModel)
    }

    @Published private(set) var state: State = .opening
    private var started = false
    let strings = Strings(locale: .current)

    func open() async {
        guard !started else { return }
        started = true
        do {
            let support = try FileManager.default.url(
                for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            let path = support.appendingPathComponent("tokens.vault").path
            let exists = FileManager.default.fileExists(atPath: path)
            // The Keychain may show Face ID: not on the main thread.
            let key = try await Task.detached {
                try KeychainVaultKey.loadOrCreate(vaultExists: exists, requireBiometry: AppConfig.requireBiometry)
            }.value
            let directory = Bundle.main.url(forResource: "services", withExtension: "json")
                .flatMap { try? String(contentsOf: $0, encoding: .utf8) }
            let service = try await RealIchieService.openOrCreate(vaultPath: path, key: key, directoryJSON: directory)
            state = .ready(AppModel(
                service: service, scheduler: TaskScheduler(), pasteboard: SystemPasteboard(), strings: strings,
                universalLinkHosts: AppConfig.universalLinkHosts, fallbackTimeSource: AppConfig.fallbackTimeSource))
        } catch let failure as IchieFailure {
            state = .failed(failure.message(strings))
        } catch KeychainVaultKey.Failure.keyLost {
            state = .failed(strings.text(.failureWrongKey))
        } catch {
            state = .failed(strings.text(.failureInternal))
        }
    }
}

/// The list in a navigation stack, the add sheet, and opened links.
struct RootView: View {
    let app: AppModel
    @StateObject private var shell: Observed<AppModel>
    @Environment(\.scenePhase) private var scenePhase

    init(app: AppModel) {
        self.app = app
        _shell = StateObject(wrappedValue: Observed(app))
    }

    var body: some View {
        NavigationStack {
            TokenListView(app: app)
        }
        .sheet(isPresented: Binding(get: { shell.model.showsAdd }, set: { app.setShowsAdd($0) })) {
            AddTokenView(model: app.add)
        }
        // Custom scheme links (ichie://activate?…) and universal links both arrive here.
        .onOpenURL { url in Task { await app.open(url) } }
        .task { await app.start() }
        // No wake-ups in the background; fresh codes (and a new schedule) on return.
        .onChange(of: scenePhase) { phase in
            switch phase {
            case .background: app.list.stop()
            case .active: Task { await app.list.load() }
            default: break
            }
        }
    }
}
