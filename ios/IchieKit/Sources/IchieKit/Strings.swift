import Foundation

/// The languages the app speaks.
public enum Language: String, Sendable, CaseIterable {
    /// English (the default).
    case english = "en"
    /// Japanese.
    case japanese = "ja"

    /// Japanese for a Japanese locale (`ja`, `ja_JP`, `ja-JP`…), English otherwise.
    public init(locale: Locale) {
        let id = locale.identifier.lowercased()
        self = id == "ja" || id.hasPrefix("ja_") || id.hasPrefix("ja-") ? .japanese : .english
    }
}

/// Every text the view models show. Placeholders are written `{name}`.
public enum TextKey: String, Sendable, CaseIterable {
    case failureWrongPassword, failureWrongPasswordLast, failureLocked, failureExpiredOrUnknown
    case failureRevoked, failureLinkMismatch, failureUnconfirmedService, failureClockOff
    case failureCorrectionNeedsForce, failureCorrectionRefused, failureVaultFull, failureWrongKey
    case failureCorruptVault, failureDuplicate, failureRateLimited, failureNetwork, failureTLS
    case failureTimeout, failureInvalidInput, failureServer, failureInternal
    case clockAhead, clockBehind, clockWarn, clockCodesWrong, clockCorrectAutomatically
    case clockConfirmForce, clockCorrected, clockFine
    case durationHoursMinutes, durationMinutesSeconds, durationSeconds
    case unknownServicePrompt, knownService, activated, activatedClockCorrected
    case added, addedSkipped, addedNothing
    case revokedBadge, copied, copyRevoked, deleteConfirm, vaultFull, noMatches
    // Labels of the SwiftUI screens.
    case labelTokens, labelAdd, labelLink, labelScan, labelURI, labelManual, labelService
    case labelCheckLink, labelActivationPassword, labelActivate, labelActivateCorrectingClock
    case labelConfirmService, labelCancel, labelIssuer, labelAccount, labelSecret, labelServiceID
    case labelUserID, labelSave, labelMoveToTop, labelDelete, labelNextCode, labelGenerate, labelDetails
}

/// The strings table: one dictionary per language, checked complete by the tests.
public struct Strings: Sendable {
    /// The language texts are given in.
    public let language: Language

    /// The texts of `language`.
    public init(_ language: Language) {
        self.language = language
    }

    /// The texts for `locale` (Japanese or English).
    public init(locale: Locale) {
        self.init(Language(locale: locale))
    }

    /// The text for `key` with its `{placeholders}` filled from `arguments`.
    public func text(_ key: TextKey, _ arguments: [String: String] = [:]) -> String {
        let template = Strings.table[language]?[key] ?? Strings.table[.english]?[key] ?? key.rawValue
        return arguments.reduce(template) { text, argument in
            text.replacingOccurrences(of: "{\(argument.key)}", with: argument.value)
        }
    }

    /// A duration in plain words: `1 h 5 min`, `3 min 20 s`, `4 s` (`1時間5分`…).
    public func duration(ms: UInt64) -> String {
        let seconds = (ms + 500) / 1000
        if seconds >= 3600 {
            return text(.durationHoursMinutes, ["h": "\(seconds / 3600)", "m": "\(seconds % 3600 / 60)"])
        }
        if seconds >= 60 {
            return text(.durationMinutesSeconds, ["m": "\(seconds / 60)", "s": "\(seconds % 60)"])
        }
        return text(.durationSeconds, ["s": "\(seconds)"])
    }

    /// How far the device clock is off, in words: "3 min 20 s behind" when the
    /// server is ahead of the device (`offsetMs` > 0), "ahead" otherwise.
    public func clockOffset(ms offsetMs: Int64) -> String {
        text(offsetMs >= 0 ? .clockBehind : .clockAhead, ["duration": duration(ms: offsetMs.magnitude)])
    }

    static let table: [Language: [TextKey: String]] = [.english: english, .japanese: japanese]

    static let english: [TextKey: String] = [
        .failureWrongPassword: "Wrong activation password. {n} tries left.",
        .failureWrongPasswordLast: "Wrong activation password. One try left: after another wrong one the service must unlock it.",
        .failureLocked: "Too many wrong passwords: this activation is locked. Ask the service to unlock it.",
        .failureExpiredOrUnknown: "There is no activation waiting for this account: it expired or was already used. Ask the service for a new one.",
        .failureRevoked: "The service revoked this token.",
        .failureLinkMismatch: "This link does not belong to the service it names. Do not use it: it may be a phishing attempt.",
        .failureUnconfirmedService: "This app does not know the service at {host}. Check that the key fingerprint {fingerprint} is the one the service gave you before you continue.",
        .failureClockOff: "Your clock is {offset}: codes would be refused. Correct the clock and try again.",
        .failureCorrectionNeedsForce: "The correction is larger than 5 minutes. Confirm once more to apply it anyway.",
        .failureCorrectionRefused: "The clock could not be corrected automatically. Set the date and time in the device settings.",
        .failureVaultFull: "This app holds at most {limit} tokens. Delete one to add another.",
        .failureWrongKey: "The token store cannot be opened with this device's key.",
        .failureCorruptVault: "The token store is damaged and cannot be read. It was left untouched.",
        .failureDuplicate: "{name} is already in the list.",
        .failureRateLimited: "The service is busy. Wait a minute and try again.",
        .failureNetwork: "The service could not be reached. Check your connection and try again.",
        .failureTLS: "A secure connection to the service could not be made.",
        .failureTimeout: "The service did not answer in time. Try again.",
        .failureInvalidInput: "This is not valid. Check what you entered and try again.",
        .failureServer: "The service refused the request ({code}). Try again later.",
        .failureInternal: "Something went wrong inside the app. Try again.",
        .clockAhead: "{duration} ahead",
        .clockBehind: "{duration} behind",
        .clockWarn: "Your clock may be off ({offset}). Codes could be refused.",
        .clockCodesWrong: "Your clock is {offset}. Codes will be refused until it is corrected.",
        .clockCorrectAutomatically: "Correct automatically",
        .clockConfirmForce: "Your clock is {offset}, more than 5 minutes. Correct the codes by this much anyway?",
        .clockCorrected: "Codes are now corrected by {duration}.",
        .clockFine: "Your clock is right.",
        .durationHoursMinutes: "{h} h {m} min",
        .durationMinutesSeconds: "{m} min {s} s",
        .durationSeconds: "{s} s",
        .unknownServicePrompt: "Unknown service at {host}. Key fingerprint: {fingerprint}. Continue only if the service gave you this fingerprint.",
        .knownService: "Activate a token for {service} (user {user}).",
        .activated: "{name} is ready.",
        .activatedClockCorrected: "{name} is ready. Your clock was {offset}; codes are corrected.",
        .added: "Added {n}.",
        .addedSkipped: "Added {n}; already in the list: {names}.",
        .addedNothing: "Nothing added: already in the list: {names}.",
        .revokedBadge: "Revoked",
        .copied: "Copied. It will be cleared in 30 seconds.",
        .copyRevoked: "This token was revoked: its codes are refused.",
        .deleteConfirm: "Delete {name}? You cannot sign in with it afterwards.",
        .vaultFull: "The list is full ({limit} tokens). Delete a token to add another.",
        .noMatches: "No token matches “{query}”.",
        .labelTokens: "Tokens",
        .labelAdd: "Add a token",
        .labelLink: "Activation link",
        .labelScan: "Scan",
        .labelURI: "otpauth URI",
        .labelManual: "By hand",
        .labelService: "Service ID",
        .labelCheckLink: "Check the link",
        .labelActivationPassword: "Activation password",
        .labelActivate: "Activate",
        .labelActivateCorrectingClock: "Correct the clock and activate",
        .labelConfirmService: "I checked it: continue",
        .labelCancel: "Cancel",
        .labelIssuer: "Issuer",
        .labelAccount: "Account",
        .labelSecret: "Secret key",
        .labelServiceID: "Service ID",
        .labelUserID: "User ID",
        .labelSave: "Save",
        .labelMoveToTop: "Move to the top",
        .labelDelete: "Delete",
        .labelNextCode: "Next",
        .labelGenerate: "New code",
        .labelDetails: "Details",
    ]

    static let japanese: [TextKey: String] = [
        .failureWrongPassword: "アクティベーションパスワードが違います。あと{n}回試せます。",
        .failureWrongPasswordLast: "アクティベーションパスワードが違います。あと1回です。次も間違えるとサービス側でロック解除が必要になります。",
        .failureLocked: "パスワードの誤りが多すぎるため、このアクティベーションはロックされました。サービスにロック解除を依頼してください。",
        .failureExpiredOrUnknown: "このアカウントのアクティベーションはありません（期限切れか使用済み）。サービスに再発行を依頼してください。",
        .failureRevoked: "このトークンはサービスによって無効にされました。",
        .failureLinkMismatch: "このリンクは記載されたサービスのものではありません。フィッシングの恐れがあるため使わないでください。",
        .failureUnconfirmedService: "{host} のサービスはこのアプリに登録されていません。続ける前に、鍵のフィンガープリント {fingerprint} がサービスから伝えられたものと同じか確認してください。",
        .failureClockOff: "端末の時計が{offset}います。このままではコードが拒否されます。時計を補正してからやり直してください。",
        .failureCorrectionNeedsForce: "補正が5分を超えます。それでも補正する場合は、もう一度確認してください。",
        .failureCorrectionRefused: "時計を自動で補正できませんでした。端末の設定で日付と時刻を合わせてください。",
        .failureVaultFull: "このアプリに登録できるトークンは最大{limit}個です。追加するには1つ削除してください。",
        .failureWrongKey: "この端末の鍵ではトークンの保存領域を開けません。",
        .failureCorruptVault: "トークンの保存領域が壊れていて読めません。変更はしていません。",
        .failureDuplicate: "{name} はすでに登録されています。",
        .failureRateLimited: "サービスが混み合っています。1分ほど待ってからやり直してください。",
        .failureNetwork: "サービスに接続できません。通信状態を確認してやり直してください。",
        .failureTLS: "サービスと安全に接続できませんでした。",
        .failureTimeout: "サービスから時間内に応答がありませんでした。やり直してください。",
        .failureInvalidInput: "入力内容が正しくありません。確認してやり直してください。",
        .failureServer: "サービスが要求を受け付けませんでした（{code}）。しばらくしてからやり直してください。",
        .failureInternal: "アプリ内部で問題が起きました。やり直してください。",
        .clockAhead: "{duration}進んで",
        .clockBehind: "{duration}遅れて",
        .clockWarn: "端末の時計がずれている可能性があります（{offset}います）。コードが拒否されることがあります。",
        .clockCodesWrong: "端末の時計が{offset}います。補正するまでコードは拒否されます。",
        .clockCorrectAutomatically: "自動で補正",
        .clockConfirmForce: "端末の時計が{offset}います（5分以上）。それでもこの分だけコードを補正しますか？",
        .clockCorrected: "コードを{duration}補正しました。",
        .clockFine: "端末の時計は正確です。",
        .durationHoursMinutes: "{h}時間{m}分",
        .durationMinutesSeconds: "{m}分{s}秒",
        .durationSeconds: "{s}秒",
        .unknownServicePrompt: "未登録のサービス（{host}）です。鍵のフィンガープリント：{fingerprint}。サービスから伝えられたものと同じ場合のみ続けてください。",
        .knownService: "{service} のトークンを有効にします（ユーザー {user}）。",
        .activated: "{name} を使えるようになりました。",
        .activatedClockCorrected: "{name} を使えるようになりました。端末の時計が{offset}いたため、コードを補正しました。",
        .added: "{n}個追加しました。",
        .addedSkipped: "{n}個追加しました。登録済みのもの：{names}。",
        .addedNothing: "追加していません。登録済みのもの：{names}。",
        .revokedBadge: "無効",
        .copied: "コピーしました。30秒後に消去されます。",
        .copyRevoked: "このトークンは無効にされたため、コードは受け付けられません。",
        .deleteConfirm: "{name} を削除しますか？削除するとこのトークンでログインできなくなります。",
        .vaultFull: "登録数が上限（{limit}個）に達しています。追加するにはトークンを削除してください。",
        .noMatches: "「{query}」に一致するトークンはありません。",
        .labelTokens: "トークン",
        .labelAdd: "トークンを追加",
        .labelLink: "アクティベーションリンク",
        .labelScan: "スキャン",
        .labelURI: "otpauth URI",
        .labelManual: "手入力",
        .labelService: "サービスID",
        .labelCheckLink: "リンクを確認",
        .labelActivationPassword: "アクティベーションパスワード",
        .labelActivate: "有効にする",
        .labelActivateCorrectingClock: "時計を補正して有効にする",
        .labelConfirmService: "確認しました：続ける",
        .labelCancel: "キャンセル",
        .labelIssuer: "発行元",
        .labelAccount: "アカウント",
        .labelSecret: "シークレットキー",
        .labelServiceID: "サービスID",
        .labelUserID: "ユーザーID",
        .labelSave: "保存",
        .labelMoveToTop: "先頭に移動",
        .labelDelete: "削除",
        .labelNextCode: "次",
        .labelGenerate: "新しいコード",
        .labelDetails: "詳細",
    ]
}

extension IchieFailure {
    /// The failure in plain words, for the user.
    public func message(_ strings: Strings) -> String {
        switch self {
        case .wrongPassword(let left) where left == 1:
            return strings.text(.failureWrongPasswordLast)
        case .wrongPassword(let left):
            return strings.text(.failureWrongPassword, ["n": "\(left)"])
        case .locked: return strings.text(.failureLocked)
        case .expiredOrUnknown: return strings.text(.failureExpiredOrUnknown)
        case .revoked: return strings.text(.failureRevoked)
        case .linkMismatch: return strings.text(.failureLinkMismatch)
        case .unconfirmedService(let host, let fingerprint):
            return strings.text(.failureUnconfirmedService, ["host": host, "fingerprint": fingerprint])
        case .clockOff(let offset):
            return strings.text(.failureClockOff, ["offset": strings.clockOffset(ms: offset)])
        case .correctionRefused(let needsForce):
            return strings.text(needsForce ? .failureCorrectionNeedsForce : .failureCorrectionRefused)
        case .vaultFull(let limit): return strings.text(.failureVaultFull, ["limit": "\(limit)"])
        case .wrongKey: return strings.text(.failureWrongKey)
        case .corruptVault: return strings.text(.failureCorruptVault)
        case .duplicate(let name): return strings.text(.failureDuplicate, ["name": name])
        case .rateLimited: return strings.text(.failureRateLimited)
        case .network: return strings.text(.failureNetwork)
        case .tls: return strings.text(.failureTLS)
        case .timeout: return strings.text(.failureTimeout)
        case .invalidInput: return strings.text(.failureInvalidInput)
        case .server(let code): return strings.text(.failureServer, ["code": code])
        case .internal: return strings.text(.failureInternal)
        }
    }
}
