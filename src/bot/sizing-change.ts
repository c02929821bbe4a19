/**
 * What a sizing change would do, as every front-end shows it before applying: the preview of the last master trades
 * under the new setting (ControlApi.previewSizing) and whether it makes lots larger (then it needs confirmation).
 * Shared by the chat's /multiplier and /sizing and the Mini App, so both ask in exactly the same cases.
 */
import type { AccountId, Sizing } from '../domain/config.js';
import type { ControlApi, SizingPreviewRow } from '../engine/control-types.js';

/** How many past master trades a sizing preview shows. */
export const SIZING_PREVIEW_TRADES = 10;

/** A proposed sizing change and its effect. */
export interface SizingProposal {
  before: Sizing;
  next: Sizing;
  /** The follower already uses `next`: nothing to do. */
  unchanged: boolean;
  /** Lots would be larger on some recent trade (or cannot be compared): ask for confirmation first. */
  grows: boolean;
  /** The recent master trades under `next` (empty when unchanged). */
  rows: SizingPreviewRow[];
}

function param(s: Sizing): number {
  return s.mode === 'fixed' ? s.lots : s.mode === 'risk_percent' ? s.percent : s.multiplier;
}

/** The sizing `/multiplier <x>` means: the ratio modes keep their mode and take `x`; other modes become a multiplier. */
export function multiplierSizing(current: Sizing, x: number): Sizing {
  return current.mode === 'multiplier' || current.mode === 'balance_ratio' || current.mode === 'equity_ratio'
    ? { mode: current.mode, multiplier: x }
    : { mode: 'multiplier', multiplier: x };
}

/** Previews `next` for the follower and decides whether it grows lots. Throws the control API's refusals. */
export async function proposeSizing(control: Pick<ControlApi, 'follower' | 'previewSizing'>, followerId: AccountId, next: Sizing): Promise<SizingProposal> {
  const before = control.follower(followerId).sizing;
  if (JSON.stringify(before) === JSON.stringify(next)) return { before, next, unchanged: true, grows: false, rows: [] };
  const rows = await control.previewSizing(followerId, next, SIZING_PREVIEW_TRADES);
  let grows: boolean;
  if (before.mode === next.mode) {
    grows = param(next) > param(before);
  } else {
    // Different modes cannot be compared by their numbers: compare the lots they give on the same trades.
    const rowsBefore = await control.previewSizing(followerId, before, SIZING_PREVIEW_TRADES);
    const lots = new Map(rowsBefore.map((r) => [r.masterTicket, r.volume ?? 0]));
    grows = rows.length === 0 || rows.some((r) => (r.volume ?? 0) > (lots.get(r.masterTicket) ?? 0));
  }
  return { before, next, unchanged: false, grows, rows };
}
