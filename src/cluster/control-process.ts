/**
 * The control process of a cluster: the Telegram bot (or the terminal chat), the Mini App and the control API, and
 * the single writer of the configuration. Exactly one is active: it holds the control lease; a second one waits on
 * stand-by and takes over when the first dies (its lease expires). It never sends an order: reconcile and close-all
 * are forwarded to the owner of the follower's partition, and alerts come from the workers over the alerts stream.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger as PinoLogger } from 'pino';
import type { AppContext, FrontEnd, RunningApp } from '../app.js';
import { engineOptionsFrom } from '../app.js';
import { EventBacklog } from '../bot/event-backlog.js';
import type { Config } from '../config.js';
import { systemClock } from '../engine/clock.js';
import { EventBus } from '../engine/event-bus.js';
import type { CopierEvent } from '../engine/events.js';
import type { ClusterStatusView } from '../engine/control-types.js';
import { createEngine } from '../engine/index.js';
import type { Engine } from '../engine/index.js';
import { FxSocketClient } from '../fxsocket/index.js';
import { AGGREGATE_MEMORY_MS } from './alert-aggregator.js';
import { AlertConsumer } from './alert-consumer.js';
import { createClusterControl } from './cluster-control.js';
import { readClusterStatus } from './cluster-status.js';
import { ClusterUserDirectory } from './cluster-users.js';
import type { ClusterConfig } from './config.js';
import { readConfig, writeConfig } from './config-doc.js';
import type { ConfigDocument } from './config-doc.js';
import { ControlBroker } from './control-broker.js';
import { ControlState } from './control-state.js';
import { FollowerCaches } from './follower-caches.js';
import { readFollowerViews } from './follower-views.js';
import type { FollowerView } from './follower-views.js';
import { clusterKeys } from './keys.js';
import { Lease, leaseHolder } from './lease.js';
import { partitionOf } from './partitioning.js';
import { RecentHash } from './recent-hash.js';
import { connectRedis, duplicateConnection } from './redis.js';
import { loadSentMessages } from './sent-messages.js';
import { buildVersion } from './version.js';

/** A follower cache no view has used for this long is stopped (see follower-caches.ts). */
const FOLLOWER_CACHE_IDLE_MS = 5 * 60_000;

export interface ControlProcessOptions {
  /** Called when the lease is lost while active: the process must stop (a stand-by one takes over). */
  onLeaseLost(reason: string): void;
  /** Called once while waiting on stand-by. */
  onStandby?(holder: string): void;
}

export async function startClusterControl(
  config: Config,
  cluster: ClusterConfig,
  log: PinoLogger,
  frontEnd: (ctx: AppContext) => Promise<FrontEnd>,
  options: ControlProcessOptions,
): Promise<RunningApp> {
  if (config.apiKey === null) throw new Error('cluster mode needs FXSOCKET_API_KEY: every process must reach the same FxSocket (npm run cluster starts a simulator for it)');
  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const redis = await connectRedis(cluster.redisUrl, { name: 'fxmirror-control' });
    cleanups.push(async () => redis.disconnect());
    const keys = clusterKeys(cluster.prefix);
    const version = buildVersion();
    const id = `control-${hostname().replace(/[^A-Za-z0-9_.-]/g, '') || 'host'}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const lease = new Lease({ redis, key: keys.controlLease, holder: id, timing: { ttlMs: cluster.leaseMs, renewMs: cluster.renewMs } });
    let told = false;
    while ((await lease.tryAcquire()) === null) {
      if (!told) {
        told = true;
        const holder = (await redis.get(keys.controlLease)) ?? '?';
        log.warn({ holder }, 'another control process is active; waiting on stand-by');
        options.onStandby?.(holder);
      }
      await new Promise((r) => setTimeout(r, cluster.renewMs));
    }
    log.info({ id, token: lease.token }, 'control lease taken: this is the active control process');
    let retaking = false;
    const renew = setInterval(() => {
      if (retaking) return;
      retaking = true;
      void keepControlLease(redis, lease, id, log)
        .then((lost) => {
          if (lost !== null) options.onLeaseLost(lost);
        })
        .finally(() => (retaking = false));
    }, cluster.renewMs);
    cleanups.push(async () => {
      clearInterval(renew);
      await lease.release();
    });

    let doc: ConfigDocument | null = await readConfig(redis, keys.config);
    if (doc === null) {
      doc = { version: 1, writer: version, partitions: cluster.partitions, masters: [], followers: [] };
      await writeConfig(redis, keys.config, lease, doc);
    } else {
      if (doc.partitions !== cluster.partitions) {
        log.warn({ stored: doc.partitions, configured: cluster.partitions }, 'FXMIRROR_PARTITIONS differs from the cluster state; the stored count is kept (followers are hashed over it)');
      }
      if (doc.writer !== version) {
        // This control process's version becomes the cluster's: workers of the old one stop taking partitions.
        doc = { ...doc, version: doc.version + 1, writer: version };
        await writeConfig(redis, keys.config, lease, doc);
      }
    }

    // Chat users live in Redis, so a stand-by on another machine takes over with them.
    const users = await ClusterUserDirectory.load({ redis, key: keys.users, lease, log });
    const sentMessages = await loadSentMessages(new RecentHash({ redis, key: keys.sentMessages, maxAgeMs: AGGREGATE_MEMORY_MS }), Date.now, log);
    const client = new FxSocketClient({ apiKey: config.apiKey, apiUrl: config.apiUrl, insecureTls: config.insecureTls, userAgent: `fxmirror/${version} (control)` });
    cleanups.push(() => client.close());
    const state = new ControlState({ redis, keys, lease, writer: version, log }, doc);
    const engine = createEngine({
      broker: new ControlBroker(client, (accountId) => state.data.masters.some((m) => m.accountId === accountId)),
      state,
      clock: systemClock,
      log: log.child({ component: 'control-engine' }),
      options: engineOptionsFrom(config),
    });
    const runtime = engine.runtime;
    // The engine is not started: it copies nothing here. Its follower caches are started on demand, for the views.
    for (const a of await client.listAccounts()) runtime.accounts.set(a.id, a);
    await Promise.all(state.data.masters.map((m) => runtime.startMaster(m.accountId)));
    const caches = new FollowerCaches({
      runtime,
      isFollower: (accountId) => state.data.followers.some((f) => f.accountId === accountId),
      idleMs: FOLLOWER_CACHE_IDLE_MS,
      now: Date.now,
      log,
    });
    const sweepTimer = setInterval(() => void caches.sweep(), FOLLOWER_CACHE_IDLE_MS / 4);
    cleanups.push(async () => {
      clearInterval(sweepTimer);
      for (const id of [...runtime.followers.keys()]) await runtime.stopFollower(id);
      for (const id of [...runtime.masters.keys()]) await runtime.stopMaster(id);
    });

    let clusterView: ClusterStatusView = { partitions: state.partitions, configVersion: state.version, unowned: [], workers: [], streamLag: [], deadLetters: 0 };
    let followerViews: ReadonlyMap<string, FollowerView> = new Map();
    const refresh = async () => {
      clusterView = await readClusterStatus(redis, keys, {
        partitions: state.partitions,
        configVersion: state.version,
        masters: state.data.masters.map((m) => m.accountId),
        leaseMs: cluster.leaseMs,
        now: Date.now(),
      });
      const unowned = new Set(clusterView.unowned);
      const owned = new Set(Array.from({ length: state.partitions }, (_, p) => p).filter((p) => !unowned.has(p)));
      followerViews = await readFollowerViews(redis, keys.followerViews, (followerId) => partitionOf(followerId, state.partitions), owned);
    };
    await refresh().catch(() => undefined);
    const statusTimer = setInterval(() => void refresh().catch(() => undefined), 1_000);
    const journalTimer = setInterval(() => void state.refreshFromPartitions().catch(() => undefined), 3_000);
    await state.refreshFromPartitions().catch(() => undefined);
    cleanups.push(async () => {
      clearInterval(statusTimer);
      clearInterval(journalTimer);
    });

    const bus = new EventBus((error) => log.error({ err: String(error) }, 'event listener failed'));
    const backlog = new EventBacklog({ source: (listener) => bus.subscribe(listener), log: log.child({ component: 'events' }) });
    cleanups.push(async () => backlog.close());
    const onAlert = (event: CopierEvent) => {
      if (event.type === 'follower_paused') {
        // A worker's rule paused a follower: the control process is the one writer of that configuration.
        const f = state.data.followers.find((x) => x.accountId === event.followerId);
        if (f && !f.paused) {
          f.paused = true;
          f.pausedReason = event.reason;
          void state.flush().catch((e: unknown) => log.error({ err: String(e) }, 'pause could not be saved'));
        }
      }
      bus.emit(event);
    };
    const alerts = new AlertConsumer({
      redis,
      reader: duplicateConnection(redis),
      keys,
      consumer: id,
      waitMs: cluster.aggregateMs,
      expectedPartitions: (masterId) =>
        new Set(state.data.followers.filter((f) => f.masters.includes(masterId) && !f.paused).map((f) => partitionOf(f.accountId, state.partitions))),
      deliver: onAlert,
      log,
    });
    await alerts.start();
    cleanups.push(() => alerts.stop());

    // Redis outages: workers stop sending once their leases lapse; say so when it is back.
    let downSince: number | null = null;
    redis.on('close', () => void (downSince ??= Date.now()));
    redis.on('ready', () => {
      if (downSince === null) return;
      const seconds = Math.round((Date.now() - downSince) / 1000);
      downSince = null;
      bus.emit({
        type: 'halted',
        at: Date.now(),
        reason: 'redis_unavailable',
        message: `Redis was unreachable for ${seconds} s. Workers whose leases lapsed sent nothing meanwhile; they take their partitions back, settle unknown outcomes and reconcile, and copying resumes.`,
      });
    });

    const control = createClusterControl({
      inner: engine.control,
      redis,
      keys,
      partitions: () => state.partitions,
      activePartitions: () => [...new Set(state.data.followers.map((f) => partitionOf(f.accountId, state.partitions)))].sort((a, b) => a - b),
      cluster: () => clusterView,
      commandTimeoutMs: 60_000,
      caches,
      followerViews: () => followerViews,
    });
    const controlEngine: Engine = { ...engine, control, events: { subscribe: (l) => bus.subscribe(l) }, start: async () => undefined, stop: async () => undefined };
    const secrets = [config.apiKey, config.botToken].filter((s): s is string => typeof s === 'string' && s.length > 0);
    const ctx: AppContext = { config, engine: controlEngine, users, sentMessages, log, sim: null, secrets, events: backlog.subscribe, brokerHealth: () => client.stats() };
    const fe = await frontEnd(ctx);
    cleanups.push(() => fe.stop());
    let stopping: Promise<void> | null = null;
    return { ...ctx, frontEnd: fe, stop: () => (stopping ??= unwind()) };
  } catch (error) {
    await unwind();
    throw error;
  }
}

/**
 * Renews the control lease. One that lapsed while Redis was away is taken back when nobody else holds it: the
 * control process sends no orders, its configuration writes are fenced by the new token, and the chat stays with
 * the process that saw the outage. Resolves the reason to stop when a stand-by took over, else null.
 */
async function keepControlLease(redis: Redis, lease: Lease, id: string, log: PinoLogger): Promise<string | null> {
  if (lease.token !== null && ((await lease.renew()) || lease.held)) return null;
  const holder = await leaseHolder(redis, lease.key).catch(() => undefined);
  // Redis still away: nothing to decide yet.
  if (holder === undefined) return null;
  if (holder !== null && holder.holder !== id) return `the control lease is held by ${holder.holder} now`;
  if (holder === null && (await lease.tryAcquire().catch(() => null)) !== null) log.warn({ token: lease.token }, 'control lease lapsed while Redis was unreachable; taken back');
  return null;
}
