/**
 * CopierEvent → message text (HTML). Pure: the recipient-specific part (which legs or followers a user may see) is a
 * filter parameter, and the notifier decides loudness and routing.
 */
import type { CopierEvent, LegOutcome, MasterEventSummary, ReconcileReport } from '../../engine/events.js';
import { b, escapeHtml } from './html.js';
import { fmtClock, fmtDateTime, fmtDuration, fmtLots, fmtMoney, fmtPoints, fmtPrice } from './numbers.js';
import { outcomeWord } from './outcome-words.js';
import { ROUTINE_REASONS, reasonHtml } from './reasons.js';

const LEG_ICON: Record<string, string> = {
  filled: '✅',
  partial: '◐',
  modified: '✏️',
  closed: '✅',
  rejected: '⛔',
  skipped: '⏭',
  queued: '⏳',
  unknown: '❓',
  failed: '❌',
};

/** ok: executed; routine: a configured skip; problem: rejected, failed, unknown, partial or a skip worth a look. */
export type LegClass = 'ok' | 'routine' | 'problem';

export function classifyLeg(leg: LegOutcome): LegClass {
  switch (leg.status) {
    case 'filled':
    case 'modified':
    case 'closed':
      return 'ok';
    case 'queued':
      return 'routine';
    case 'skipped':
      return leg.reason !== null && leg.reason.split(',').every((r) => ROUTINE_REASONS.has(r)) ? 'routine' : 'problem';
    default:
      return 'problem';
  }
}

function side(s: 'buy' | 'sell' | null): string {
  return s === null ? '' : s.toUpperCase();
}

/** "BUY 1.00 EURUSD @ 1.08512 · open #123456" */
export function masterEventLine(event: MasterEventSummary): string {
  const sym = escapeHtml(event.symbol);
  const vol = event.volume === null ? '' : ` ${fmtLots(event.volume)}`;
  const at = event.price === null || event.price === 0 ? '' : ` @ ${fmtPrice(event.price)}`;
  switch (event.kind) {
    case 'open':
      return `${side(event.side)}${vol} ${sym}${at} · open #${event.ticket}`;
    case 'close':
      return `close${vol} ${sym}${at} · #${event.ticket}`;
    case 'modify':
      return `SL/TP changed ${sym} · #${event.ticket}`;
    case 'pending_place':
      return `pending ${side(event.side)}${vol} ${sym}${at} placed · #${event.ticket}`;
    case 'pending_modify':
      return `pending ${sym}${at} moved · #${event.ticket}`;
    case 'pending_delete':
      return `pending ${sym} deleted · #${event.ticket}`;
    default:
      return `${escapeHtml(String(event.kind))} ${sym} · #${event.ticket}`;
  }
}

/**
 * A master pending that filled, for a follower already holding its pending copy: nothing was sent; what the broker did
 * is what the copy's row shows (engine/event-facts.ts `pendingCopyFacts`): filled at its own trigger, or still waiting.
 */
function pendingCopyLine(leg: LegOutcome): string {
  const what = [leg.volume === null ? '' : fmtLots(leg.volume), leg.symbol === null ? '' : escapeHtml(leg.symbol), leg.price === null ? '' : `@ ${fmtPrice(leg.price)}`]
    .filter((x) => x !== '')
    .join(' ');
  const parts = [what, leg.ticket === null ? '' : `#${leg.ticket}`].filter((x) => x !== '');
  if (leg.detail.copy === 'filled') return `✅ ${b(leg.followerName)}: filled — ${[...parts, 'its own pending copy triggered'].join(' · ')}`;
  return `⏳ ${b(leg.followerName)}: pending copy not filled yet — ${[...parts, 'fills at its own trigger price'].join(' · ')}`;
}

/** One follower's result on one line, in the words of what the broker did (outcome-words.ts). */
export function legLine(leg: LegOutcome): string {
  if (leg.status === 'skipped' && leg.reason === 'pending_copy_exists') return pendingCopyLine(leg);
  const icon = LEG_ICON[leg.status] ?? '•';
  const head = `${icon} ${b(leg.followerName)}: ${escapeHtml(outcomeWord(leg.action, leg.status))}`;
  const parts: string[] = [];
  if (leg.status === 'filled' || leg.status === 'partial' || leg.status === 'closed' || leg.status === 'modified') {
    const what = leg.volume === null ? '' : fmtLots(leg.volume);
    const sym = leg.symbol === null ? '' : ` ${escapeHtml(leg.symbol)}`;
    const price = leg.price === null ? '' : ` @ ${fmtPrice(leg.price)}`;
    if (what !== '' || sym !== '' || price !== '') parts.push(`${what}${sym}${price}`.trim());
    if (leg.slippagePoints !== null) parts.push(`slip ${fmtPoints(leg.slippagePoints)}`);
    if (leg.latencyMs !== null) parts.push(fmtDuration(leg.latencyMs));
    if (leg.ticket !== null) parts.push(`#${leg.ticket}`);
    if (leg.reason !== null) parts.push(reasonHtml(leg.reason, leg.detail));
  } else {
    const why = reasonHtml(leg.reason, leg.detail);
    if (why !== '') parts.push(why);
    if (leg.volume !== null) parts.push(`lot ${fmtLots(leg.volume)}${leg.symbol === null ? '' : ` ${escapeHtml(leg.symbol)}`}`);
    if (leg.retcode !== null && leg.retcode !== 0) parts.push(`retcode ${leg.retcode}`);
    if (leg.latencyMs !== null) parts.push(fmtDuration(leg.latencyMs));
  }
  return parts.length === 0 ? head : `${head} — ${parts.join(' · ')}`;
}

export function formatCopied(event: Extract<CopierEvent, { type: 'copied' }>, legs: readonly LegOutcome[]): string {
  const lines = [`📋 ${b(event.masterName)} ${masterEventLine(event.event)}`];
  if (legs.length === 0) lines.push('<i>no followers</i>');
  for (const leg of legs) lines.push(legLine(leg));
  lines.push(`⏱ ${fmtDuration(event.elapsedMs)} · ${fmtClock(event.at)} UTC`);
  return lines.join('\n');
}

export function formatLegResolved(event: Extract<CopierEvent, { type: 'leg_resolved' }>): string {
  return [
    `🔄 ${b(event.masterName)}: ${escapeHtml(event.was)} leg resolved (event ${escapeHtml(event.eventId)})`,
    legLine(event.leg),
  ].join('\n');
}

const ACTION_LABEL: Record<string, string> = {
  open_missing: 'open missing copy',
  report_stale: 'missing copy too old to open',
  close_orphan: 'close orphan',
  fix_volume: 'fix volume',
  fix_stops: 'fix SL/TP',
  mark_detached: 'mark detached',
  adopt: 'adopt',
  link_closed: 'link closed',
};

/** A reconcile report's actions, one line each, grouped by follower. */
export function reconcileLines(report: ReconcileReport): string[] {
  const lines: string[] = [];
  for (const follower of report.followers) {
    if (follower.actions.length === 0) continue;
    lines.push(`${b(follower.followerName)}:`);
    for (const a of follower.actions) {
      const vol = a.volume === null ? '' : ` ${fmtLots(a.volume)}`;
      const ft = a.followerTicket === null ? '' : ` → #${a.followerTicket}`;
      const note = a.note === '' ? '' : ` — ${escapeHtml(a.note)}`;
      lines.push(
        `• ${escapeHtml(ACTION_LABEL[a.kind] ?? a.kind)} ${escapeHtml(a.symbol)}${vol} (master #${a.masterTicket}${ft}) · ${escapeHtml(a.result)}${note}`,
      );
    }
  }
  return lines;
}

export function countActions(report: ReconcileReport): number {
  return report.followers.reduce((n, f) => n + f.actions.length, 0);
}

export function formatReconciled(event: Extract<CopierEvent, { type: 'reconciled' }>, report: ReconcileReport): string {
  const n = countActions(report);
  if (n === 0) return `🔁 Reconciliation (${escapeHtml(event.trigger)}): all copies in sync.`;
  const head = event.changed
    ? `🔁 ${b('Reconciliation changed things')} (${escapeHtml(event.trigger)}), ${n} action${n === 1 ? '' : 's'}:`
    : `🔁 Reconciliation (${escapeHtml(event.trigger)}): ${n} finding${n === 1 ? '' : 's'}, nothing changed:`;
  return [head, ...reconcileLines(report)].join('\n');
}

export function formatFollowerPaused(event: Extract<CopierEvent, { type: 'follower_paused' }>): string {
  return `⏸ ${b(`${event.followerName} paused`)}: ${reasonHtml(event.reason, event.detail)}.\nSend /resume to copy again.`;
}

export function formatConnection(event: Extract<CopierEvent, { type: 'connection' }>): string {
  const who = `${b(event.accountName)} (${escapeHtml(event.role)})`;
  if (event.state === 'lost') return `🔌 ${who} terminal stream lost at ${fmtClock(event.at)} UTC.`;
  const lostAt = event.downMs === null ? null : event.at - event.downMs;
  const since = lostAt === null ? '' : ` (lost at ${fmtClock(lostAt)})`;
  const down = event.downMs === null ? '' : ` after ${fmtDuration(event.downMs)}`;
  return `✅ ${who} terminal stream restored at ${fmtClock(event.at)} UTC${down}${since}.`;
}

export function formatHalted(event: Extract<CopierEvent, { type: 'halted' }>): string {
  return `🛑 ${b('Copying halted')}: ${escapeHtml(event.message)} (${escapeHtml(event.reason)}) at ${fmtDateTime(event.at)}.`;
}

const ANOMALY_WHAT: Record<Extract<CopierEvent, { type: 'contract_anomaly' }>['kind'], string> = {
  unknown_frame: 'a stream frame of a type the FxSocket contract does not list',
  malformed_frame: 'a stream frame the copier could not read',
  ticket_changed_without_deal: 'a position changed its ticket without a deal',
};

/** A contract anomaly: loud, naming the account and the ticket, and saying that nothing was done about it. */
export function formatContractAnomaly(event: Extract<CopierEvent, { type: 'contract_anomaly' }>): string {
  const ticket = event.ticket === null ? '' : `, ticket #${event.ticket}`;
  const what = ANOMALY_WHAT[event.kind] ?? escapeHtml(String(event.kind));
  return [
    `⚠️ ${b(`Feed anomaly on ${event.accountName}`)} (${escapeHtml(event.role)}${ticket}) at ${fmtClock(event.at)} UTC: ${what}.`,
    escapeHtml(event.detail),
    `Nothing was done about it: no copy, no state changed. Check the account in its terminal; /reconcile shows what differs. Further ${escapeHtml(event.kind)} alerts for this ${event.ticket === null ? 'account' : 'ticket'} are not repeated until the copier restarts.`,
  ].join('\n');
}

export function formatDailySummary(
  event: Extract<CopierEvent, { type: 'daily_summary' }>,
  rows: Extract<CopierEvent, { type: 'daily_summary' }>['rows'],
): string {
  const lines = [`📊 ${b(`Daily summary ${event.day}`)}`];
  if (rows.length === 0) lines.push('<i>no followers</i>');
  let copied = 0;
  let skipped = 0;
  let rejected = 0;
  let profit = 0;
  for (const row of rows) {
    copied += row.copied;
    skipped += row.skipped;
    rejected += row.rejected;
    profit += row.profit;
    lines.push(
      `${b(row.followerName)}: ${row.copied} copied, ${row.skipped} skipped, ${row.rejected} rejected, P/L ${fmtMoney(row.profit)}`,
    );
  }
  if (rows.length > 1) lines.push(`Total: ${copied} copied, ${skipped} skipped, ${rejected} rejected, P/L ${fmtMoney(profit)}`);
  return lines.join('\n');
}
