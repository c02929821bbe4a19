/**
 * Watches the cluster's consumer groups from outside (XINFO GROUPS on the master stream and on the alerts stream,
 * pipelined, every few ms): the largest lag (entries not yet read by a group) and pending count (read, not yet
 * acknowledged) seen, and whether everything is read and acknowledged — which is when the cluster has finished with a
 * master event (state written, alerts published and posted by the control process).
 */
import type { Redis } from 'ioredis';
import { sleep } from './stats.js';

/** One group's reading. `lag` is null when Redis cannot tell (it can after trimming). */
export interface GroupReading {
  stream: 'master' | 'alerts';
  group: string;
  pending: number;
  lag: number | null;
}

/** The largest values seen since the last `resetMax`, and the last reading. */
export interface LagSummary {
  maxLag: number;
  maxPending: number;
  maxAlertsPending: number;
  endLag: number;
  endPending: number;
  samples: number;
}

function parseGroups(raw: unknown, stream: GroupReading['stream']): GroupReading[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((g: unknown[]) => {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
    const lag = info.get('lag');
    return { stream, group: String(info.get('name')), pending: Number(info.get('pending') ?? 0), lag: lag === null || lag === undefined ? null : Number(lag) };
  });
}

export class StreamLagMonitor {
  private running = false;
  private loop: Promise<void> | null = null;
  private last: { at: number; groups: GroupReading[] } = { at: 0, groups: [] };
  private max = { lag: 0, pending: 0, alertsPending: 0, samples: 0 };
  /** XINFO GROUPS calls this monitor made: subtracted from the cluster's Redis calls. */
  xinfoCalls = 0;

  constructor(
    private readonly redis: Redis,
    private readonly keys: { masterStream: string; alerts: string; expectedGroups: number },
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  resetMax(): void {
    this.max = { lag: 0, pending: 0, alertsPending: 0, samples: 0 };
  }

  private async sample(): Promise<void> {
    const res = await this.redis.pipeline().xinfo('GROUPS', this.keys.masterStream).xinfo('GROUPS', this.keys.alerts).exec();
    this.xinfoCalls += 2;
    const at = performance.now();
    const groups = [...parseGroups(res?.[0]?.[1], 'master'), ...parseGroups(res?.[1]?.[1], 'alerts')];
    this.last = { at, groups };
    this.max.samples++;
    for (const g of groups) {
      if (g.stream === 'master') {
        this.max.lag = Math.max(this.max.lag, g.lag ?? 0);
        this.max.pending = Math.max(this.max.pending, g.pending);
      } else this.max.alertsPending = Math.max(this.max.alertsPending, g.pending + (g.lag ?? 0));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      // A stream not made yet (no master frame relayed so far) answers an error: nothing to read then.
      await this.sample().catch(() => undefined);
      await sleep(this.intervalMs);
    }
  }

  private idleIn(groups: readonly GroupReading[]): boolean {
    const master = groups.filter((g) => g.stream === 'master');
    return master.length >= this.keys.expectedGroups && groups.every((g) => g.pending === 0 && (g.lag ?? 0) === 0);
  }

  /** Resolves once a reading taken after this call shows every group read and acknowledged; false on timeout. */
  async waitIdle(timeoutMs: number): Promise<boolean> {
    const since = performance.now();
    while (performance.now() - since < timeoutMs) {
      if (this.last.at > since && this.idleIn(this.last.groups)) return true;
      await sleep(this.intervalMs / 2);
    }
    return false;
  }

  summary(): LagSummary {
    const master = this.last.groups.filter((g) => g.stream === 'master');
    return {
      maxLag: this.max.lag,
      maxPending: this.max.pending,
      maxAlertsPending: this.max.alertsPending,
      endLag: master.reduce((a, g) => Math.max(a, g.lag ?? 0), 0),
      endPending: master.reduce((a, g) => Math.max(a, g.pending), 0),
      samples: this.max.samples,
    };
  }
}
