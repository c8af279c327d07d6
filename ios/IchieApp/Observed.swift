// NOT compiled on the project's machines (Linux): see ios/README.md.
import Combine
import IchieKit
import SwiftUI

/// Redraws SwiftUI views when an IchieKit view model reports a change.
/// (IchieKit itself uses neither Combine nor Observation: they are not on Linux.)
@MainActor
final class Observed<Model: ObservableViewModel>: ObservableObject {
    let model: Model

    init(_ model: Model) {
        self.model = model
        model.onChange = { [weak self] in self?.objectWillChange.send() }
    }
}
