/**
 * The cluster under test: a real redis-server (AOF on), one control process and N workers, each a separate
 * `src/main.ts` process as in production, each with its own stdout/stderr files in the trial's directory. Also the
 * runner's read-only view of Redis: the configuration document it seeds before the control starts, who holds which
 * partition, and the partitions' journals (the cluster's copy of the single process's journal file).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ConfigDocument } from '../../src/cluster/config-doc.js';
import { clusterKeys } from '../../src/cluster/keys.js';
import { startLocalRedis } from '../../src/cluster/local/redis-server.js';
import type { LocalRedis } from '../../src/cluster/local/redis-server.js';
import { loadPartitionState } from '../../src/cluster/partition-state.js';
import { readHeartbeats } from '../../src/cluster/registry.js';
import { buildVersion } from '../../src/cluster/version.js';
import type { JournalEntry } from '../../src/store/index.js';
import { CopierProcess } from './copier.js';
import type { Incarnation } from './copier.js';
import type { TrialWorld } from './world.js';

/** Lease timing and partitioning of the trial's cluster. */
export interface ClusterTiming {
  partitions: number;
  leaseMs: number;
  renewMs: number;
  batchTimeoutMs: number;
}

/** Where the processes connect and what they are allowed to be told. */
export interface ClusterWiring {
  dir: string;
  simUrl: string;
  apiKey: string;
  timing: ClusterTiming;
  /** Called with every stdout/stderr line of any process (its name first). */
  onLine?: (name: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Called when any process exits. */
  onExit?: (name: string, incarnation: Incarnation) => void;
}

/** Who holds which partition now, by the workers' heartbeats (live ones only), and whether each runner has started. */
export interface Ownership {
  owners: Map<number, string>;
  started: Set<number>;
}

const baseEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FXSOCKET_') && !k.startsWith('FXMIRROR_') && !k.startsWith('TELEGRAM_'))) as Record<string, string>;

/** The redis-server, the control process and the workers, started and stopped by name. */
export class ClusterProcesses {
  readonly keys = clusterKeys('fxm');
  readonly workers = new Map<string, CopierProcess>();
  control: CopierProcess | null = null;
  redisServer: LocalRedis | null = null;
  /** The runner's own connection (reconnects by itself across a Redis restart). */
  redis: Redis | null = null;

  constructor(private readonly wiring: ClusterWiring) {}

  async startRedis(): Promise<LocalRedis> {
    this.redisServer = await startLocalRedis(join(this.wiring.dir, 'redis'));
    this.redis = new Redis(this.redisServer.url, { maxRetriesPerRequest: 2, retryStrategy: () => 100, lazyConnect: false });
    this.redis.on('error', () => undefined);
    return this.redisServer;
  }

  /** Writes the configuration document the control process finds at its start (version 1, this build as writer). */
  async seedConfig(world: TrialWorld): Promise<void> {
    const doc: ConfigDocument = {
      version: 1,
      writer: buildVersion(),
      partitions: this.wiring.timing.partitions,
      masters: world.masters.map((m) => ({ accountId: m.id, paused: false })),
      followers: world.followers.map((f) => structuredClone(f.config)),
    };
    await this.redisClient().set(this.keys.config, JSON.stringify(doc));
  }

  private redisClient(): Redis {
    if (this.redis === null) throw new Error('redis not started');
    return this.redis;
  }

  private env(name: string, role: 'control' | 'worker'): Record<string, string> {
    const t = this.wiring.timing;
    return {
      ...baseEnv(),
      FXSOCKET_API_KEY: this.wiring.apiKey,
      FXSOCKET_API_URL: this.wiring.simUrl,
      FXMIRROR_REDIS_URL: this.redisServer?.url ?? '',
      FXMIRROR_ROLE: role,
      ...(role === 'worker' ? { FXMIRROR_WORKER_ID: name } : {}),
      FXMIRROR_PARTITIONS: String(t.partitions),
      FXMIRROR_LEASE_MS: String(t.leaseMs),
      FXMIRROR_LEASE_RENEW_MS: String(t.renewMs),
      FXMIRROR_BATCH_TIMEOUT_MS: String(t.batchTimeoutMs),
      FXMIRROR_DATA: join(this.wiring.dir, 'data', name),
      FXMIRROR_RECONCILE_SECONDS: '5',
      FXMIRROR_LOG_LEVEL: 'info',
      FXMIRROR_WEBAPP: 'off',
    };
  }

  private process(name: string, role: 'control' | 'worker'): CopierProcess {
    const w = this.wiring;
    return new CopierProcess({
      dataDir: join(w.dir, 'data', name),
      stdoutFile: join(w.dir, `${name}.stdout.log`),
      stderrFile: join(w.dir, `${name}.stderr.log`),
      env: this.env(name, role),
      onStdoutLine: (line) => w.onLine?.(name, 'stdout', line),
      onStderrLine: (line) => w.onLine?.(name, 'stderr', line),
      onExit: (inc) => w.onExit?.(name, inc),
    });
  }

  /** Creates (once) and starts the control process. */
  startControl(): CopierProcess {
    this.control ??= this.process('control', 'control');
    this.control.start();
    return this.control;
  }

  /** Creates (once) and starts worker `name`; a restart keeps its FXMIRROR_WORKER_ID and files. */
  startWorker(name: string): CopierProcess {
    let p = this.workers.get(name);
    if (p === undefined) {
      p = this.process(name, 'worker');
      this.workers.set(name, p);
    }
    p.start();
    return p;
  }

  /** Live owners of the partitions (heartbeat younger than a lease) and which of their runners have started. */
  async ownership(): Promise<Ownership> {
    const beats = await readHeartbeats(this.redisClient(), this.keys.workers);
    const now = Date.now();
    const owners = new Map<number, string>();
    const started = new Set<number>();
    for (const b of beats) {
      if (now - b.at >= this.wiring.timing.leaseMs) continue;
      for (const p of b.partitions) {
        owners.set(p.partition, b.id);
        if (p.ageMs > 0) started.add(p.partition);
      }
    }
    return { owners, started };
  }

  /** Every partition held by a live worker whose runner has started. */
  async allStarted(): Promise<boolean> {
    try {
      const o = await this.ownership();
      return o.started.size === this.wiring.timing.partitions;
    } catch {
      return false;
    }
  }

  /**
   * Reads every partition's state as a new owner would (validated); returns their journals and the problems of the
   * ones a new owner would refuse.
   */
  async partitionStates(): Promise<{ journal: JournalEntry[]; invalid: string[] }> {
    const journal: JournalEntry[] = [];
    const invalid: string[] = [];
    for (let p = 0; p < this.wiring.timing.partitions; p++) {
      try {
        const s = await loadPartitionState(this.redisClient(), this.keys.partitionState(p), p);
        journal.push(...s.journal);
      } catch (error) {
        const message = (error as Error).message;
        // Redis being away (restart) is not a bad state; a document that fails validation is.
        if (/partition_state|not valid/.test(`${(error as { code?: string }).code ?? ''} ${message}`)) invalid.push(message);
      }
    }
    return { journal, invalid };
  }

  /** Graceful stop of every process (SIGTERM, SIGKILL after the grace), then Redis. */
  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    await this.control?.close();
    this.redis?.disconnect();
    await this.redisServer?.stop();
  }
}
