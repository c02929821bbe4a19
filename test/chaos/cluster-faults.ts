/**
 * The cluster trial's process faults, in place of the single process's kills: worker SIGKILLs (about half the moment
 * an order that worker sent reaches a follower; the worker is started again under the same FXMIRROR_WORKER_ID after
 * a short random delay), worker SIGSTOPs longer than the lease (then SIGCONT), and Redis SIGKILLed and started again
 * on the same port and directory (AOF replay). Every fault is kept with its time, so the checker can tell which
 * replies were answered to a process that could no longer report them.
 */
import type { Rng } from '../../src/sim/rng.js';
import type { ClusterProcesses } from './cluster-procs.js';
import type { Incarnation } from './copier.js';
import type { Outcome, SimRecorder } from './recorder.js';

export type ClusterFaultKind = 'kill' | 'stop' | 'redis';

/** One fault as it happened. `worker` is null for a Redis restart; `until` is the restart, SIGCONT or Redis up. */
export interface FaultRecord {
  kind: ClusterFaultKind;
  worker: string | null;
  at: number;
  until: number | null;
  onOrder: boolean;
}

/** How many of each fault a trial injects. */
export interface ClusterFaultPlan {
  kills: number;
  stops: number;
  redisRestarts: number;
}

/**
 * Event indexes at which each fault fires: spread evenly over the event phase with a seeded jitter, kinds shuffled
 * by the seed, so a given seed always gives the same schedule.
 */
export function scheduleFaults(plan: ClusterFaultPlan, events: number, rng: Rng): Map<number, ClusterFaultKind> {
  const kinds: ClusterFaultKind[] = [...Array<ClusterFaultKind>(plan.kills).fill('kill'), ...Array<ClusterFaultKind>(plan.stops).fill('stop'), ...Array<ClusterFaultKind>(plan.redisRestarts).fill('redis')];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [kinds[i], kinds[j]] = [kinds[j] as ClusterFaultKind, kinds[i] as ClusterFaultKind];
  }
  const out = new Map<number, ClusterFaultKind>();
  if (kinds.length === 0) return out;
  const span = events / kinds.length;
  kinds.forEach((kind, k) => {
    let at = Math.min(events - 1, Math.floor(span * k + span * (0.3 + 0.4 * rng.next())));
    while (out.has(at) && at < events - 1) at++;
    out.set(at, kind);
  });
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The worker a request came from: workers send `fxmirror/<version> (<worker id>)`. */
export function workerOfUserAgent(ua: string | null): string | null {
  return ua === null ? null : (/\(([A-Za-z0-9_.-]+)\)\s*$/.exec(ua)?.[1] ?? null);
}

export interface ClusterFaultDeps {
  procs: ClusterProcesses;
  recorder: SimRecorder;
  rng: Rng;
  leaseMs: number;
  progress: (line: string) => void;
  /** After each kill, and before and after a Redis restart: read the partitions' states (validity, journals). */
  afterFault: (moment: 'kill' | 'redis-before' | 'redis-after') => Promise<void>;
}

/** Injects the process faults and remembers them. */
export class ClusterFaults {
  readonly records: FaultRecord[] = [];
  readonly counts = { kills: 0, onOrderArrival: 0, survived: 0, stops: 0, redisRestarts: 0 };
  /** Workers SIGSTOPped now, or being killed and restarted. */
  private readonly busy = new Set<string>();
  private readonly stops = new Set<Promise<void>>();

  constructor(private readonly deps: ClusterFaultDeps) {}

  /** Workers up and not already under a fault. */
  private candidates(): string[] {
    return [...this.deps.procs.workers].filter(([n, p]) => p.running && !this.busy.has(n)).map(([n]) => n);
  }

  /** SIGKILLs a worker (the sender of the next follower order when `onOrder`), then starts it again. */
  async kill(onOrder: boolean): Promise<void> {
    const { procs, recorder, rng } = this.deps;
    if (this.candidates().length === 0) return;
    let victim: string | null = null;
    let atOrder = false;
    if (onOrder) {
      victim = await new Promise<string | null>((resolve) => {
        const fallback = setTimeout(() => {
          cancel();
          resolve(null);
        }, 3000);
        const cancel = recorder.onNextFollowerOrder((e) => {
          clearTimeout(fallback);
          const sender = workerOfUserAgent(recorder.userAgentOf(e));
          const p = sender === null ? undefined : procs.workers.get(sender);
          if (sender !== null && p !== undefined && p.running && !this.busy.has(sender) && p.kill('SIGKILL')) {
            atOrder = true;
            resolve(sender);
          } else resolve(null);
        });
      });
    }
    if (victim === null) {
      const list = this.candidates();
      if (list.length === 0) return;
      victim = rng.pick(list) as string;
      procs.workers.get(victim)?.kill('SIGKILL');
    }
    const proc = procs.workers.get(victim);
    if (proc === undefined) return;
    this.busy.add(victim);
    const record: FaultRecord = { kind: 'kill', worker: victim, at: Date.now(), until: null, onOrder: atOrder };
    this.records.push(record);
    this.counts.kills++;
    if (atOrder) this.counts.onOrderArrival++;
    await proc.waitExit();
    await this.deps.afterFault('kill');
    await sleep(200 + rng.int(1300));
    proc.start();
    record.until = Date.now();
    this.counts.survived++;
    this.busy.delete(victim);
    this.deps.progress(`chaos: ${victim} SIGKILLed${atOrder ? ' as an order reached a follower' : ''}, restarted after ${record.until - record.at} ms`);
  }

  /** SIGSTOPs a worker for longer than the lease, then SIGCONTs it; runs beside the other faults. */
  stop(): void {
    const list = this.candidates();
    if (list.length === 0) return;
    const victim = this.deps.rng.pick(list) as string;
    const pid = this.deps.procs.workers.get(victim)?.incarnation?.pid;
    if (pid === undefined) return;
    const ms = this.deps.leaseMs + 1000 + this.deps.rng.int(3000);
    this.busy.add(victim);
    const record: FaultRecord = { kind: 'stop', worker: victim, at: Date.now(), until: null, onOrder: false };
    process.kill(pid, 'SIGSTOP');
    this.records.push(record);
    this.counts.stops++;
    const task = (async () => {
      await sleep(ms);
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // It was killed meanwhile (it cannot be: it is busy), or exited.
      }
      record.until = Date.now();
      this.busy.delete(victim);
      this.deps.progress(`chaos: ${victim} SIGSTOPped for ${ms} ms (lease ${this.deps.leaseMs} ms), SIGCONT`);
    })();
    this.stops.add(task);
    void task.finally(() => this.stops.delete(task));
  }

  /** SIGKILLs redis-server and starts it again on the same port and directory after `downMs`. */
  async restartRedis(downMs: number): Promise<void> {
    const server = this.deps.procs.redisServer;
    if (server === null) return;
    await this.deps.afterFault('redis-before');
    const record: FaultRecord = { kind: 'redis', worker: null, at: Date.now(), until: null, onOrder: false };
    this.records.push(record);
    await server.restart(downMs);
    record.until = Date.now();
    this.counts.redisRestarts++;
    this.deps.progress(`chaos: Redis SIGKILLed, back on port ${server.port} after ${record.until - record.at} ms (AOF replayed)`);
    await sleep(500);
    await this.deps.afterFault('redis-after');
  }

  /** Waits for every SIGSTOP to be over. */
  async settled(): Promise<void> {
    await Promise.all([...this.stops]);
  }

  /**
   * The run of the worker that sent an outcome's request, as the checker needs it: a SIGSTOP past the lease or a
   * Redis kill after the send ends that run for the partitions (its writes are fenced or lost, the new owner settles
   * the leg), as a SIGKILL does.
   */
  incarnationOf(o: Outcome): Incarnation | undefined {
    const name = workerOfUserAgent(o.userAgent);
    const proc = name === null ? undefined : this.deps.procs.workers.get(name);
    const inc = proc?.incarnations.find((i) => i.startedAt <= o.sentAt && (i.endedAt === null || i.endedAt >= o.sentAt));
    if (inc === undefined) return undefined;
    const cuts = this.records
      .filter((r) => (r.kind === 'redis' || (r.kind === 'stop' && r.worker === name)) && r.at >= o.sentAt && (inc.endedAt === null || r.at <= inc.endedAt))
      .map((r) => r.at);
    if (cuts.length === 0) return inc;
    return { ...inc, endedAt: Math.min(...cuts), killedByRunner: true };
  }
}
