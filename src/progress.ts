/**
 * A plain, readable line per CopierEvent for the terminal: the fallback front-end when no chat is attached.
 */
import type { CopierEvent, LegOutcome } from './engine/index.js';

function leg(l: LegOutcome): string {
  const parts = [`${l.followerName}: ${l.status}`];
  if (l.symbol) parts.push(l.symbol);
  if (l.volume !== null) parts.push(`${l.volume} lot`);
  if (l.price !== null) parts.push(`@ ${l.price}`);
  if (l.slippagePoints !== null) parts.push(`slip ${l.slippagePoints} pt`);
  if (l.latencyMs !== null) parts.push(`${l.latencyMs} ms`);
  if (l.reason) parts.push(`(${l.reason})`);
  return parts.join(' ');
}

export function formatProgress(event: CopierEvent): string {
  switch (event.type) {
    case 'copied': {
      const e = event.event;
      const head = `${event.masterName} ${e.kind} ${e.side ?? ''} ${e.symbol}${e.volume !== null ? ` ${e.volume}` : ''}${e.price !== null ? ` @ ${e.price}` : ''} #${e.ticket}`.replace(/\s+/g, ' ');
      return `${head} → ${event.legs.map(leg).join('; ')} [${event.elapsedMs} ms]`;
    }
    case 'leg_resolved':
      return `${event.masterName} ${event.was} leg resolved → ${leg(event.leg)}`;
    case 'reconciled': {
      const n = event.report.followers.reduce((s, f) => s + f.actions.length, 0);
      return `reconciliation (${event.trigger}): ${n === 0 ? 'clean' : event.report.followers.flatMap((f) => f.actions.map((a) => `${f.followerName} ${a.kind} ${a.symbol} #${a.masterTicket} ${a.result}`)).join('; ')}`;
    }
    case 'follower_paused':
      return `${event.followerName} PAUSED: ${event.reason} ${JSON.stringify(event.detail)}`;
    case 'connection':
      return `${event.role} ${event.accountName} connection ${event.state}${event.downMs !== null ? ` after ${Math.round(event.downMs / 1000)} s` : ''}`;
    case 'halted':
      return `COPYING HALTED: ${event.message}`;
    case 'daily_summary':
      return `daily summary ${event.day}: ${event.rows.map((r) => `${r.followerName} ${r.copied} copied, ${r.rejected} rejected`).join('; ')}`;
  }
}
