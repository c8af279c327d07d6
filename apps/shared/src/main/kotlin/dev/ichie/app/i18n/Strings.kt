package dev.ichie.app.i18n

import dev.ichie.app.service.IchieFailure
import java.util.Locale
import kotlin.math.abs

/**
 * Every word the apps show, one implementation per language ([English],
 * [Japanese]): a small table keyed by locale, no platform resources, so the
 * same text reaches Android and the desktop. Failures are worded by
 * [describe].
 */
interface Strings {
    /** The BCP 47 language tag of this table. */
    val language: String
    val appName: String
    val tokens: String
    val addToken: String
    val search: String
    val noTokens: String
    val noMatch: String
    val revoked: String
    val revokedExplained: String
    val tapToGenerate: String
    val tapToCopy: String
    val details: String
    val back: String
    val cancel: String
    val dismiss: String
    val save: String
    val saved: String
    val delete: String
    val moveUp: String
    val moveDown: String
    val issuer: String
    val account: String
    val checkClock: String
    val refreshStatus: String
    val correctAutomatically: String
    val correctAnyway: String
    val methodLink: String
    val methodService: String
    val methodUri: String
    val methodManual: String
    val activationLink: String
    val checkLink: String
    val serviceId: String
    val userId: String
    val activationPassword: String
    val activate: String
    val fixClockAndActivate: String
    val unknownServiceTitle: String
    val unknownServiceBody: String
    val server: String
    val keyFingerprint: String
    val trustService: String
    val rejectService: String
    val otpauthUri: String
    val secret: String
    val digits: String
    val periodSeconds: String
    val algorithm: String
    val counterBased: String
    val add: String
    val addAnother: String
    val working: String

    /** "Known service: X" / "Unknown service at host". */
    fun linkSummary(serviceName: String?, host: String, confirmed: Boolean): String

    /** The content description of a code: digits read one by one. */
    fun codeDescription(title: String, code: String): String

    /** "next 123 456". */
    fun nextCode(code: String): String

    /** The ring's label: seconds left. */
    fun secondsLeft(seconds: Int): String

    /** "Copied; cleared from the clipboard in 30 s". */
    fun copied(seconds: Int): String

    /** The full-vault message. */
    fun vaultFull(limit: Int): String

    /** The clock banner: the clock is off by [offsetMs] (server minus device). */
    fun clockOff(offsetMs: Long): String

    /** Asks before forcing a large correction. */
    fun forceCorrection(offsetMs: Long): String

    /** The correction was stored. */
    fun clockCorrected(correctionMs: Long): String

    /** A row's note that codes use a correction. */
    fun correctionInUse(correctionMs: Long): String

    /** "Delete X for good?". */
    fun deleteQuestion(name: String): String

    /** What was added. */
    fun added(names: List<String>): String

    /** Position in the list. */
    fun position(position: Int, count: Int): String

    /** A failure in plain words. */
    fun describe(failure: IchieFailure): String

    /** Tables by language. */
    companion object {
        /** The table for a language tag (`ja`, `ja-JP` → Japanese; anything else → English). */
        fun forLanguage(tag: String): Strings = if (tag.lowercase().startsWith("ja")) Japanese else English

        /** The table for the JVM's default locale. */
        fun forDefaultLocale(): Strings = forLanguage(Locale.getDefault().toLanguageTag())
    }
}

/** A duration in words: `45 s`, `3 min 20 s`, `1 h 5 min`. */
private fun span(ms: Long, h: String, m: String, s: String, sep: String): String {
    val total = (abs(ms) + 500) / 1000
    val hours = total / 3600
    val minutes = (total % 3600) / 60
    val seconds = total % 60
    return when {
        hours > 0 -> "$hours$h" + if (minutes > 0) "$sep$minutes$m" else ""
        minutes > 0 -> "$minutes$m" + if (seconds > 0) "$sep$seconds$s" else ""
        else -> "$seconds$s"
    }
}

/** The English table. */
object English : Strings {
    override val language = "en"
    override val appName = "Ichie"
    override val tokens = "Tokens"
    override val addToken = "Add token"
    override val search = "Search tokens"
    override val noTokens = "No tokens yet. Add one with an activation link, an otpauth URI or a secret."
    override val noMatch = "No token matches your search."
    override val revoked = "Revoked"
    override val revokedExplained = "Revoked by the service: its codes no longer work."
    override val tapToGenerate = "Tap for a code"
    override val tapToCopy = "Tap to copy"
    override val details = "Details"
    override val back = "Back"
    override val cancel = "Cancel"
    override val dismiss = "Dismiss"
    override val save = "Save"
    override val saved = "Saved."
    override val delete = "Delete"
    override val moveUp = "Move up"
    override val moveDown = "Move down"
    override val issuer = "Issuer"
    override val account = "Account"
    override val checkClock = "Check clock"
    override val refreshStatus = "Check for revoked tokens"
    override val correctAutomatically = "Correct automatically"
    override val correctAnyway = "Correct anyway"
    override val methodLink = "Link"
    override val methodService = "Service ID"
    override val methodUri = "URI"
    override val methodManual = "Manual"
    override val activationLink = "Activation link (ichie://activate?…)"
    override val checkLink = "Check link"
    override val serviceId = "Service ID"
    override val userId = "User ID"
    override val activationPassword = "Activation password (4–8 digits)"
    override val activate = "Activate"
    override val fixClockAndActivate = "Correct the clock and activate"
    override val unknownServiceTitle = "Unknown service"
    override val unknownServiceBody =
        "The app does not know this service. Activate only if the e-mail from your service shows this same server and key fingerprint."
    override val server = "Server"
    override val keyFingerprint = "Key fingerprint"
    override val trustService = "I trust this service"
    override val rejectService = "Don't activate"
    override val otpauthUri = "otpauth:// or otpauth-migration:// URI"
    override val secret = "Secret key (base32)"
    override val digits = "Digits"
    override val periodSeconds = "Step (seconds)"
    override val algorithm = "Algorithm"
    override val counterBased = "Counter-based (HOTP)"
    override val add = "Add"
    override val addAnother = "Add another"
    override val working = "Working…"

    override fun linkSummary(serviceName: String?, host: String, confirmed: Boolean) = when {
        serviceName != null -> "Known service: $serviceName ($host)"
        confirmed -> "Confirmed by you: $host"
        else -> "Unknown service at $host"
    }

    override fun codeDescription(title: String, code: String) =
        "$title code ${code.filter(Char::isDigit).toList().joinToString(" ")}"

    override fun nextCode(code: String) = "next $code"
    override fun secondsLeft(seconds: Int) = if (seconds == 1) "1 second left" else "$seconds seconds left"
    override fun copied(seconds: Int) = "Copied · cleared in $seconds s"
    override fun vaultFull(limit: Int) = "The vault is full: it holds at most $limit tokens. Delete one to add another."

    override fun clockOff(offsetMs: Long) =
        "Your clock is ${span(offsetMs, " h", " min", " s", " ")} " +
            (if (offsetMs > 0) "behind" else "ahead") + ": codes may be refused."

    override fun forceCorrection(offsetMs: Long) =
        "That is a large correction (${span(offsetMs, " h", " min", " s", " ")}). Correct anyway? Setting the device's clock is better."

    override fun clockCorrected(correctionMs: Long) =
        "Clock corrected: codes now use ${if (correctionMs >= 0) "+" else "−"}${span(correctionMs, " h", " min", " s", " ")}."

    override fun correctionInUse(correctionMs: Long) =
        "clock ${if (correctionMs >= 0) "+" else "−"}${span(correctionMs, " h", " min", " s", " ")}"

    override fun deleteQuestion(name: String) = "Delete $name for good? Its codes cannot be recovered."
    override fun added(names: List<String>) = "Added: ${names.joinToString(", ")}"
    override fun position(position: Int, count: Int) = "Position ${position + 1} of $count"

    override fun describe(failure: IchieFailure): String = when (failure) {
        is IchieFailure.WrongPassword -> "Wrong activation password. " +
            if (failure.attemptsLeft == 1) "1 attempt left." else "${failure.attemptsLeft} attempts left."
        IchieFailure.Locked -> "Too many wrong passwords: this activation is locked. Ask your administrator to unlock it."
        IchieFailure.Expired -> "This activation has expired or was already used. Ask your administrator for a new one."
        IchieFailure.Revoked -> "The service revoked this token."
        IchieFailure.RateLimited -> "Too many attempts. Wait a minute and try again."
        is IchieFailure.WrongServerKey ->
            "The server's answer does not match the key in the link: the link may be forged. Nothing was stored."
        is IchieFailure.ForgedLink ->
            "This link does not match ${failure.serviceId} as the app knows it (its ${failure.what} differs): it may be forged. Nothing was sent."
        is IchieFailure.UnconfirmedService -> "Confirm the server ${failure.host} and its key first."
        is IchieFailure.ClockOff -> clockOff(failure.offsetMs).removeSuffix(": codes may be refused.") +
            ": codes would be refused. Correct the clock first."
        is IchieFailure.CorrectionRefused -> "The clock correction was refused: ${failure.reason}."
        IchieFailure.NoTimeServer -> "There is no server to check the clock against yet: activate a token first."
        is IchieFailure.VaultFull -> vaultFull(failure.limit)
        IchieFailure.WrongPassphrase -> "Wrong passphrase."
        is IchieFailure.DamagedVault -> "The vault file is damaged: ${failure.reason}."
        is IchieFailure.Duplicate -> "${failure.name} is already in the vault."
        is IchieFailure.NotFound -> "Nothing matches ${failure.query}."
        is IchieFailure.Ambiguous -> "Several tokens match ${failure.query}."
        is IchieFailure.InvalidInput -> "That does not look right: ${failure.reason}."
        is IchieFailure.Network -> "Cannot reach the server. Check your connection and try again."
        is IchieFailure.Tls -> "The secure connection failed: the server's certificate is not trusted."
        IchieFailure.Timeout -> "The server did not answer in time. Try again."
        is IchieFailure.ServerRefused -> "The server refused: ${failure.reason}."
        is IchieFailure.NoVault -> "There is no vault at ${failure.path} yet."
        is IchieFailure.VaultExists -> "A file is already at ${failure.path}: open it instead."
        is IchieFailure.Storage -> "Could not read or write the vault: ${failure.reason}."
        is IchieFailure.Internal -> "Something went wrong inside the app: ${failure.reason}."
    }
}

/** The Japanese table. */
object Japanese : Strings {
    override val language = "ja"
    override val appName = "Ichie"
    override val tokens = "トークン"
    override val addToken = "トークンを追加"
    override val search = "トークンを検索"
    override val noTokens = "トークンはまだありません。アクティベーションリンク、otpauth URI、または秘密鍵から追加してください。"
    override val noMatch = "検索に一致するトークンはありません。"
    override val revoked = "失効"
    override val revokedExplained = "サービスにより失効しました。このコードは使えません。"
    override val tapToGenerate = "タップしてコードを表示"
    override val tapToCopy = "タップしてコピー"
    override val details = "詳細"
    override val back = "戻る"
    override val cancel = "キャンセル"
    override val dismiss = "閉じる"
    override val save = "保存"
    override val saved = "保存しました。"
    override val delete = "削除"
    override val moveUp = "上へ移動"
    override val moveDown = "下へ移動"
    override val issuer = "発行元"
    override val account = "アカウント"
    override val checkClock = "時刻を確認"
    override val refreshStatus = "失効したトークンを確認"
    override val correctAutomatically = "自動で補正"
    override val correctAnyway = "それでも補正する"
    override val methodLink = "リンク"
    override val methodService = "サービスID"
    override val methodUri = "URI"
    override val methodManual = "手入力"
    override val activationLink = "アクティベーションリンク (ichie://activate?…)"
    override val checkLink = "リンクを確認"
    override val serviceId = "サービスID"
    override val userId = "ユーザーID"
    override val activationPassword = "アクティベーションパスワード (4〜8桁)"
    override val activate = "アクティベート"
    override val fixClockAndActivate = "時刻を補正してアクティベート"
    override val unknownServiceTitle = "未登録のサービス"
    override val unknownServiceBody =
        "このサービスはアプリに登録されていません。サービスから届いたメールに同じサーバーと鍵フィンガープリントが記載されている場合のみ続けてください。"
    override val server = "サーバー"
    override val keyFingerprint = "鍵フィンガープリント"
    override val trustService = "このサービスを信頼する"
    override val rejectService = "アクティベートしない"
    override val otpauthUri = "otpauth:// または otpauth-migration:// URI"
    override val secret = "秘密鍵 (base32)"
    override val digits = "桁数"
    override val periodSeconds = "更新間隔 (秒)"
    override val algorithm = "アルゴリズム"
    override val counterBased = "カウンター方式 (HOTP)"
    override val add = "追加"
    override val addAnother = "続けて追加"
    override val working = "処理中…"

    override fun linkSummary(serviceName: String?, host: String, confirmed: Boolean) = when {
        serviceName != null -> "登録済みのサービス: $serviceName ($host)"
        confirmed -> "確認済み: $host"
        else -> "未登録のサービス: $host"
    }

    override fun codeDescription(title: String, code: String) =
        "$title のコード ${code.filter(Char::isDigit).toList().joinToString(" ")}"

    override fun nextCode(code: String) = "次 $code"
    override fun secondsLeft(seconds: Int) = "残り${seconds}秒"
    override fun copied(seconds: Int) = "コピーしました · ${seconds}秒後に消去"
    override fun vaultFull(limit: Int) = "保管庫がいっぱいです (最大${limit}個)。追加するにはトークンを削除してください。"

    override fun clockOff(offsetMs: Long) =
        "端末の時計が${span(offsetMs, "時間", "分", "秒", "")}" +
            (if (offsetMs > 0) "遅れています" else "進んでいます") + "。コードが拒否されるおそれがあります。"

    override fun forceCorrection(offsetMs: Long) =
        "大きな補正です (${span(offsetMs, "時間", "分", "秒", "")})。それでも補正しますか？端末の時計を合わせることをおすすめします。"

    override fun clockCorrected(correctionMs: Long) =
        "時刻を補正しました: ${if (correctionMs >= 0) "+" else "−"}${span(correctionMs, "時間", "分", "秒", "")}"

    override fun correctionInUse(correctionMs: Long) =
        "時刻補正 ${if (correctionMs >= 0) "+" else "−"}${span(correctionMs, "時間", "分", "秒", "")}"

    override fun deleteQuestion(name: String) = "$name を削除しますか？削除したコードは元に戻せません。"
    override fun added(names: List<String>) = "追加しました: ${names.joinToString("、")}"
    override fun position(position: Int, count: Int) = "${count}個中${position + 1}番目"

    override fun describe(failure: IchieFailure): String = when (failure) {
        is IchieFailure.WrongPassword -> "アクティベーションパスワードが違います。残り${failure.attemptsLeft}回です。"
        IchieFailure.Locked -> "パスワードを何度も間違えたため、ロックされました。管理者にロック解除を依頼してください。"
        IchieFailure.Expired -> "このアクティベーションは期限切れか、使用済みです。管理者に再発行を依頼してください。"
        IchieFailure.Revoked -> "このトークンはサービスにより失効しました。"
        IchieFailure.RateLimited -> "試行回数が多すぎます。1分ほど待ってから再度お試しください。"
        is IchieFailure.WrongServerKey ->
            "サーバーの応答がリンクの鍵と一致しません。リンクが偽造されている可能性があります。何も保存していません。"
        is IchieFailure.ForgedLink ->
            "このリンクはアプリに登録された ${failure.serviceId} と一致しません (${failure.what} が異なります)。偽造の可能性があります。何も送信していません。"
        is IchieFailure.UnconfirmedService -> "先にサーバー ${failure.host} と鍵を確認してください。"
        is IchieFailure.ClockOff ->
            "端末の時計が${span(failure.offsetMs, "時間", "分", "秒", "")}" +
                (if (failure.offsetMs > 0) "遅れています" else "進んでいます") + "。このままではコードが拒否されます。先に時刻を補正してください。"
        is IchieFailure.CorrectionRefused -> "時刻の補正は拒否されました: ${failure.reason}"
        IchieFailure.NoTimeServer -> "時刻を確認するサーバーがまだありません。先にトークンをアクティベートしてください。"
        is IchieFailure.VaultFull -> vaultFull(failure.limit)
        IchieFailure.WrongPassphrase -> "パスフレーズが違います。"
        is IchieFailure.DamagedVault -> "保管庫ファイルが破損しています: ${failure.reason}"
        is IchieFailure.Duplicate -> "${failure.name} はすでに登録されています。"
        is IchieFailure.NotFound -> "${failure.query} に一致するものはありません。"
        is IchieFailure.Ambiguous -> "${failure.query} に一致するトークンが複数あります。"
        is IchieFailure.InvalidInput -> "入力内容を確認してください: ${failure.reason}"
        is IchieFailure.Network -> "サーバーに接続できません。通信環境を確認して再度お試しください。"
        is IchieFailure.Tls -> "安全な接続を確立できませんでした。サーバーの証明書が信頼されていません。"
        IchieFailure.Timeout -> "サーバーから時間内に応答がありませんでした。再度お試しください。"
        is IchieFailure.ServerRefused -> "サーバーに拒否されました: ${failure.reason}"
        is IchieFailure.NoVault -> "${failure.path} に保管庫はまだありません。"
        is IchieFailure.VaultExists -> "${failure.path} にはすでにファイルがあります。そちらを開いてください。"
        is IchieFailure.Storage -> "保管庫を読み書きできませんでした: ${failure.reason}"
        is IchieFailure.Internal -> "アプリ内部でエラーが発生しました: ${failure.reason}"
    }
}
