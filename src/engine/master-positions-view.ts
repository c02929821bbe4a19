/**
 * The masters' open positions and pending orders as the copier's book knows them (the view a dashboard shows beside
 * the followers' copies). Read from the master feeds' books in memory: no broker call, so a dashboard refresh costs
 * the FxSocket API nothing.
 */
import type { AccountId } from '../domain/config.js';
import { sideOf } from '../domain/trading.js';
import type { MasterPositionView } from './control-types.js';
import type { CopyEngine } from './engine.js';

/** Open rows of these masters (all configured masters when `masterIds` is omitted), ordered by master then ticket. */
export function masterPositionViews(engine: CopyEngine, masterIds: readonly AccountId[]): MasterPositionView[] {
  const out: MasterPositionView[] = [];
  for (const masterId of masterIds) {
    const book = engine.masters.get(masterId)?.feed.book;
    if (book === undefined) continue;
    const masterName = engine.accountName(masterId);
    const rows: MasterPositionView[] = [];
    for (const p of book.positions.values()) {
      rows.push({
        masterId,
        masterName,
        ticket: p.position,
        symbol: p.symbol,
        side: p.side,
        kind: 'position',
        // The positions list is the broker's word on the lots; before the first list, the deals seen are.
        volume: p.listLots ?? p.dealVolume,
        openPrice: null,
        stopLoss: p.stopLoss,
        takeProfit: p.takeProfit,
      });
    }
    for (const o of book.pendings.values()) {
      rows.push({
        masterId,
        masterName,
        ticket: o.order,
        symbol: o.symbol,
        side: sideOf(o.operation),
        kind: 'pending',
        volume: o.volume,
        openPrice: o.price,
        stopLoss: o.stopLoss,
        takeProfit: o.takeProfit,
      });
    }
    rows.sort((a, b) => a.ticket - b.ticket);
    out.push(...rows);
  }
  return out;
}
