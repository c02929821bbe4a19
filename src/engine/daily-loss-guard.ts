/**
 * The follower's daily loss limit, checked on every account frame: the first frame of a UTC day records the day's
 * start balance; later frames pause the follower once its equity has lost more than its limit since then.
 */
import type { FollowerConfig } from '../domain/config.js';
import { checkDailyLoss } from '../domain/rules.js';
import type { AccountSummary } from '../domain/trading.js';
import type { CopierEvent } from './events.js';
import type { Clock, EngineState } from './ports.js';

/** What the guard reads and writes: state (the day's start balance, the pause flag) and the event bus. */
export interface DailyLossGuardDeps {
  readonly state: { readonly data: EngineState; changed(): void };
  readonly clock: Clock;
  followerConfig(id: string): FollowerConfig | undefined;
  accountName(id: string): string;
  emit(event: CopierEvent): void;
}

let lastDayNumber = Number.NaN;
let lastDay = '';

/** `YYYY-MM-DD` of an epoch-ms time in UTC, computed once per day rather than once per frame. */
export function utcDay(now: number): string {
  const n = Math.floor(now / 86_400_000);
  if (n !== lastDayNumber) {
    lastDayNumber = n;
    lastDay = new Date(n * 86_400_000).toISOString().slice(0, 10);
  }
  return lastDay;
}

/** Applies one follower account frame to its daily loss limit; emits `follower_paused` when the limit is hit. */
export function checkFollowerDay(deps: DailyLossGuardDeps, followerId: string, summary: AccountSummary): void {
  const cfg = deps.followerConfig(followerId);
  if (!cfg) return;
  const day = utcDay(deps.clock.now());
  const daily = deps.state.data.daily[followerId];
  // The day is recorded and there is nothing to check: the common case, on every account frame.
  if (daily?.day === day && (cfg.risk.dailyLossLimit === null || cfg.paused)) return;
  if (!daily || daily.day !== day) {
    deps.state.data.daily[followerId] = { day, startBalance: summary.balance };
    deps.state.changed();
    return;
  }
  const decision = checkDailyLoss(cfg.risk.dailyLossLimit, daily.startBalance, summary.equity);
  if (!decision.ok && !cfg.paused) {
    cfg.paused = true;
    cfg.pausedReason = 'daily_loss_limit';
    deps.state.changed();
    deps.emit({
      type: 'follower_paused',
      at: deps.clock.now(),
      followerId,
      followerName: deps.accountName(followerId),
      reason: 'daily_loss_limit',
      detail: { limit: cfg.risk.dailyLossLimit ?? 0, startBalance: daily.startBalance, equity: summary.equity },
    });
  }
}
