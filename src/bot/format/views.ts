/** Control-API views → message text (HTML). Pure: names and "now" are parameters. */
import type { Filters, NoStopLossRule, RiskLimits, Sizing } from '../../domain/config.js';
import type { AccountView, CloseAllResult, JournalView, PositionView, RiskBudgetView, SizingPreviewRow, StatusView } from '../../engine/control-types.js';
import { b, code, escapeHtml } from './html.js';
import { fmtAge, fmtDateTime, fmtDuration, fmtLots, fmtMoney, fmtNum, fmtPrice, shortId } from './numbers.js';
import type { BrokerHealth } from '../ports.js';
import { outcomeWord } from './outcome-words.js';
import { reasonHtml } from './reasons.js';

const dot = (ok: boolean): string => (ok ? '🟢' : '🔴');

export function formatSizing(s: Sizing): string {
  switch (s.mode) {
    case 'multiplier':
      return `multiplier ×${fmtNum(s.multiplier)}`;
    case 'fixed':
      return `fixed ${fmtLots(s.lots)} lots`;
    case 'balance_ratio':
      return `balance ratio ×${fmtNum(s.multiplier)}`;
    case 'equity_ratio':
      return `equity ratio ×${fmtNum(s.multiplier)}`;
    case 'risk_percent':
      return `risk ${fmtNum(s.percent)}% of equity per trade`;
  }
}

const REST_ERROR_LABELS: Readonly<Record<string, string>> = {
  timeout: 'timeout',
  network: 'network',
  status5xx: '5xx',
  rateLimited: '429',
  status4xx: '4xx',
  statusOther: 'other status',
  malformed: 'malformed',
  tooLarge: 'too large',
};

/** One or two lines of FxSocket transport counters: REST failures by kind, stream trouble summed over streams. */
export function formatBrokerHealth(h: BrokerHealth): string[] {
  const kinds = Object.entries(h.rest.errors)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${REST_ERROR_LABELS[kind] ?? escapeHtml(kind)}`);
  const lines = [
    h.rest.failed === 0
      ? `FxSocket REST: ${h.rest.calls} calls, no errors`
      : `FxSocket REST: ${h.rest.calls} calls, ${h.rest.failed} failed (${kinds.join(', ')})`,
  ];
  const sum = (pick: (s: BrokerHealth['streams'][number]) => number): number => h.streams.reduce((total, s) => total + pick(s), 0);
  const trouble = [
    [sum((s) => s.reconnects), 'reconnects'],
    [sum((s) => s.authRefused ?? 0), 'key refusals'],
    [sum((s) => s.malformed), 'malformed frames'],
    [sum((s) => s.dropped + s.serverDropped), 'dropped frames'],
  ] as const;
  const parts = trouble.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  if (h.streams.length > 0) {
    const up = h.streams.filter((s) => s.connected).length;
    lines.push(`FxSocket streams: ${up}/${h.streams.length} up${parts.length > 0 ? ` · ${parts.join(' · ')}` : ''}`);
  }
  return lines;
}

function formatClusterStatus(c: NonNullable<StatusView['cluster']>): string[] {
  const lines = [b(`Cluster`) + ` · ${c.partitions} partitions · config v${c.configVersion}`];
  if (c.unowned.length > 0) lines.push(`⚠️ ${b('Unowned partitions')}: ${c.unowned.join(', ')} (no worker holds them: their followers are not copied)`);
  if (c.workers.length === 0) lines.push('⚠️ <i>no workers</i>');
  for (const w of c.workers) {
    const parts = w.partitions.map((p) => `${p.partition}`).join(',') || '—';
    const unacked = w.partitions.reduce((n, p) => n + p.unacked, 0);
    const state = w.refused !== null ? `⛔ ${escapeHtml(w.refused)}` : w.stale ? `⚠️ ${b('not renewing')} (last heartbeat ${fmtDuration(w.heartbeatAgeMs)} ago)` : `heartbeat ${fmtDuration(w.heartbeatAgeMs)} ago`;
    lines.push(`${dot(!w.stale && w.refused === null)} ${code(w.id)} v${escapeHtml(w.version)} · partitions ${parts}${w.feeds.length > 0 ? ` · feeds ${w.feeds.length}` : ''}${unacked > 0 ? ` · ${unacked} unacked` : ''} · ${state}`);
  }
  for (const s of c.streamLag) if (s.pending > 0) lines.push(`Stream lag ${code(shortId(s.masterId))}: ${s.pending} entries pending`);
  if (c.deadLetters > 0) lines.push(`⚠️ Dead-letter stream: ${c.deadLetters} unreadable entries`);
  return lines;
}

export function formatStatus(s: StatusView, now: number, broker?: BrokerHealth): string {
  const lines: string[] = [];
  if (s.halted !== null) lines.push(`🛑 ${b('Copying halted')}: ${escapeHtml(s.halted)}`);
  lines.push(`${s.paused ? '⏸ Paused (all)' : '▶️ Copying'} · up ${fmtDuration(now - s.startedAt)}`);
  lines.push(`Last master event: ${fmtAge(s.lastMasterEventAt, now)}`);
  const lag = s.copyLagMs;
  lines.push(
    lag.samples === 0
      ? 'Copy lag: no samples yet'
      : `Copy lag: p50 ${fmtDuration(lag.p50)} · p99 ${fmtDuration(lag.p99)} (${lag.samples} events)`,
  );
  if (s.pendingLegs > 0) lines.push(`Pending legs: ${s.pendingLegs}`);
  lines.push('', b('Masters'));
  if (s.masters.length === 0) lines.push('<i>none</i>');
  for (const m of s.masters) {
    lines.push(
      `${dot(m.streaming)} ${b(m.name)} ${code(shortId(m.id))}${m.paused ? ' ⏸ paused' : ''} · last event ${fmtAge(m.lastEventAt, now)}`,
    );
  }
  lines.push('', b('Followers'));
  if (s.followers.length === 0) lines.push('<i>none</i>');
  for (const f of s.followers) {
    const paused = f.paused ? ` ⏸ paused${f.pausedReason === null ? '' : ` (${escapeHtml(f.pausedReason)})`}` : '';
    lines.push(`${dot(f.streaming)} ${b(f.name)} ${code(shortId(f.id))}${paused} · ${f.openCopies} open copies`);
  }
  if (s.cluster !== undefined) lines.push('', ...formatClusterStatus(s.cluster));
  if (broker !== undefined) lines.push('', ...formatBrokerHealth(broker));
  lines.push('', `<i>as of ${fmtDateTime(now)}</i>`);
  return lines.join('\n');
}

export function formatAccounts(list: readonly AccountView[]): string {
  if (list.length === 0) return 'No accounts.';
  const lines = [b(`Accounts (${list.length})`)];
  for (const a of list) {
    const role = a.role === 'none' ? '' : ` · ${a.role}${a.paused ? ' ⏸' : ''}`;
    lines.push(
      `${dot(a.streaming || a.status === 'connected')} ${b(a.nickname)} ${code(shortId(a.id))} · ${escapeHtml(a.platform)} ${escapeHtml(a.server)} #${a.login} · ${escapeHtml(a.status)}${role}`,
    );
  }
  return lines.join('\n');
}

export function formatPositions(list: readonly PositionView[]): string {
  if (list.length === 0) return 'No open positions.';
  const byFollower = new Map<string, PositionView[]>();
  for (const p of list) byFollower.set(p.followerId, [...(byFollower.get(p.followerId) ?? []), p]);
  const lines: string[] = [];
  for (const group of byFollower.values()) {
    const first = group[0] as PositionView;
    const profit = group.reduce((sum, p) => sum + p.profit, 0);
    lines.push(`${b(first.followerName)} · ${group.length} open · P/L ${fmtMoney(profit)}`);
    for (const p of group) {
      const kind = p.kind === 'pending' ? ' pending' : '';
      const sltp = `${p.stopLoss > 0 ? ` SL ${fmtPrice(p.stopLoss)}` : ''}${p.takeProfit > 0 ? ` TP ${fmtPrice(p.takeProfit)}` : ''}`;
      const copy = p.masterTicket === null ? ' · not a copy' : ` · copy of #${p.masterTicket}`;
      lines.push(
        `• #${p.ticket} ${p.side.toUpperCase()}${kind} ${fmtLots(p.volume)} ${escapeHtml(p.symbol)} @ ${fmtPrice(p.openPrice)}${sltp} · ${fmtMoney(p.profit)}${copy}`,
      );
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

function journalLine(j: JournalView, names: ReadonlyMap<string, string>, withTime: boolean): string {
  const who = names.get(j.followerId) ?? shortId(j.followerId);
  const when = withTime ? `${fmtDateTime(j.at).slice(5, 19)} ` : '';
  const what = [j.symbol === null ? null : escapeHtml(j.symbol), j.volume === null ? null : fmtLots(j.volume), j.price === null ? null : `@ ${fmtPrice(j.price)}`]
    .filter((x) => x !== null)
    .join(' ');
  const tickets = `${j.masterTicket === null ? '' : ` · master #${j.masterTicket}`}${j.followerTicket === null ? '' : ` → #${j.followerTicket}`}`;
  const why = j.reason === null && Object.keys(j.detail).length === 0 ? '' : ` — ${reasonHtml(j.reason, j.detail)}`;
  const word = j.status === 'skipped' && j.reason === 'pending_copy_exists' && j.detail.copy === 'filled' ? 'filled (its own pending copy)' : outcomeWord(j.action, j.status);
  return `• ${when}${b(who)} ${escapeHtml(j.eventKind)}/${escapeHtml(j.action)} ${escapeHtml(word)}${what === '' ? '' : ` ${what}`}${tickets}${why}`;
}

export function formatHistory(rows: readonly JournalView[], names: ReadonlyMap<string, string>): string {
  if (rows.length === 0) return 'No copy results yet.';
  return [b(`Last ${rows.length} copy result${rows.length === 1 ? '' : 's'}`), ...rows.map((j) => journalLine(j, names, true))].join('\n');
}

export function formatWhy(ticket: number, rows: readonly JournalView[], names: ReadonlyMap<string, string>): string {
  if (rows.length === 0) return `Nothing in the journal about ticket #${ticket}. It may be older than the journal or not a copy.`;
  return [b(`Ticket #${ticket}`), ...rows.map((j) => journalLine(j, names, true))].join('\n');
}

/** A sizing preview table: how the last master trades would be copied. */
export function formatPreview(rows: readonly SizingPreviewRow[]): string {
  if (rows.length === 0) return '<i>No recent master trades to preview.</i>';
  const lines = [`Last ${rows.length} master trade${rows.length === 1 ? '' : 's'} under the new setting:`];
  for (const r of rows) {
    const sym = r.followerSymbol !== null && r.followerSymbol !== r.symbol ? `${escapeHtml(r.symbol)}→${escapeHtml(r.followerSymbol)}` : escapeHtml(r.symbol);
    const head = `• #${r.masterTicket} ${r.side.toUpperCase()} ${fmtLots(r.masterVolume)} ${sym}`;
    if (r.volume === null) {
      lines.push(`${head} → ⏭ skipped: ${reasonHtml(r.skipped ?? r.reasons[0] ?? 'skipped')}`);
    } else {
      const rounded = r.rounded && r.rawVolume !== null ? ` (raw ${fmtLots(r.rawVolume)}, rounded)` : '';
      const notes = r.reasons.length === 0 ? '' : ` · ${r.reasons.map((x) => reasonHtml(x)).join(', ')}`;
      lines.push(`${head} → ${b(fmtLots(r.volume))}${rounded}${notes}`);
    }
  }
  const skipped = rows.filter((r) => r.volume === null).length;
  if (skipped > 0) lines.push(`${skipped} of ${rows.length} would be skipped.`);
  return lines.join('\n');
}

const onOff = (v: boolean): string => (v ? 'on' : 'off');
const list = (v: readonly string[]): string => (v.length === 0 ? 'all' : v.map(escapeHtml).join(', '));

export function formatFilters(f: Filters): string {
  return [
    `allow: ${list(f.symbolsAllow)}`,
    `deny: ${f.symbolsDeny.length === 0 ? 'none' : f.symbolsDeny.map(escapeHtml).join(', ')}`,
    `sides: ${f.sides}`,
    `reverse: ${onOff(f.reverse)}`,
    `sltp: ${onOff(f.copySlTp)}`,
    `pending: ${onOff(f.copyPending)}`,
  ].join('\n');
}

const limit = (v: number | null, unit = ''): string => (v === null ? 'off' : `${fmtNum(v)}${unit}`);

export function formatRisk(r: RiskLimits): string {
  return [
    `maxlot: ${limit(r.maxLot)}`,
    `maxpos: ${limit(r.maxOpenPositions)}`,
    `margin: ${r.marginCheck}`,
    `marginuse: ${fmtNum(r.marginUsageMax)}`,
    `deviation: ${limit(r.maxPriceDeviationPoints, ' pts')}`,
    `dailyloss: ${r.dailyLossLimit === null ? 'off' : fmtMoney(r.dailyLossLimit, false)}`,
    `nosl: ${formatNoStopLoss(r.noStopLoss)}`,
    `closeonly: ${onOff(r.closeOnly)}`,
    `belowmin: ${r.belowMin}`,
  ].join('\n');
}

/** The daily risk budget's rule for copies without a stop loss: "skip" or "fallback 0.01 lots". */
export function formatNoStopLoss(rule: NoStopLossRule): string {
  return rule.mode === 'skip' ? 'skip' : `fallback ${fmtLots(rule.lots)} lots`;
}

/** The daily risk budget preview (`/risk`): today's loss, open risk at SL, what is left, and the next copy's cap. */
export function formatRiskBudget(v: RiskBudgetView): string {
  if (v.limit === null) return `${b('Daily risk budget')}: off (no daily loss limit; set one with dailyloss).`;
  const cur = v.currency === null || v.currency === '' ? '' : ` ${escapeHtml(v.currency)}`;
  const lines = [`${b('Daily risk budget')} (limit ${fmtMoney(v.limit, false)}${cur}, copies without SL: ${formatNoStopLoss(v.noStopLoss)}):`];
  if (v.budget !== null) {
    const copies = `${v.openCopies} open cop${v.openCopies === 1 ? 'y' : 'ies'}`;
    const unprotected = v.budget.unprotected > 0 ? `, ${v.budget.unprotected} without SL not counted` : '';
    lines.push(`• realized loss today: ${fmtMoney(v.budget.realizedLoss, false)}`);
    lines.push(`• open risk at SL: ${fmtMoney(v.budget.openRisk, false)} (${copies}${unprotected})`);
    lines.push(`• remaining: ${b(fmtMoney(Math.max(0, v.budget.remaining), false))} of ${fmtMoney(v.budget.limit, false)}`);
  }
  if (v.unavailable !== null) lines.push(`⚠️ No new copy can be proven within the budget: ${reasonHtml(v.unavailable.reason, v.unavailable.detail)}.`);
  const n = v.next;
  if (n === null) {
    lines.push('<i>No recent master trade to preview the next copy with.</i>');
    return lines.join('\n');
  }
  const sym = n.followerSymbol !== null && n.followerSymbol !== n.masterSymbol ? `${escapeHtml(n.masterSymbol)}→${escapeHtml(n.followerSymbol)}` : escapeHtml(n.masterSymbol);
  const stop = n.stopLoss > 0 ? ` SL ${fmtPrice(n.stopLoss)} from ${fmtPrice(n.entryPrice)}` : n.entryPrice > 0 ? ' without SL' : '';
  const head = `Next copy like #${n.position} (${n.side.toUpperCase()} ${fmtLots(n.masterVolume)} ${sym}${stop})`;
  if (n.volume === null) {
    const skip = n.skipped === null ? 'skipped' : reasonHtml(n.skipped.reason, n.skipped.detail);
    lines.push(`${head}: ${n.sized === null ? '' : `sized ${fmtLots(n.sized)} → `}⏭ skipped: ${skip}`);
  } else if (n.reasons.some((r) => r.code === 'daily_risk_fallback')) {
    lines.push(`${head}: ${n.sized === null ? '' : `sized ${fmtLots(n.sized)} → `}${b(fmtLots(n.volume))} lots (${reasonHtml('daily_risk_fallback')})`);
  } else if (n.sized !== null && n.volume < n.sized) {
    lines.push(`${head}: sized ${fmtLots(n.sized)} → capped to ${b(fmtLots(n.volume))} lots`);
  } else {
    lines.push(`${head}: ${b(fmtLots(n.volume))} lots, within the budget`);
  }
  return lines.join('\n');
}

export function formatCloseAll(result: CloseAllResult, name: string): string {
  const lines = [
    `${result.failed + result.unknown === 0 ? '✅' : '⚠️'} ${b(name)}: ${result.closed} closed, ${result.failed} failed, ${result.unknown} unknown.`,
  ];
  for (const t of result.tickets) {
    if (t.status === 'closed') continue;
    lines.push(`• #${t.ticket}: ${escapeHtml(t.status)} (retcode ${t.retcode})`);
  }
  if (result.unknown > 0) lines.push('Unknown outcomes are being checked against the broker; /positions shows what is still open.');
  return lines.join('\n');
}
