import { Rng } from './rng.js';

/**
 * Fault switches for one account, changeable at run time. Probabilities are drawn from a seeded RNG per account,
 * so a run with the same seed and the same request sequence injects the same faults.
 */
export interface FaultConfig {
  /** Added to every terminal REST call and batch leg of this account, in real milliseconds. */
  latencyMs?: number;
  /** Uniform extra latency in [0, jitterMs). */
  jitterMs?: number;
  /** Terminal (re)starting for this many sim-clock ms from now: trading routes 503, `/status` "starting", batch legs `unavailable`. */
  startingForMs?: number;
  /** The next N trading calls (OrderSend/Modify/Close/CloseAll) execute, then answer 504 MRPC_TIMEOUT. */
  timeout504Executed?: number;
  /** Probability that a trading call executes and then answers 504 MRPC_TIMEOUT. */
  timeout504Rate?: number;
  /** Batch legs that execute and then report `timeout`: an integer >= 1 is a count of next legs, a value in (0,1) a probability. */
  batchLegTimeoutAfterExecute?: number;
  /** Probability that a terminal REST call fails with a 5xx before doing anything. */
  error5xxRate?: number;
  /** true: always the `MRPC` envelope (500); false: always envelope-less (502/503); undefined: either. */
  error5xxEnvelope?: boolean;
  /** Drop the next N WebSocket frames to this account's sockets, then send `{"type":"warning","dropped":N}`. */
  dropFramesNext?: number;
  /** Trade frames arrive degraded (`degraded: true`, entry `Unknown`, P&L/magic/comment zeroed). MT5 only (§4.5). */
  degradeTrades?: boolean;
  /** Symbols this account's terminal treats as closed (10018), whatever the sessions say. */
  closedSymbols?: string[];
  /** AutoTrading off: orders rejected with 10027 and `terminal` frames say `tradeAllowed: false`. */
  tradeAllowed?: boolean;
}

/** Kinds counted in `sim.stats().faults`. */
export type FaultKind =
  | 'latency'
  | 'starting'
  | 'timeout504'
  | 'batchLegTimeout'
  | 'error5xx'
  | 'droppedFrame'
  | 'degradedTrade'
  | 'marketClosed'
  | 'droppedConnection';

/** Live fault state of one account. */
export class AccountFaults {
  config: FaultConfig = {};
  #timeout504Left = 0;
  #legTimeoutLeft = 0;
  dropFramesLeft = 0;
  readonly #rng: Rng;

  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }

  /** Merges switches; counters given here restart from the given value. */
  set(patch: FaultConfig): void {
    this.config = { ...this.config, ...patch };
    if (patch.timeout504Executed !== undefined) this.#timeout504Left = Math.max(0, Math.floor(patch.timeout504Executed));
    if (patch.batchLegTimeoutAfterExecute !== undefined && patch.batchLegTimeoutAfterExecute >= 1) {
      this.#legTimeoutLeft = Math.floor(patch.batchLegTimeoutAfterExecute);
    }
    if (patch.dropFramesNext !== undefined) this.dropFramesLeft = Math.max(0, Math.floor(patch.dropFramesNext));
  }

  clear(): void {
    this.config = {};
    this.#timeout504Left = 0;
    this.#legTimeoutLeft = 0;
    this.dropFramesLeft = 0;
  }

  /** Real ms to wait before answering; 0 when no latency is configured. */
  latency(): number {
    const base = this.config.latencyMs ?? 0;
    const jitter = this.config.jitterMs ?? 0;
    if (base <= 0 && jitter <= 0) return 0;
    return Math.max(0, base + (jitter > 0 ? this.#rng.range(0, jitter) : 0));
  }

  /** Whether this trading call should execute and then time out (consumes a count). */
  take504(): boolean {
    if (this.#timeout504Left > 0) {
      this.#timeout504Left--;
      return true;
    }
    return this.#rng.chance(this.config.timeout504Rate ?? 0);
  }

  /** Whether this batch leg should execute and then report `timeout` (consumes a count). */
  takeLegTimeout(): boolean {
    if (this.#legTimeoutLeft > 0) {
      this.#legTimeoutLeft--;
      return true;
    }
    const p = this.config.batchLegTimeoutAfterExecute ?? 0;
    return p > 0 && p < 1 && this.#rng.chance(p);
  }

  /** A random 5xx for this call, or undefined. */
  take5xx(): { status: number; envelope: boolean } | undefined {
    if (!this.#rng.chance(this.config.error5xxRate ?? 0)) return undefined;
    const envelope = this.config.error5xxEnvelope ?? this.#rng.chance(0.5);
    return envelope ? { status: 500, envelope: true } : { status: this.#rng.chance(0.5) ? 502 : 503, envelope: false };
  }
}
