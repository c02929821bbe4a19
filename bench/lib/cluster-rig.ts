/**
 * A whole cluster around the simulator's world, for one benchmark case: a real redis-server (temp directory, free
 * loopback port, AOF as in production), N workers and one control process, with the configuration (the world's
 * master and every follower, default sizing) written into Redis before the control process starts.
 *
 * The workers are started before the configuration exists: they register their heartbeats and take nothing, so
 * when the configuration appears each one sees every other and takes its own share at once, instead of the first
 * one taking every partition and handing them over one per renewal (a start-up detail, never measured).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { clusterKeys, type ClusterKeys } from '../../src/cluster/keys.js';
import { startLocalRedis, type LocalRedis } from '../../src/cluster/local/redis-server.js';
import { partitionOf } from '../../src/cluster/partitioning.js';
import { readHeartbeats, type Heartbeat } from '../../src/cluster/registry.js';
import { buildVersion } from '../../src/cluster/version.js';
import { defaultFollower } from '../../src/domain/config.js';
import { startClusterProc, tail, type ClusterProc, type ClusterSettings } from './cluster-procs.js';
import type { CopierUnderTest } from './copier.js';
import type { WorldReply } from './protocol.js';
import { redisServerPid } from './redis-stats.js';
import { sleep } from './stats.js';
import { StreamLagMonitor } from './stream-lag.js';

/** How long the cluster may take to become ready at this size (connecting thousands of followers twice). */
function readyTimeoutMs(followers: number): number {
  return 60_000 + followers * 40;
}

export class ClusterUnderTest implements CopierUnderTest {
  readonly name: string;
  readonly keys: ClusterKeys;
  redis!: Redis;
  private server: LocalRedis | null = null;
  private dir = '';
  readonly workers: ClusterProc[] = [];
  control: ClusterProc | null = null;
  lag!: StreamLagMonitor;
  redisPid = 0;
  /** Start-up phases, ms: workers registered, configuration → every partition owned and stable, control active. */
  readonly startup = { workersMs: 0, controlMs: 0, partitionsMs: 0, totalMs: 0 };
  /** Events after which the cluster was not idle within the wait (counted, not hidden). */
  notIdle = 0;

  constructor(
    private readonly world: WorldReply,
    private readonly workerCount: number,
    readonly settings: ClusterSettings,
  ) {
    this.name = `cluster-${workerCount}w`;
    this.keys = clusterKeys(settings.prefix);
  }

  private get followers(): number {
    return this.world.followers.flat().length;
  }

  async start(): Promise<void> {
    const t0 = performance.now();
    this.dir = await mkdtemp(join(tmpdir(), 'fxmirror-bench-cluster-'));
    this.server = await startLocalRedis(this.dir);
    this.redis = new Redis(this.server.url);
    this.redis.on('error', () => undefined);
    this.redisPid = await redisServerPid(this.redis);
    const common = { dir: this.dir, settings: this.settings, redisUrl: this.server.url, apiUrl: this.world.url, apiKey: this.world.apiKey };
    for (let i = 1; i <= this.workerCount; i++) this.workers.push(startClusterProc({ ...common, name: `w${i}`, role: 'worker' }));
    await this.waitFor(async () => (await this.beats()).length === this.workerCount, 'every worker registered', 60_000);
    this.startup.workersMs = performance.now() - t0;

    const master = this.world.masters[0] as string;
    const doc = {
      version: 1,
      writer: buildVersion(),
      partitions: this.settings.partitions,
      masters: [{ accountId: master, paused: false }],
      followers: (this.world.followers[0] ?? []).map((f) => defaultFollower(f, [master])),
    };
    await this.redis.set(this.keys.config, JSON.stringify(doc));
    const t1 = performance.now();
    this.control = startClusterProc({ ...common, name: 'control', role: 'control' });
    const control = this.control;
    await this.waitFor(() => control.output().includes('fxmirror control: active'), 'the control process active', readyTimeoutMs(this.followers));
    this.startup.controlMs = performance.now() - t1;
    await this.waitFor(() => this.stable(), 'every partition owned, started and stable', readyTimeoutMs(this.followers));
    this.startup.partitionsMs = performance.now() - t1;
    // Only partitions with followers of the master read its stream (a group each).
    const reading = new Set(doc.followers.map((f) => partitionOf(f.accountId, this.settings.partitions))).size;
    this.lag = new StreamLagMonitor(this.redis, { masterStream: this.keys.masterStream(master), alerts: this.keys.alerts, expectedGroups: reading });
    this.lag.start();
    this.startup.totalMs = performance.now() - t0;
  }

  /** Every process's pid by name (w1…, control, redis). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const w of this.workers) out[w.name] = w.pid;
    if (this.control) out['control'] = this.control.pid;
    out['redis'] = this.redisPid;
    return out;
  }

  private async beats(): Promise<Heartbeat[]> {
    const now = Date.now();
    return (await readHeartbeats(this.redis, this.keys.workers)).filter((b) => now - b.at < this.settings.leaseMs);
  }

  private async ownership(): Promise<string | null> {
    const beats = await this.beats();
    if (beats.length !== this.workerCount) return null;
    const held = beats.flatMap((b) => b.partitions);
    const all = new Set(held.map((p) => p.partition));
    // Owned once each, every runner started (age > 0), and every follower in a running partition.
    if (all.size !== this.settings.partitions || held.length !== this.settings.partitions) return null;
    if (held.some((p) => p.ageMs <= 0) || held.reduce((a, p) => a + p.followers, 0) !== this.followers) return null;
    if (beats.reduce((a, b) => a + b.feeds.length, 0) !== this.world.masters.length) return null;
    return JSON.stringify(beats.map((b) => [b.id, b.partitions.map((p) => p.partition).sort((x, y) => x - y)]).sort());
  }

  /** The same ownership in two readings a renewal apart (hand-overs would show as a change). */
  private async stable(): Promise<boolean> {
    const first = await this.ownership();
    if (first === null) return false;
    await sleep(this.settings.renewMs + 200);
    return (await this.ownership()) === first;
  }

  private async waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      const dead = [...this.workers, ...(this.control ? [this.control] : [])].filter((p) => p.exited());
      if (dead.length > 0) throw new Error(`cluster: ${dead.map((p) => p.name).join(', ')} exited while waiting for ${what}\n${dead.map((p) => tail(p)).join('\n')}`);
      if (performance.now() > until) throw new Error(`cluster: timed out after ${timeoutMs} ms waiting for ${what}\n${this.tails()}`);
      await sleep(200);
    }
  }

  /** The last lines of every process's output. */
  tails(): string {
    return [...this.workers, ...(this.control ? [this.control] : [])].map((p) => tail(p)).join('\n');
  }

  async idle(): Promise<void> {
    if (!(await this.lag.waitIdle(15_000))) this.notIdle++;
  }

  async stop(): Promise<void> {
    await this.lag?.stop();
    await Promise.all([...this.workers, ...(this.control ? [this.control] : [])].map((p) => p.stop()));
    this.redis?.disconnect();
    await this.server?.stop();
    if (process.env['BENCH_CLUSTER_KEEP'] === '1') console.log(`  cluster logs kept in ${this.dir}`);
    else await rm(this.dir, { recursive: true, force: true });
  }
}
