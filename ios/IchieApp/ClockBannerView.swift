// NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import SwiftUI

/// The clock banner: a pure reader of `ClockBannerViewModel`.
struct ClockBannerView: View {
    @StateObject private var banner: Observed<ClockBannerViewModel>

    init(model: ClockBannerViewModel) {
        _banner = StateObject(wrappedValue: Observed(model))
    }

    var body: some View {
        let model = banner.model
        if let message = model.message {
            VStack(alignment: .leading, spacing: 8) {
                Label(message, systemImage: "clock.badge.exclamationmark")
                if let title = model.actionTitle {
                    Button(title) { Task { await model.correctAutomatically() } }
                }
                if case .confirmForce = model.state {
                    HStack {
                        Button(model.strings.text(.clockCorrectAutomatically)) { Task { await model.confirmForce() } }
                            .buttonStyle(.borderedProminent)
                        Button(model.strings.text(.labelCancel), role: .cancel) { model.dismiss() }
                    }
                }
            }
            .padding(.vertical, 4)
        }
    }
}
