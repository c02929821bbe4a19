/**
 * Read-only views of the running engine for the control API: the followers' open rows with the master position each
 * copies, and the status summary. Plain data, built from the caches and the ledger without any broker call.
 */
import type { AccountId } from '../domain/config.js';
import { isCopyOrder, parseCopyComment } from '../domain/tags.js';
import { sideOf } from '../domain/trading.js';
import type { PositionView, StatusView } from './control-types.js';
import type { CopyEngine } from './engine.js';

/** The open rows of these followers, each with the master position it copies (from the ledger, else its tag). */
export function positionViews(engine: CopyEngine, followerIds: readonly AccountId[]): PositionView[] {
  const out: PositionView[] = [];
  for (const id of followerIds) {
    const f = engine.followers.get(id);
    if (!f) continue;
    const links = engine.ledger.ofFollower(id);
    for (const row of f.positions) {
      const link = links.find((l) => l.followerTicket === row.ticket && l.status === 'open');
      const tag = isCopyOrder(row, engine.options.magic) ? parseCopyComment(row.comment) : null;
      out.push({
        followerId: id,
        followerName: engine.accountName(id),
        ticket: row.ticket,
        symbol: row.symbol,
        side: sideOf(row.type),
        kind: row.kind === 'Pending' ? 'pending' : 'position',
        volume: row.lots,
        openPrice: row.openPrice,
        stopLoss: row.stopLoss,
        takeProfit: row.takeProfit,
        profit: row.profit,
        masterId: link?.masterId ?? null,
        masterTicket: link?.masterTicket ?? tag?.masterTicket ?? null,
      });
    }
  }
  return out;
}

/** Masters, followers, copy lag and pending legs as `/status` shows them. */
export function statusView(e: CopyEngine): StatusView {
  const data = e.state.data;
  const lastEvents = [...e.masters.values()].map((m) => m.feed.lastEventAt).filter((t): t is number => t !== null);
  return {
    startedAt: e.startedAt,
    paused: data.masters.length > 0 && data.masters.every((m) => m.paused),
    halted: e.halted,
    masters: data.masters.map((m) => ({
      id: m.accountId,
      name: e.accountName(m.accountId),
      paused: m.paused,
      streaming: e.masters.get(m.accountId)?.feed.streaming ?? false,
      lastEventAt: e.masters.get(m.accountId)?.feed.lastEventAt ?? null,
    })),
    followers: data.followers.map((f) => ({
      id: f.accountId,
      name: e.accountName(f.accountId),
      paused: f.paused,
      pausedReason: f.pausedReason,
      streaming: e.followers.get(f.accountId)?.streaming ?? false,
      masters: [...f.masters],
      openCopies: e.ledger.ofFollower(f.accountId).filter((l) => l.status === 'open').length,
    })),
    copyLagMs: { p50: e.metrics.copyLagMs.quantile(0.5), p99: e.metrics.copyLagMs.quantile(0.99), samples: e.metrics.copyLagMs.size },
    lastMasterEventAt: lastEvents.length > 0 ? Math.max(...lastEvents) : null,
    pendingLegs: data.pending.length,
  };
}
