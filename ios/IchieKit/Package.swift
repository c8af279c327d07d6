// swift-tools-version:6.0
// IchieKit: everything of the iOS app but its SwiftUI views — the service in
// app terms over Ichie's core, the view models, and their tests.
//
// Where the core's Swift module `Ichie` comes from:
// - on a Mac, the package scripts/ios.sh builds (XCFramework + generated
//   Swift) at target/ios/IchieCore, or at $ICHIE_CORE_PACKAGE;
// - on Linux (tests only), the generated Ichie.swift and ichie_ffiFFI.h that
//   scripts/ios-test.sh copies into Sources/ (git-ignored), linked against
//   the host libichie_ffi.so with -L/-rpath.
import Foundation
import PackageDescription

#if os(Linux)
let coreDependencies: [Package.Dependency] = []
let coreTargets: [Target] = [
    .systemLibrary(name: "IchieFFI", path: "Sources/IchieFFI"),
    // The generated bindings: uniffi's async code is not Sendable-clean, Swift 5 mode.
    .target(
        name: "Ichie", dependencies: ["IchieFFI"], path: "Sources/Ichie",
        swiftSettings: [.swiftLanguageMode(.v5)]),
]
let ichie: Target.Dependency = "Ichie"
#else
let corePath = ProcessInfo.processInfo.environment["ICHIE_CORE_PACKAGE"] ?? "../../target/ios/IchieCore"
let coreDependencies: [Package.Dependency] = [.package(path: corePath)]
let coreTargets: [Target] = []
let ichie: Target.Dependency = .product(name: "Ichie", package: "IchieCore")
#endif

let package = Package(
    name: "IchieKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [.library(name: "IchieKit", targets: ["IchieKit"])],
    dependencies: coreDependencies,
    targets: coreTargets + [
        // Foundation only: runs (and is tested) on Linux as on iOS.
        .target(name: "IchieKit", dependencies: [ichie], path: "Sources/IchieKit"),
        .testTarget(name: "IchieKitTests", dependencies: ["IchieKit"], path: "Tests/IchieKitTests"),
    ],
    swiftLanguageModes: [.v6]
)
