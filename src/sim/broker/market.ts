import type { Rng } from '../rng.js';
import type { InstrumentSpec } from './spec.js';
import type { SimSymbol } from './symbol.js';

interface InstrumentState {
  spec: InstrumentSpec;
  mid: number;
  symbols: SimSymbol[];
}

/**
 * The shared market: one mid price per instrument, from which every broker symbol derives its quote. `version`
 * changes whenever any price moves, so accounts can cache floating P&L per version.
 */
export class Market {
  version = 0;
  /** When true, sessions are ignored (always open); the per-symbol closed toggles still apply. */
  alwaysOpen = false;
  readonly #instruments = new Map<string, InstrumentState>();
  #usdPer = new Map<string, number>();
  #usdPerVersion = -1;

  constructor(instruments: readonly InstrumentSpec[]) {
    for (const spec of instruments) this.#instruments.set(spec.name, { spec, mid: spec.price, symbols: [] });
  }

  hasInstrument(name: string): boolean {
    return this.#instruments.has(name);
  }

  register(sym: SimSymbol): void {
    const inst = this.#instruments.get(sym.spec.instrument);
    if (!inst) throw new Error(`symbol ${sym.spec.name}: unknown instrument ${sym.spec.instrument}`);
    inst.symbols.push(sym);
  }

  unregister(sym: SimSymbol): void {
    const inst = this.#instruments.get(sym.spec.instrument);
    if (inst) inst.symbols = inst.symbols.filter((s) => s !== sym);
  }

  mid(name: string): number {
    return this.#instruments.get(name)?.mid ?? 0;
  }

  instrumentNames(): string[] {
    return [...this.#instruments.keys()];
  }

  /** Sets an instrument's mid and requotes its symbols; returns the symbols that changed. */
  setMid(name: string, mid: number, nowMs: number): SimSymbol[] {
    const inst = this.#instruments.get(name);
    if (!inst) throw new Error(`unknown instrument ${name}`);
    inst.mid = mid;
    this.version++;
    for (const s of inst.symbols) s.requote(mid, nowMs);
    return inst.symbols;
  }

  /** Marks a hand-set quote of one symbol as a price change. */
  touched(): void {
    this.version++;
  }

  /** One random-walk step of every instrument; returns the symbols requoted. */
  step(rng: Rng, nowMs: number): SimSymbol[] {
    const changed: SimSymbol[] = [];
    for (const inst of this.#instruments.values()) {
      inst.mid = inst.mid * (1 + inst.spec.volatility * rng.gauss());
      for (const s of inst.symbols) {
        s.requote(inst.mid, nowMs);
        changed.push(s);
      }
    }
    this.version++;
    return changed;
  }

  /** US dollars per one unit of a currency, from the FX instruments' mids. */
  usdPer(ccy: string): number {
    if (ccy === 'USD') return 1;
    if (this.#usdPerVersion !== this.version) {
      this.#usdPer = new Map();
      this.#usdPerVersion = this.version;
    }
    const cached = this.#usdPer.get(ccy);
    if (cached !== undefined) return cached;
    let rate = NaN;
    for (const { spec, mid } of this.#instruments.values()) {
      if (spec.base === ccy && spec.quote === 'USD') rate = mid;
      else if (spec.quote === ccy && spec.base === 'USD') rate = 1 / mid;
      if (!Number.isNaN(rate)) break;
    }
    if (Number.isNaN(rate)) throw new Error(`no conversion rate for ${ccy}`);
    this.#usdPer.set(ccy, rate);
    return rate;
  }

  convert(amount: number, from: string, to: string): number {
    if (from === to || amount === 0) return amount;
    return (amount * this.usdPer(from)) / this.usdPer(to);
  }
}
