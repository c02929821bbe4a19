/**
 * PlanInputs.warmSymbols remembers which follower symbol a master symbol resolves to; the follower's symbol map is
 * edited in place by the control API, so an edit must be seen on the next event.
 */
import { describe, expect, it } from 'vitest';
import { defaultFollower } from '../../../src/domain/config.js';
import { resolveSymbol } from '../../../src/domain/symbols.js';
import type { FollowerState } from '../../../src/engine/follower-state.js';
import type { LedgerIndex } from '../../../src/engine/ledger-index.js';
import type { LinkTracker } from '../../../src/engine/link-tracker.js';
import { PlanInputs } from '../../../src/engine/plan-inputs.js';
import type { EngineState, Logger } from '../../../src/engine/ports.js';

/** Just what warmSymbols reads of a follower: its symbol list, loaded specs and margins, and the load itself. */
function follower(id: string, symbols: string[]) {
  const loaded: string[] = [];
  const f = {
    id,
    symbols,
    positions: [],
    summary: null,
    marginMode: 'Hedging',
    specs: new Map<string, unknown>(),
    marginPerLot: new Map<string, unknown>(),
    ensureSymbol(symbol: string): Promise<void> {
      loaded.push(symbol);
      f.specs.set(symbol, {});
      f.marginPerLot.set(symbol, { buy: 1, sell: 1 });
      return Promise.resolve();
    },
  };
  return { f, loaded };
}

function inputsFor(followers: Map<string, unknown>): PlanInputs {
  const log = { warn: () => undefined } as unknown as Logger;
  return new PlanInputs({
    followers: followers as unknown as ReadonlyMap<string, FollowerState>,
    ledger: { ofFollower: () => [], freshCopies: { forget: () => undefined, openCopies: () => [] } } as unknown as LedgerIndex,
    links: { retargetLinks: () => undefined } as unknown as LinkTracker,
    state: { data: { daily: {} } as unknown as EngineState },
    clock: { now: () => 0 } as never,
    log,
    options: { magic: 1, slippagePoints: 10 },
    masterSummary: () => null,
    masterPaused: () => false,
  });
}

describe('PlanInputs.warmSymbols', () => {
  it('loads the symbol a master symbol resolves to, once, and follows symbol-map edits made in place', async () => {
    const { f, loaded } = follower('f1', ['EURUSD.raw', 'EURUSD.pro', 'GBPUSD.raw']);
    const inputs = inputsFor(new Map([['f1', f]]));
    const cfg = defaultFollower('f1', ['m1']);
    await inputs.warmSymbols('EURUSD', [cfg]);
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toHaveLength(1);
    const first = loaded[0];
    // The owner maps EURUSD to the other suffix (control.ts edits the map object itself).
    const other = first === 'EURUSD.raw' ? 'EURUSD.pro' : 'EURUSD.raw';
    cfg.symbolMap['EURUSD'] = other;
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toEqual([first, other]);
    // A mapping changed to a third symbol, then removed: each is seen.
    cfg.symbolMap['EURUSD'] = 'GBPUSD.raw';
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toEqual([first, other, 'GBPUSD.raw']);
    delete cfg.symbolMap['EURUSD'];
    f.specs.delete(first as string);
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toEqual([first, other, 'GBPUSD.raw', first]);
  });

  it('follows a symbol list that was replaced', async () => {
    const { f, loaded } = follower('f1', ['XAUUSD']);
    const inputs = inputsFor(new Map([['f1', f]]));
    const cfg = defaultFollower('f1', ['m1']);
    await inputs.warmSymbols('GOLD', [cfg]);
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toEqual(['XAUUSD']);
    f.symbols = ['XAUUSD', 'EURUSDm'];
    await inputs.warmSymbols('EURUSD', [cfg]);
    expect(loaded).toEqual(['XAUUSD', 'EURUSDm']);
  });
});

describe('PlanInputs.planInput: the symbol resolution it hands the planner', () => {
  it('answers what resolveSymbol answers, through symbol-map edits made in place', () => {
    const { f } = follower('f1', ['EURUSD.raw', 'EURUSD.pro', 'XAUUSD']);
    const inputs = inputsFor(new Map([['f1', f]]));
    const cfg = defaultFollower('f1', ['m1']);
    const check = () => {
      const input = inputs.planInput(cfg);
      for (const symbol of ['EURUSD', 'GOLD', 'XAUUSD', 'GBPUSD']) {
        expect(input?.resolveSymbol?.(symbol)).toEqual(resolveSymbol(symbol, f.symbols, cfg.symbolMap));
      }
    };
    check();
    check();
    cfg.symbolMap['EURUSD'] = 'EURUSD.pro';
    check();
    cfg.symbolMap['GBPUSD'] = 'XAUUSD';
    check();
    delete cfg.symbolMap['EURUSD'];
    check();
    f.symbols = ['GBPUSDm'];
    check();
  });

  it('hands out a miss with a detail of its own (a plan may keep it)', () => {
    const { f } = follower('f1', ['XAUUSD']);
    const inputs = inputsFor(new Map([['f1', f]]));
    const cfg = defaultFollower('f1', ['m1']);
    const a = inputs.planInput(cfg)?.resolveSymbol?.('EURUSD');
    const b = inputs.planInput(cfg)?.resolveSymbol?.('EURUSD');
    expect(a).toEqual({ ok: false, reason: 'symbol_not_found', detail: { symbol: 'EURUSD' } });
    expect(a && !a.ok && b && !b.ok && a.detail !== b.detail).toBe(true);
  });
});
