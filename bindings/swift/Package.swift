// swift-tools-version:6.0
// Host (Linux) tests of Ichie's Swift bindings. scripts/bindings-test.sh
// copies the generated files in (Sources/Ichie/Ichie.swift and
// Sources/IchieFFI/ichie_ffiFFI.h, git-ignored) and links the host library
// with -L/-rpath.
import PackageDescription

let package = Package(
    name: "Ichie",
    products: [.library(name: "Ichie", targets: ["Ichie"])],
    targets: [
        // The C side of the FFI: uniffi's header, linked against libichie_ffi.
        .systemLibrary(name: "IchieFFI", path: "Sources/IchieFFI"),
        // The generated Swift (uniffi's async code is not Sendable-clean: Swift 5 mode).
        .target(name: "Ichie", dependencies: ["IchieFFI"], path: "Sources/Ichie"),
        .testTarget(name: "IchieTests", dependencies: ["Ichie"], path: "Tests/IchieTests"),
    ],
    swiftLanguageModes: [.v5]
)
