// NOT compiled on the project's machines (Linux): see ios/README.md.
import IchieKit
import SwiftUI

/// The token list: a pure reader of `TokenListViewModel`.
struct TokenListView: View {
    let app: AppModel
    @StateObject private var list: Observed<TokenListViewModel>
    @State private var notice: String?
    @State private var detailsID: String?

    init(app: AppModel) {
        self.app = app
        _list = StateObject(wrappedValue: Observed(app.list))
    }

    var body: some View {
        let model = list.model
        let strings = model.strings
        List {
            ClockBannerView(model: app.clock)
            if let full = model.fullVaultMessage {
                Text(full).font(.footnote).foregroundStyle(.secondary)
            }
            if let message = model.message ?? notice {
                Text(message).font(.footnote)
            }
            if let empty = model.emptySearchMessage {
                Text(empty).foregroundStyle(.secondary)
            }
            ForEach(model.rows) { row in
                // A tap copies the code (an HOTP token's first tap makes one); details by swiping.
                Button {
                    if row.isHOTP && row.code == nil {
                        Task { await model.generateHOTP(id: row.id) }
                    } else {
                        notice = model.copyCode(id: row.id)
                    }
                } label: {
                    TokenRowView(row: row, model: model)
                }
                .buttonStyle(.plain)
                .swipeActions(edge: .trailing) {
                    Button(strings.text(.labelDetails)) { detailsID = row.id }
                }
                .swipeActions(edge: .leading) {
                    if row.isHOTP {
                        Button(strings.text(.labelGenerate)) { Task { await model.generateHOTP(id: row.id) } }
                    }
                }
            }
        }
        .navigationTitle(strings.text(.labelTokens))
        .navigationDestination(isPresented: Binding(get: { detailsID != nil }, set: { if !$0 { detailsID = nil } })) {
            if let id = detailsID, let row = model.allRows.first(where: { $0.id == id }) {
                TokenDetailsView(model: app.details(for: row))
            }
        }
        .searchable(text: Binding(get: { model.searchText }, set: { model.setSearch($0) }))
        .refreshable { await model.refreshStatus() }
        .toolbar {
            Button { app.setShowsAdd(true) } label: { Image(systemName: "plus") }
                .accessibilityLabel(strings.text(.labelAdd))
                .disabled(model.isFull)
        }
    }
}

/// One token: name, grouped code, next code, countdown ring, revoked badge.
struct TokenRowView: View {
    let row: TokenListViewModel.Row
    let model: TokenListViewModel

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 4) {
                HStack {
                    Text(row.name).font(.subheadline)
                    if row.isRevoked {
                        Text(model.revokedBadge).font(.caption.bold())
                            .padding(.horizontal, 6).background(.red.opacity(0.2), in: Capsule())
                    }
                }
                Text(row.code ?? (row.isHOTP ? "––– –––" : ""))
                    .font(.system(.title, design: .monospaced))
                    .foregroundStyle(row.isLastSeconds ? .red : .primary)
                if let next = row.nextCode {
                    Text("\(model.strings.text(.labelNextCode)) \(next)").font(.caption).foregroundStyle(.secondary)
                }
            }
            Spacer()
            if row.periodMs != nil {
                // Arithmetic on the stored deadline: no call to the core per frame.
                TimelineView(.periodic(from: .now, by: 0.5)) { _ in
                    let countdown = row.countdown(atMs: model.nowMs)
                    CountdownRing(fraction: countdown?.fraction ?? 0, seconds: countdown?.secondsLeft ?? 0,
                                  urgent: row.isLastSeconds)
                }
            }
        }
    }
}

/// A ring that empties over the token's step.
struct CountdownRing: View {
    let fraction: Double
    let seconds: Int
    let urgent: Bool

    var body: some View {
        ZStack {
            Circle().stroke(.quaternary, lineWidth: 4)
            Circle().trim(from: 0, to: fraction)
                .stroke(urgent ? Color.red : Color.accentColor, style: StrokeStyle(lineWidth: 4, lineCap: .round))
                .rotationEffect(.degrees(-90))
                .animation(.linear(duration: 0.5), value: fraction)
            Text("\(seconds)").font(.caption.monospacedDigit())
        }
        .frame(width: 36, height: 36)
    }
}
