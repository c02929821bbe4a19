import type { SimAccount } from './broker/account.js';
import { AccountFaults } from './faults.js';
import type { AccountStatus } from './types.js';

/**
 * An account as FxSocket hosts it: the broker-side account plus its cloud terminal's lifecycle (provisioning,
 * start-up, reachability) and its fault switches.
 */
export class Terminal {
  readonly account: SimAccount;
  readonly faults: AccountFaults;
  readonly createdAtMs: number;
  /** Sim-clock instant at which `connecting` turns `connected`. */
  connectAtMs: number;
  /** Sim-clock instant until which the trade EA is not ready (503 on trading routes). */
  startingUntilMs: number;
  /** Sticky status set by hand (`disconnected`/`error`); undefined = derived from the clock. */
  statusOverride: AccountStatus | undefined;
  tradeEaSymbol: string;
  deleted = false;

  constructor(
    account: SimAccount,
    opts: { createdAtMs: number; connectDelayMs: number; startMs: number; faultSeed: number; status?: AccountStatus; tradeEaSymbol?: string },
  ) {
    this.account = account;
    this.faults = new AccountFaults(opts.faultSeed);
    this.createdAtMs = opts.createdAtMs;
    this.connectAtMs = opts.createdAtMs + opts.connectDelayMs;
    this.startingUntilMs = this.connectAtMs + opts.startMs;
    this.statusOverride = opts.status === 'connected' || opts.status === 'connecting' ? undefined : opts.status;
    if (opts.status === 'connecting' && opts.connectDelayMs === 0) this.connectAtMs = Infinity;
    this.tradeEaSymbol = opts.tradeEaSymbol ?? '';
  }

  get id(): string {
    return this.account.id;
  }

  status(nowMs: number): AccountStatus {
    if (this.statusOverride) return this.statusOverride;
    return nowMs >= this.connectAtMs ? 'connected' : 'connecting';
  }

  reachable(nowMs: number): boolean {
    return !this.deleted && this.status(nowMs) === 'connected';
  }

  starting(nowMs: number): boolean {
    return nowMs < this.startingUntilMs;
  }

  /** Path prefix of this terminal under the simulator's origin (`/mt5/<id>` or `/mt4/<id>`). */
  get pathPrefix(): string {
    return `/${this.account.platform}/${this.account.id}`;
  }
}
