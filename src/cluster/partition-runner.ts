/**
 * One partition, owned by this worker while it holds the partition's lease: its followers' engine (the same engine as
 * the single process, over cluster adapters), its durable state in Redis, its reads of the master streams, and the
 * control commands that must run where its followers' orders are sent.
 *
 * Takeover is the engine's own start-up: state loaded from Redis, unknown outcomes settled from the pending legs
 * (same Idempotency-Key replay, else the follower's tagged orders), missed master deals recovered from history,
 * reconciliation; the previous owner's unacknowledged master entries are claimed and replayed under the same keys.
 */
import type { Redis } from 'ioredis';
import { createEngine } from '../engine/index.js';
import type { Engine, EngineOptions } from '../engine/index.js';
import type { BrokerPort, Clock, EngineState, Logger } from '../engine/ports.js';
import { AlertPublisher } from './alert-publisher.js';
import type { ConfigDocument } from './config-doc.js';
import { FencedBroker } from './fenced-broker.js';
import type { ClusterKeys } from './keys.js';
import type { Lease } from './lease.js';
import { RedisMasterStream } from './master-stream.js';
import { applyPartitionConfig, partitionConfig } from './partition-config.js';
import { readPartitionState, RedisPartitionState } from './partition-state.js';
import { PartitionCommands } from './partition-commands.js';
import { duplicateConnection } from './redis.js';

export interface PartitionRunnerDeps {
  redis: Redis;
  keys: ClusterKeys;
  partition: number;
  workerId: string;
  lease: Lease;
  broker: BrokerPort;
  clock: Clock;
  log: Logger;
  engineOptions: Partial<EngineOptions>;
  /** Longest a single order call may take: the lease must outlive it. */
  maxCallMs: number;
  stateWriteDelayMs: number;
}

export class PartitionRunner {
  readonly partition: number;
  private engine: Engine | null = null;
  private state: RedisPartitionState | null = null;
  private alerts: AlertPublisher | null = null;
  private commands: PartitionCommands | null = null;
  private readonly streams = new Map<string, RedisMasterStream>();
  private configVersion = -1;
  private applying: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | null = null;
  startedAt = 0;

  constructor(private readonly deps: PartitionRunnerDeps) {
    this.partition = deps.partition;
  }

  get runtime() {
    return this.engine?.runtime ?? null;
  }

  stats() {
    let lag = 0;
    const s = { delivered: 0, acked: 0, claimed: 0, deadLettered: 0 };
    for (const st of this.streams.values()) {
      s.delivered += st.counters.delivered;
      s.acked += st.counters.acked;
      s.claimed += st.counters.claimed;
      s.deadLettered += st.counters.deadLettered;
      lag += st.counters.delivered - st.counters.acked;
    }
    return {
      partition: this.partition,
      followers: this.engine?.runtime.state.data.followers.length ?? 0,
      masters: this.engine?.runtime.state.data.masters.length ?? 0,
      configVersion: this.configVersion,
      unacked: lag,
      ...s,
      stateWrites: this.state?.counters.writes ?? 0,
      stateBytes: this.state?.counters.lastBytes ?? 0,
      refusedCalls: this.broker?.refused ?? 0,
      alerts: this.alerts?.published ?? 0,
    };
  }

  private broker: FencedBroker | null = null;

  async start(config: ConfigDocument): Promise<void> {
    const { redis, keys, partition, lease, log } = this.deps;
    const { state: stored, ...layout } = await readPartitionState(redis, keys.partitionState(partition), partition);
    const part = partitionConfig(config, partition);
    const data: EngineState = { ...stored, masters: part.masters, followers: part.followers };
    this.state = new RedisPartitionState({ redis, key: keys.partitionState(partition), partition, lease, writeDelayMs: this.deps.stateWriteDelayMs }, data, layout);
    const engineState = this.state;
    this.broker = new FencedBroker({
      inner: this.deps.broker,
      lease,
      partition,
      maxCallMs: this.deps.maxCallMs,
      connected: () => redis.status === 'ready',
      isMaster: (id) => engineState.data.masters.some((m) => m.accountId === id) || config.masters.some((m) => m.accountId === id),
      masterStream: (masterId) => this.masterStream(masterId),
      log,
    });
    this.engine = createEngine({ broker: this.broker, state: this.state, clock: this.deps.clock, log: log.child({ partition }), options: this.deps.engineOptions });
    this.alerts = new AlertPublisher({ redis, key: keys.alerts, lease, partition, worker: this.deps.workerId, log });
    const alerts = this.alerts;
    this.engine.events.subscribe((event) => alerts.publish(event));
    this.configVersion = config.version;
    await this.engine.start();
    this.commands = new PartitionCommands({ redis: duplicateConnection(redis), key: keys.commands(partition), replyKey: keys.reply, control: this.engine.control, lease, log });
    this.commands.start();
    this.startedAt = Date.now();
  }

  private masterStream(masterId: string): RedisMasterStream {
    const { redis, keys, partition, workerId, log } = this.deps;
    const stream = new RedisMasterStream({
      reader: duplicateConnection(redis),
      redis,
      masterId,
      streamKey: keys.masterStream(masterId),
      group: keys.partitionGroup(partition),
      consumer: `${workerId}.p${partition}`,
      deadLetterKey: keys.deadLetter,
      sink: { durable: () => this.durable(masterId) },
      log,
    });
    this.streams.get(masterId)?.close().catch(() => undefined);
    this.streams.set(masterId, stream);
    return stream;
  }

  /**
   * Entries may be acknowledged once the events they carried were handled to the end and the result is in Redis:
   * the master feed holds nothing of them, the queues are idle, the state and the alerts are written.
   */
  private async durable(masterId: string): Promise<void> {
    const runtime = this.engine?.runtime;
    if (!runtime || !this.state) throw new Error('partition not running');
    for (let i = 0; i < 200; i++) {
      const feed = runtime.masters.get(masterId)?.feed;
      if (!feed || (feed.heldTickets().length === 0 && !feed.awaitingList)) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.engine?.idle();
    this.state.changed();
    await this.state.flush();
    await this.alerts?.drained();
    if (this.deps.lease.token === null) throw new Error('lease lost: entries stay pending for the next owner');
  }

  /** Applies a newer configuration, one at a time, in version order. */
  applyConfig(config: ConfigDocument): Promise<void> {
    this.applying = this.applying.then(async () => {
      const runtime = this.engine?.runtime;
      if (!runtime || config.version <= this.configVersion || this.stopping) return;
      const changes = await applyPartitionConfig(runtime, partitionConfig(config, this.partition));
      this.configVersion = config.version;
      if (changes.started.length + changes.stopped.length > 0) this.deps.log.info({ partition: this.partition, ...changes, version: config.version }, 'partition configuration applied');
    });
    return this.applying.catch((error: unknown) => this.deps.log.error({ partition: this.partition, err: String(error) }, 'configuration change could not be applied'));
  }

  /** Orderly hand-over: finish what runs, write the state, let the lease go. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.commands?.stop();
      await this.engine?.stop().catch((error: unknown) => this.deps.log.warn({ partition: this.partition, err: String(error) }, 'partition engine stop failed'));
      await this.alerts?.drained();
      this.state?.close();
      await this.deps.lease.release();
    })();
    return this.stopping;
  }

  /**
   * The lease is gone (expired while this process was paused, or taken over): stop without another write. Whatever
   * runs is refused at the fence; unacknowledged entries stay for the new owner.
   */
  abandon(reason: string): Promise<void> {
    this.deps.log.error({ partition: this.partition, reason }, 'partition lease lost: this worker sends nothing more for it');
    this.deps.lease.lose(reason);
    this.stopping ??= (async () => {
      await this.commands?.stop();
      for (const s of this.streams.values()) await s.close().catch(() => undefined);
      await this.engine?.stop().catch(() => undefined);
      this.state?.close();
    })();
    return this.stopping;
  }
}
