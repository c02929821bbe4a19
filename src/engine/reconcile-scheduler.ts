/**
 * When reconciliation runs in the background: on a period, and shortly after a (re)connect or a warning, with bursts
 * of those coalesced into one run. The runs themselves are reconciler.ts's.
 */
import type { Clock, Logger } from './ports.js';

/** What the scheduler needs: a clock, the run itself, and the engine's background tracking. */
export interface ReconcileSchedulerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  /** Reconciliation period; 0 disables the timer. */
  readonly intervalMs: number;
  run(trigger: 'timer' | 'connect' | 'warning'): Promise<unknown>;
  /** Registers a background promise so `idle()` and `stop()` wait for it. */
  track(p: Promise<unknown>): void;
  isStopped(): boolean;
}

/** The periodic timer and the coalesced on-demand trigger of reconciliation. */
export class ReconcileScheduler {
  private timer: { cancel(): void } | null = null;
  private requested = false;
  private followUp: { cancel(): void } | null = null;

  constructor(private readonly deps: ReconcileSchedulerDeps) {}

  /** Arms the next periodic run (each run re-arms the timer when it ends). */
  schedule(): void {
    const { deps } = this;
    if (deps.intervalMs <= 0 || deps.isStopped()) return;
    this.timer = deps.clock.setTimeout(() => {
      deps.track(
        deps
          .run('timer')
          .catch((e: unknown) => deps.log.error({ err: String(e) }, 'reconciliation failed'))
          .finally(() => this.schedule()),
      );
    }, deps.intervalMs);
  }

  /** Cancels the periodic timer (stop). */
  cancel(): void {
    this.timer?.cancel();
    this.followUp?.cancel();
  }

  /** One more run after `delayMs` (a run that left tickets to the stream checks them again); coalesced. */
  requestFollowUp(delayMs: number): void {
    const { deps } = this;
    if (this.followUp !== null || deps.isStopped()) return;
    this.followUp = deps.clock.setTimeout(() => {
      this.followUp = null;
      deps.track(deps.run('timer').catch((e: unknown) => deps.log.error({ err: String(e) }, 'reconciliation failed')));
    }, delayMs);
  }

  /** Coalesces reconnect/warning triggers into one run shortly after. */
  request(trigger: 'connect' | 'warning'): void {
    const { deps } = this;
    if (this.requested || deps.isStopped()) return;
    this.requested = true;
    deps.clock.setTimeout(() => {
      this.requested = false;
      deps.track(deps.run(trigger).catch((e: unknown) => deps.log.error({ err: String(e) }, 'reconciliation failed')));
    }, 250);
  }
}
