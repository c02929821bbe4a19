/**
 * A worker process: divides the partitions and master feeds with the other live workers (rendezvous hashing over the
 * registry, settled by leases), runs a PartitionRunner per partition it holds and a MasterRelay per feed it holds,
 * and follows the control process's configuration within one poll.
 *
 * Leases are renewed on a timer of their own, never behind the balancing: a hand-over can take as long as the
 * partition's running batch, and the worker's other leases must not run down meanwhile (the fence would then refuse
 * its own batches). Hand-overs run in the background; the partition's lease is renewed until the runner releases it.
 * A lease that cannot be renewed in time is given up locally (the runner abandons the partition) before anyone else
 * can be granted it; see lease.ts and docs/scaling.md for the timing argument.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EngineOptions } from '../engine/index.js';
import type { BrokerPort, Clock, Logger } from '../engine/ports.js';
import type { ClusterConfig } from './config.js';
import { readConfig, readConfigVersion } from './config-doc.js';
import type { ConfigDocument } from './config-doc.js';
import { FollowerViewPublisher } from './follower-views.js';
import type { FollowerViewSource } from './follower-views.js';
import { clusterKeys } from './keys.js';
import type { ClusterKeys } from './keys.js';
import { Lease } from './lease.js';
import { MasterRelay } from './master-relay.js';
import { affinity, preferredPartitions } from './partitioning.js';
import { PartitionRunner } from './partition-runner.js';
import { pruneHeartbeats, readHeartbeats, writeHeartbeat } from './registry.js';
import type { Heartbeat } from './registry.js';
import { buildVersion } from './version.js';

export interface WorkerDeps {
  redis: Redis;
  broker: BrokerPort;
  cluster: ClusterConfig;
  clock: Clock;
  log: Logger;
  engineOptions: Partial<EngineOptions>;
}

interface Held<T> {
  lease: Lease;
  value: T;
  ready: Promise<void>;
  /** Set while the partition is being handed over: its lease is still ours and still renewed. */
  leaving?: Promise<void>;
}

let defaultName: string | null = null;

/** The worker's id: FXMIRROR_WORKER_ID, else host, pid and a random suffix (one per process). */
export function workerName(cluster: ClusterConfig): string {
  if (cluster.workerId !== null) return cluster.workerId;
  defaultName ??= `${hostname().replace(/[^A-Za-z0-9_.-]/g, '') || 'host'}-${process.pid}-${randomBytes(3).toString('hex')}`;
  return defaultName;
}

export class ClusterWorker {
  readonly id: string;
  readonly version = buildVersion();
  private readonly keys: ClusterKeys;
  private readonly partitions = new Map<number, Held<PartitionRunner>>();
  private readonly feeds = new Map<string, Held<MasterRelay>>();
  private config: ConfigDocument | null = null;
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private renewing = false;
  private stopped = false;
  private refused: string | null = null;
  private readonly startedAt = Date.now();
  private readonly views: FollowerViewPublisher;

  constructor(private readonly deps: WorkerDeps) {
    this.keys = clusterKeys(deps.cluster.prefix);
    this.id = workerName(deps.cluster);
    this.views = new FollowerViewPublisher(deps.redis, this.keys.followerViews);
  }

  private get timing() {
    return { ttlMs: this.deps.cluster.leaseMs, renewMs: this.deps.cluster.renewMs };
  }

  heldPartitions(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  heldFeeds(): string[] {
    return [...this.feeds.keys()].sort();
  }

  async start(): Promise<void> {
    await this.tick();
    this.renewTimer = setInterval(() => void this.renewAll(), this.deps.cluster.renewMs);
    this.timer = setInterval(() => void this.tick(), this.deps.cluster.renewMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.partitions.values()].map(async (h) => {
      await h.ready.catch(() => undefined);
      await h.value.stop();
    }));
    if (this.renewTimer !== null) clearInterval(this.renewTimer);
    await Promise.all([...this.feeds.values()].map(async (h) => {
      await h.value.stop();
      await h.lease.release();
    }));
    await this.deps.redis.hdel(this.keys.workers, this.id).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.followConfig();
      const beats = await readHeartbeats(this.deps.redis, this.keys.workers);
      await this.heartbeat();
      if (this.config === null || this.refused !== null) return;
      const now = Date.now();
      const live = beats.filter((b) => now - b.at < this.deps.cluster.leaseMs && b.version === this.version && b.refused === null).map((b) => b.id);
      await this.balancePartitions(live);
      await this.balanceFeeds(live);
      await pruneHeartbeats(this.deps.redis, this.keys.workers, beats, now, this.deps.cluster.leaseMs * 20);
      await this.publishViews();
    } catch (error) {
      this.deps.log.warn({ worker: this.id, err: String(error) }, 'worker tick failed (Redis unreachable?); leases are kept only until their deadline');
    } finally {
      this.ticking = false;
    }
  }

  /** Renews every lease; a lost one stops its partition or relay at once. */
  private async renewAll(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      await this.renewEach();
    } catch (error) {
      this.deps.log.warn({ worker: this.id, err: String(error) }, 'lease renewal failed');
    } finally {
      this.renewing = false;
    }
  }

  private async renewEach(): Promise<void> {
    await Promise.all([
      ...[...this.partitions].map(async ([p, h]) => {
        // Released by its hand-over just now: nothing lost.
        if (h.leaving !== undefined && h.lease.token === null) return;
        const ok = await h.lease.renew();
        if (!ok && !h.lease.held) {
          this.partitions.delete(p);
          await h.value.abandon('lease lost');
        }
      }),
      ...[...this.feeds].map(async ([m, h]) => {
        const ok = await h.lease.renew();
        if (!ok && !h.lease.held) {
          this.feeds.delete(m);
          this.deps.log.warn({ masterId: m }, 'master feed lease lost; relay stopped');
          await h.value.stop();
        }
      }),
    ]);
  }

  private async followConfig(): Promise<void> {
    const version = await readConfigVersion(this.deps.redis, this.keys.config);
    if (version === null || version === this.config?.version) return;
    const doc = await readConfig(this.deps.redis, this.keys.config);
    if (doc === null) return;
    if (doc.writer !== this.version) {
      const message = `This worker is fxmirror ${this.version} but the control process is ${doc.writer}; it takes no partitions until both run the same version.`;
      if (this.refused !== message) this.deps.log.error({ worker: this.id, mine: this.version, control: doc.writer }, message);
      this.refused = message;
      for (const [p, h] of this.partitions) {
        this.partitions.delete(p);
        await h.value.stop();
      }
      return;
    }
    this.refused = null;
    this.config = doc;
    for (const h of this.partitions.values()) void h.ready.then(() => h.value.applyConfig(doc)).catch(() => undefined);
  }

  private async heartbeat(): Promise<void> {
    const now = Date.now();
    const hb: Heartbeat = {
      id: this.id,
      version: this.version,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      at: now,
      partitions: [...this.partitions.values()].map((h) => {
        const s = h.value.stats();
        return { partition: h.value.partition, followers: s.followers, unacked: s.unacked, ageMs: h.value.startedAt === 0 ? 0 : now - h.value.startedAt, leaseLeftMs: Math.round(h.lease.remainingMs()) };
      }),
      feeds: this.heldFeeds(),
      refused: this.refused,
      copyLagMs: this.copyLag(),
    };
    await writeHeartbeat(this.deps.redis, this.keys.workers, hb);
  }

  /** The owned followers' views for the control process (follower-views.ts); a failed write waits for the next tick. */
  private async publishViews(): Promise<void> {
    const sources: FollowerViewSource[] = [];
    for (const h of this.partitions.values()) {
      const runtime = h.value.runtime;
      if (!runtime || h.lease.token === null) continue;
      sources.push({ partition: h.value.partition, followers: runtime.followers, openCopies: (id) => runtime.ledger.openOfFollower(id).length });
    }
    await this.views.publish(sources).catch((error: unknown) => this.deps.log.debug({ worker: this.id, err: String(error) }, 'follower views not published'));
  }

  private copyLag(): { p50: number | null; p99: number | null } {
    let p50: number | null = null;
    let p99: number | null = null;
    for (const h of this.partitions.values()) {
      const w = h.value.runtime?.metrics.copyLagMs;
      if (!w || w.size === 0) continue;
      p50 = Math.max(p50 ?? 0, w.quantile(0.5) ?? 0);
      p99 = Math.max(p99 ?? 0, w.quantile(0.99) ?? 0);
    }
    return { p50, p99 };
  }

  private async balancePartitions(live: string[]): Promise<void> {
    const config = this.config;
    if (config === null) return;
    const wanted = new Set(preferredPartitions(this.id, live, config.partitions));
    // Hand over what another live worker prefers now (a worker joined), one at a time so the move is gradual.
    const handing = [...this.partitions.values()].some((h) => h.leaving !== undefined);
    for (const [p, h] of this.partitions) {
      if (handing || wanted.has(p)) continue;
      this.deps.log.info({ worker: this.id, partition: p }, 'handing partition over');
      h.leaving = (async () => {
        await h.ready.catch(() => undefined);
        await h.value.stop();
      })().finally(() => {
        if (this.partitions.get(p) === h) this.partitions.delete(p);
      });
      break;
    }
    for (const p of wanted) {
      if (this.partitions.has(p)) continue;
      const lease = new Lease({ redis: this.deps.redis, key: this.keys.partitionLease(p), holder: this.id, timing: this.timing });
      const token = await lease.tryAcquire();
      if (token === null) continue;
      const runner = new PartitionRunner({
        redis: this.deps.redis,
        keys: this.keys,
        partition: p,
        workerId: this.id,
        lease,
        broker: this.deps.broker,
        clock: this.deps.clock,
        log: this.deps.log,
        engineOptions: this.deps.engineOptions,
        maxCallMs: this.deps.cluster.batchTimeoutMs,
        stateWriteDelayMs: 100,
      });
      this.deps.log.info({ worker: this.id, partition: p, token }, 'partition taken');
      const ready = runner.start(config).catch(async (error: unknown) => {
        this.deps.log.error({ worker: this.id, partition: p, err: String(error) }, 'partition could not start; lease released');
        this.partitions.delete(p);
        await runner.stop();
        throw error;
      });
      this.partitions.set(p, { lease, value: runner, ready });
    }
  }

  private async balanceFeeds(live: string[]): Promise<void> {
    const config = this.config;
    if (config === null) return;
    const all = [...new Set([...live, this.id])];
    for (const m of config.masters) {
      const preferred = [...all].sort((a, b) => affinity(b, fnvIndex(m.accountId)) - affinity(a, fnvIndex(m.accountId)) || (a < b ? -1 : 1))[0];
      const held = this.feeds.get(m.accountId);
      if (preferred !== this.id) {
        if (held) {
          this.feeds.delete(m.accountId);
          await held.value.stop();
          await held.lease.release();
        }
        continue;
      }
      if (held) continue;
      const lease = new Lease({ redis: this.deps.redis, key: this.keys.feedLease(m.accountId), holder: this.id, timing: this.timing });
      if ((await lease.tryAcquire()) === null) continue;
      const relay = new MasterRelay(
        { redis: this.deps.redis, broker: this.deps.broker, lease, streamKey: this.keys.masterStream(m.accountId), maxLen: this.deps.cluster.streamMaxLen, log: this.deps.log },
        m.accountId,
      );
      this.deps.log.info({ worker: this.id, masterId: m.accountId }, 'master feed taken');
      const ready = relay.start();
      this.feeds.set(m.accountId, { lease, value: relay, ready });
    }
    for (const [m, h] of this.feeds) {
      if (config.masters.some((x) => x.accountId === m)) continue;
      this.feeds.delete(m);
      await h.value.stop();
      await h.lease.release();
    }
  }
}

/** A master's rendezvous slot (affinity takes a number). */
function fnvIndex(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h;
}
