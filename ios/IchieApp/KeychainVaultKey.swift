// NOT compiled on the project's machines (Linux): see ios/README.md.
import Foundation
import IchieKit
import LocalAuthentication
import Security

/// The vault's 32-byte key in the Keychain: a generic password on this
/// device only (`kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`), never
/// synchronised to iCloud Keychain, optionally behind Face ID / Touch ID
/// (`.biometryCurrentSet`: enrolling another face or finger makes the key,
/// and so the vault, unreadable — the tokens must then be activated again).
enum KeychainVaultKey {
    static let service = "dev.ichie.vault-key"
    static let account = "vault"

    enum Failure: Error {
        /// The vault exists but its key is gone (or invalidated by a biometry change).
        case keyLost
        /// The Keychain refused (an `OSStatus`).
        case keychain(OSStatus)
        /// The stored item is not a 32-byte key.
        case badKey
    }

    /// The stored key; on the first launch (no vault yet) a new one, stored now.
    /// Never makes a new key while a vault exists: that would lose its tokens.
    static func loadOrCreate(vaultExists: Bool, requireBiometry: Bool) throws -> Data {
        if let key = try load(prompt: "Unlock your tokens") { return key }
        guard !vaultExists else { throw Failure.keyLost }
        let key = try RealIchieService.newVaultKey()
        try store(key, requireBiometry: requireBiometry)
        return key
    }

    static func load(prompt: String) throws -> Data? {
        let context = LAContext()
        context.localizedReason = prompt
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrSynchronizable as String: false,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
            kSecUseAuthenticationContext as String: context,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let key = item as? Data, key.count == 32 else { throw Failure.badKey }
            return key
        case errSecItemNotFound:
            return nil
        default:
            throw Failure.keychain(status)
        }
    }

    static func store(_ key: Data, requireBiometry: Bool) throws {
        var attributes: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrSynchronizable as String: false,
            kSecValueData as String: key,
        ]
        if requireBiometry {
            // Accessibility goes inside the access control (the two attributes exclude each other).
            var error: Unmanaged<CFError>?
            guard let access = SecAccessControlCreateWithFlags(
                nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .biometryCurrentSet, &error)
            else { throw error.map { $0.takeRetainedValue() as Error } ?? Failure.keychain(errSecParam) }
            attributes[kSecAttrAccessControl as String] = access
        } else {
            attributes[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        }
        // A key left by an earlier install (Keychain items outlive the app) is replaced.
        SecItemDelete([
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ] as CFDictionary)
        let status = SecItemAdd(attributes as CFDictionary, nil)
        guard status == errSecSuccess else { throw Failure.keychain(status) }
    }
}
