package dev.ichie.app.ui

import androidx.compose.animation.core.Animatable
import androidx.compose.animation.core.LinearEasing
import androidx.compose.animation.core.tween
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.ProgressBarRangeInfo
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.progressBarRangeInfo
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import dev.ichie.app.service.TokenKind
import dev.ichie.app.state.ClockBanner
import dev.ichie.app.state.ClockModel
import dev.ichie.app.state.TokenListModel
import dev.ichie.app.state.TokenListModel.Companion.CLIPBOARD_CLEAR_MS
import dev.ichie.app.state.TokenListModel.Companion.TICK_MS
import dev.ichie.app.state.TokenRow

/**
 * The token list: the clock banner, the full-vault message, a search field
 * when there are many tokens, and one row per token with its code, next
 * code and countdown ring. Tapping a row copies its code (HOTP: generates one).
 */
@Composable
fun TokenListScreen(
    list: TokenListModel,
    clock: ClockModel,
    onAdd: () -> Unit,
    onOpen: (TokenRow) -> Unit,
) {
    val strings = LocalStrings.current
    val state by list.state.collectAsState()
    val now by list.now.collectAsState()
    Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
        Column(Modifier.fillMaxSize()) {
            Header(strings.appName) {
                Button(onClick = onAdd, enabled = !state.full, modifier = Modifier.testTag("add")) { Text(strings.addToken) }
            }
            Row(Modifier.fillMaxWidth().padding(horizontal = 8.dp)) {
                TextButton(onClick = clock::check, modifier = Modifier.testTag("check-clock")) { Text(strings.checkClock) }
                if (state.anyActivated) {
                    TextButton(onClick = list::refreshStatus, modifier = Modifier.testTag("refresh-status")) { Text(strings.refreshStatus) }
                }
            }
            ClockBannerView(clock)
            state.failure?.let {
                MessageCard(
                    strings.describe(it), MaterialTheme.colorScheme.errorContainer,
                    MaterialTheme.colorScheme.onErrorContainer, "list-failure",
                ) { TextButton(onClick = list::dismissFailure) { Text(strings.dismiss) } }
            }
            if (state.full) {
                MessageCard(
                    strings.vaultFull(state.maxTokens), MaterialTheme.colorScheme.secondaryContainer,
                    MaterialTheme.colorScheme.onSecondaryContainer, "vault-full",
                )
            }
            if (state.showSearch) {
                OutlinedTextField(
                    value = state.query,
                    onValueChange = list::search,
                    label = { Text(strings.search) },
                    singleLine = true,
                    modifier = Modifier.fillMaxWidth().padding(horizontal = 16.dp, vertical = 4.dp).testTag("search"),
                )
            }
            val visible = state.visible
            if (state.loaded && visible.isEmpty()) {
                Text(
                    if (state.tokens.isEmpty()) strings.noTokens else strings.noMatch,
                    style = MaterialTheme.typography.bodyLarge,
                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                    modifier = Modifier.padding(24.dp).testTag("empty"),
                )
            }
            LazyColumn(Modifier.fillMaxSize()) {
                items(visible, key = { it.id }) { row ->
                    TokenRowItem(row, now, copied = state.copiedId == row.id, onTap = { list.tap(row.id) }, onOpen = { onOpen(row) })
                    HorizontalDivider(Modifier.padding(horizontal = 16.dp), color = MaterialTheme.colorScheme.surfaceVariant)
                }
            }
        }
    }
}

/** One token: title, account, code (grouped), next code, countdown ring, revoked badge. */
@Composable
fun TokenRowItem(row: TokenRow, now: Long, copied: Boolean, onTap: () -> Unit, onOpen: () -> Unit) {
    val strings = LocalStrings.current
    val scheme = MaterialTheme.colorScheme
    // A revoked token's codes no longer work: none is shown.
    val shown = if (row.revoked) null else if (row.kind == TokenKind.HOTP) row.hotpCode else row.code
    Row(
        Modifier.fillMaxWidth()
            .clickable(enabled = !row.revoked, onClickLabel = if (row.kind == TokenKind.HOTP) strings.tapToGenerate else strings.tapToCopy, onClick = onTap)
            .padding(start = 16.dp, end = 8.dp, top = 10.dp, bottom = 10.dp)
            .testTag("token-${row.id}"),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    row.title, style = MaterialTheme.typography.titleMedium, maxLines = 1,
                    overflow = TextOverflow.Ellipsis, modifier = Modifier.weight(1f, fill = false),
                )
                if (row.revoked) RevokedBadge(Modifier.padding(start = 8.dp).testTag("revoked-${row.id}"))
            }
            row.subtitle?.let {
                Text(it, style = MaterialTheme.typography.bodyMedium, color = scheme.onSurfaceVariant, maxLines = 1, overflow = TextOverflow.Ellipsis)
            }
            val codeColor = when {
                row.revoked -> scheme.outline
                row.lastSeconds(now) -> scheme.error
                else -> scheme.primary
            }
            if (shown != null || row.kind == TokenKind.HOTP && !row.revoked) Text(
                shown ?: strings.tapToGenerate,
                fontFamily = if (shown != null) FontFamily.Monospace else FontFamily.Default,
                fontSize = if (shown != null) 30.sp else 16.sp,
                fontWeight = FontWeight.Medium,
                letterSpacing = if (shown != null) 1.sp else 0.sp,
                color = codeColor,
                modifier = Modifier.padding(top = 2.dp).testTag("code-${row.id}")
                    .semantics { if (shown != null) contentDescription = strings.codeDescription(row.title, shown) },
            )
            if (row.revoked) {
                Text(strings.revokedExplained, style = MaterialTheme.typography.bodySmall, color = scheme.error)
            } else {
                row.nextCode?.let {
                    Text(strings.nextCode(it), style = MaterialTheme.typography.bodySmall, color = scheme.onSurfaceVariant, modifier = Modifier.testTag("next-${row.id}"))
                }
            }
            if (row.clockCorrectionMs != 0L) {
                Text(strings.correctionInUse(row.clockCorrectionMs), style = MaterialTheme.typography.labelSmall, color = scheme.tertiary)
            }
            if (copied) {
                Text(
                    strings.copied((CLIPBOARD_CLEAR_MS / 1000).toInt()), style = MaterialTheme.typography.labelMedium,
                    color = scheme.primary, modifier = Modifier.testTag("copied-${row.id}"),
                )
            }
        }
        if (row.kind == TokenKind.TOTP && !row.revoked) CountdownRing(row, now)
        TextButton(onClick = onOpen, modifier = Modifier.testTag("details-${row.id}").semantics {
            contentDescription = "${strings.details}: ${row.title}"
        }) { Text("⋯", fontSize = 22.sp) }
    }
}

/** The "Revoked" badge. */
@Composable
fun RevokedBadge(modifier: Modifier = Modifier) {
    Surface(color = MaterialTheme.colorScheme.errorContainer, shape = RoundedCornerShape(6.dp), modifier = modifier) {
        Text(
            LocalStrings.current.revoked,
            style = MaterialTheme.typography.labelMedium,
            color = MaterialTheme.colorScheme.onErrorContainer,
            modifier = Modifier.padding(horizontal = 6.dp, vertical = 2.dp),
        )
    }
}

/**
 * A ring that empties over the token's own step, with the seconds left in
 * its middle; it turns to the error colour for the last 5 seconds. Between
 * the model's whole-second ticks it moves linearly to where the next tick
 * will put it, so the countdown is smooth without reading the service.
 */
@Composable
fun CountdownRing(row: TokenRow, now: Long) {
    val strings = LocalStrings.current
    val target = row.fraction(now + TICK_MS)
    val sweep = remember(row.id) { Animatable(target) }
    LaunchedEffect(target) {
        if (target > sweep.value) sweep.snapTo(target) else sweep.animateTo(target, tween(TICK_MS.toInt(), easing = LinearEasing))
    }
    val warn = row.lastSeconds(now)
    val color = if (warn) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.primary
    val track = MaterialTheme.colorScheme.surfaceVariant
    val seconds = row.secondsLeft(now)
    Box(
        Modifier.size(48.dp).testTag("ring-${row.id}").clearAndSetSemantics {
            contentDescription = strings.secondsLeft(seconds)
            progressBarRangeInfo = ProgressBarRangeInfo(row.fraction(now), 0f..1f)
        },
        contentAlignment = Alignment.Center,
    ) {
        Canvas(Modifier.size(40.dp)) {
            val stroke = 4.dp.toPx()
            val inset = stroke / 2
            val arcSize = Size(size.width - stroke, size.height - stroke)
            drawArc(track, 0f, 360f, false, Offset(inset, inset), arcSize, style = Stroke(stroke))
            drawArc(color, -90f, -360f * sweep.value, false, Offset(inset, inset), arcSize, style = Stroke(stroke, cap = StrokeCap.Round))
        }
        Text("$seconds", style = MaterialTheme.typography.labelMedium, color = if (warn) color else MaterialTheme.colorScheme.onSurface)
    }
}

/** The clock banner: "your clock is off", correct automatically, force after asking. */
@Composable
fun ClockBannerView(clock: ClockModel) {
    val strings = LocalStrings.current
    val scheme = MaterialTheme.colorScheme
    when (val banner = clock.banner.collectAsState().value) {
        ClockBanner.Hidden -> Unit
        is ClockBanner.Off -> MessageCard(strings.clockOff(banner.check.offsetMs), scheme.tertiaryContainer, scheme.onTertiaryContainer, "clock-banner") {
            TextButton(onClick = clock::dismiss) { Text(strings.dismiss) }
            TextButton(onClick = clock::correct, modifier = Modifier.testTag("correct-clock")) { Text(strings.correctAutomatically) }
        }
        is ClockBanner.NeedsForce -> MessageCard(strings.forceCorrection(banner.check.offsetMs), scheme.errorContainer, scheme.onErrorContainer, "clock-banner") {
            TextButton(onClick = clock::dismiss) { Text(strings.cancel) }
            TextButton(onClick = clock::confirmForce, modifier = Modifier.testTag("force-clock")) { Text(strings.correctAnyway) }
        }
        is ClockBanner.Corrected -> MessageCard(strings.clockCorrected(banner.correctionMs), scheme.secondaryContainer, scheme.onSecondaryContainer, "clock-banner") {
            TextButton(onClick = clock::dismiss) { Text(strings.dismiss) }
        }
        is ClockBanner.Failed -> MessageCard(strings.describe(banner.failure), scheme.errorContainer, scheme.onErrorContainer, "clock-banner") {
            TextButton(onClick = clock::dismiss) { Text(strings.dismiss) }
        }
    }
}

