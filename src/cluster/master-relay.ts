/**
 * A master's feed in cluster mode: the holder of the master's feed lease reads its terminal stream (the real FxSocket
 * WebSocket) and appends every event to the master's Redis stream, where each partition reads it through its own
 * consumer group. The stream is bounded by length (`maxLen`, approximate trimming): a partition that falls further
 * behind than that loses entries and heals as after a disconnect (startup recovery and reconciliation).
 */
import type { Redis } from 'ioredis';
import type { BrokerPort, Logger, StreamPort } from '../engine/ports.js';
import type { Lease } from './lease.js';
import { encodeMasterEvent } from './wire.js';

export const DEFAULT_STREAM_MAX_LEN = 10_000;

export class MasterRelay {
  readonly masterId: string;
  private stream: StreamPort | null = null;
  private stopped = false;
  private relayed = 0;
  private failed = 0;
  private lost = 0;

  constructor(
    private readonly deps: { redis: Redis; broker: BrokerPort; lease: Lease; streamKey: string; maxLen: number; log: Logger },
    masterId: string,
  ) {
    this.masterId = masterId;
  }

  get stats(): { relayed: number; failed: number; connected: boolean } {
    return { relayed: this.relayed, failed: this.failed, connected: this.stream?.connected ?? false };
  }

  async start(): Promise<void> {
    const stream = await this.deps.broker.stream(this.masterId);
    if (this.stopped) {
      await stream.close();
      return;
    }
    this.stream = stream;
    stream.onEvent((event) => {
      // A relay that lost its lease stops at once; a second relay for a while would only add duplicate frames, which
      // the partitions' processed-event sets absorb, but it is still one writer per stream.
      if (!this.deps.lease.held || this.stopped) return;
      if (event.type === 'tick') return;
      this.deps.redis
        .xadd(this.deps.streamKey, 'MAXLEN', '~', this.deps.maxLen, '*', ...encodeMasterEvent(event, Date.now()))
        .then(() => {
          this.relayed++;
          if (this.lost > 0) {
            // Frames were lost while Redis was away: the partitions must resync, exactly as after a server warning.
            const dropped = this.lost;
            this.lost = 0;
            void this.deps.redis
              .xadd(this.deps.streamKey, 'MAXLEN', '~', this.deps.maxLen, '*', ...encodeMasterEvent({ type: 'warning', dropped }, Date.now()))
              .catch(() => void (this.lost += dropped));
          }
        })
        .catch((error: unknown) => {
          this.failed++;
          this.lost++;
          this.deps.log.warn({ masterId: this.masterId, err: String(error) }, 'master event could not be appended to its stream');
        });
    });
    for (const topic of ['trades', 'positions', 'terminal', 'account'] as const) stream.subscribe(topic);
    stream.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stream?.close();
    this.stream = null;
  }
}
