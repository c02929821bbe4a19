import { isBuy } from './broker/symbols.js';
import { floorToStep, toLots, toUnits } from './broker/volume.js';
import { Rng } from './rng.js';
import type { Simulator } from './simulator.js';
import type { OpenedOrder } from './types.js';

/** Options of the demo trader. */
export interface DemoTraderOptions {
  /** Account id or nickname to trade on. Default `master`. */
  accountId?: string;
  /** Real ms between actions. Default 3000. */
  intervalMs?: number;
  seed?: number;
  /** Upper bound on open rows before it only reduces. Default 8. */
  maxOpen?: number;
}

type Action = 'open' | 'sltp' | 'partial' | 'close' | 'placePending' | 'movePending' | 'deletePending';

/**
 * Drives an account like a discretionary trader would: market orders on several symbols, SL/TP moves, partial
 * and full closes, pending orders placed, moved and deleted. Seeded; acts only on symbols whose market is open.
 */
export class DemoTrader {
  autoStart = false;
  readonly #rng: Rng;
  readonly #intervalMs: number;
  readonly #accountId: string;
  readonly #maxOpen: number;
  #timer: NodeJS.Timeout | undefined;
  actions = 0;

  constructor(
    readonly sim: Simulator,
    opts: DemoTraderOptions & { seed: number },
  ) {
    this.#rng = new Rng(opts.seed);
    this.#intervalMs = opts.intervalMs ?? 3000;
    this.#accountId = opts.accountId ?? 'master';
    this.#maxOpen = opts.maxOpen ?? 8;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.step(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One action (also callable directly from tests). Returns what it tried, or undefined when nothing fit. */
  step(): Action | undefined {
    const t = this.sim.terminal(this.#accountId);
    if (!t) return undefined;
    const acc = t.account;
    const open = [...acc.broker.symbols.values()].filter((s) => acc.marketOpen(s) && s.bid > 0);
    if (open.length === 0) return undefined;
    const rows = acc.opened();
    const positions = rows.filter((r) => r.kind === 'Position' && open.some((s) => s.name === r.symbol));
    const pendings = rows.filter((r) => r.kind === 'Pending' && open.some((s) => s.name === r.symbol));
    const choices: Action[] = [];
    if (rows.length < this.#maxOpen) choices.push('open', 'open', 'open', 'placePending');
    if (positions.length > 0) choices.push('sltp', 'partial', 'close', 'close');
    if (pendings.length > 0) choices.push('movePending', 'deletePending');
    const action = this.#rng.pick(choices);
    if (!action) return undefined;
    this.actions++;
    const pickRow = (list: OpenedOrder[]): OpenedOrder | undefined => this.#rng.pick(list);
    switch (action) {
      case 'open': {
        const sym = this.#rng.pick(open);
        if (!sym) return undefined;
        const steps = 1 + this.#rng.int(10);
        const volume = toLots(Math.min(sym.rules.maxUnits, sym.rules.minUnits + (steps - 1) * sym.rules.stepUnits));
        const buy = this.#rng.chance(0.5);
        const dist = (100 + this.#rng.int(400)) * sym.point * (sym.spec.calcMode === 'CFD' ? 10 : 1);
        const withStops = this.#rng.chance(0.6);
        acc.send({
          symbol: sym.name,
          operation: buy ? 'Buy' : 'Sell',
          volume,
          ...(withStops ? { stopLoss: buy ? sym.bid - dist : sym.ask + dist, takeProfit: buy ? sym.bid + dist * 1.5 : sym.ask - dist * 1.5 } : {}),
          comment: 'demo',
        });
        break;
      }
      case 'sltp': {
        const r = pickRow(positions);
        const sym = r && acc.symbol(r.symbol);
        if (!r || !sym) return undefined;
        const buy = isBuy(r.type);
        const dist = (80 + this.#rng.int(300)) * sym.point * (sym.spec.calcMode === 'CFD' ? 10 : 1);
        acc.modify({ ticket: r.ticket, stopLoss: buy ? sym.bid - dist : sym.ask + dist, takeProfit: buy ? sym.bid + dist * 2 : sym.ask - dist * 2 });
        break;
      }
      case 'partial': {
        const r = pickRow(positions);
        const sym = r && acc.symbol(r.symbol);
        if (!r || !sym) return undefined;
        const half = floorToStep(Math.floor(toUnits(r.lots) / 2), sym.rules.stepUnits);
        if (half < sym.rules.minUnits) acc.close({ ticket: r.ticket });
        else acc.close({ ticket: r.ticket, volume: toLots(half) });
        break;
      }
      case 'close': {
        const r = pickRow(positions);
        if (!r) return undefined;
        acc.close({ ticket: r.ticket });
        break;
      }
      case 'placePending': {
        const sym = this.#rng.pick(open);
        if (!sym) return undefined;
        const gap = (150 + this.#rng.int(500)) * sym.point * (sym.spec.calcMode === 'CFD' ? 10 : 1);
        const kinds = ['BuyLimit', 'SellLimit', 'BuyStop', 'SellStop'] as const;
        const op = kinds[this.#rng.int(kinds.length)] ?? 'BuyLimit';
        const price = op === 'BuyLimit' || op === 'SellStop' ? sym.bid - gap : sym.ask + gap;
        acc.send({ symbol: sym.name, operation: op, volume: toLots(sym.rules.minUnits), price, comment: 'demo pending' });
        break;
      }
      case 'movePending': {
        const r = pickRow(pendings);
        const sym = r && acc.symbol(r.symbol);
        if (!r || !sym) return undefined;
        const nudge = (this.#rng.chance(0.5) ? 1 : -1) * (20 + this.#rng.int(80)) * sym.point;
        acc.modify({ ticket: r.ticket, price: r.openPrice + nudge });
        break;
      }
      case 'deletePending': {
        const r = pickRow(pendings);
        if (!r) return undefined;
        acc.close({ ticket: r.ticket });
        break;
      }
    }
    return action;
  }
}
