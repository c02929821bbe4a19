/**
 * The control process's engine state: the configuration part is the cluster's config document in Redis (written only
 * under the control lease, one new version per change); the journal and master history are a read-only merge of the
 * partitions' states (`partition-journals.ts`), refreshed in the background for /history, /why, the reports and
 * sizing previews.
 */
import type { Redis } from 'ioredis';
import type { EngineState, StatePort } from '../engine/ports.js';
import type { ConfigDocument } from './config-doc.js';
import { writeConfig } from './config-doc.js';
import type { Lease } from './lease.js';
import { PartitionJournals } from './partition-journals.js';
import type { ClusterKeys } from './keys.js';

export class ControlState implements StatePort {
  readonly data: EngineState;
  private ok = true;
  private readonly errorListeners: ((error: Error) => void)[] = [];
  private doc: ConfigDocument;
  private lastWritten: string;
  private writing: Promise<void> = Promise.resolve();
  private readonly journals: PartitionJournals;

  constructor(
    private readonly deps: { redis: Redis; keys: ClusterKeys; lease: Lease; writer: string; log?: { warn(obj: object, msg: string): void } },
    doc: ConfigDocument,
  ) {
    this.doc = doc;
    this.journals = new PartitionJournals({ redis: deps.redis, stateKey: (p) => deps.keys.partitionState(p), partitions: doc.partitions, ...(deps.log ? { log: deps.log } : {}) });
    // The journal is the partitions' merged copy itself, kept up to date in place by `refreshFromPartitions`.
    this.data = { masters: structuredClone(doc.masters), followers: structuredClone(doc.followers), links: [], processed: {}, pending: [], journal: this.journals.journal, daily: {}, masterHistory: {} };
    this.lastWritten = this.configText();
  }

  get version(): number {
    return this.doc.version;
  }

  get partitions(): number {
    return this.doc.partitions;
  }

  get healthy(): boolean {
    return this.ok;
  }

  onError(listener: (error: Error) => void): void {
    this.errorListeners.push(listener);
  }

  private configText(): string {
    return JSON.stringify({ masters: this.data.masters, followers: this.data.followers });
  }

  /** Configuration changes are written by `flush` (the control API flushes before it answers). */
  changed(): void {}

  flush(): Promise<void> {
    const next = this.writing.then(async () => {
      const text = this.configText();
      if (text === this.lastWritten) return;
      const doc: ConfigDocument = { ...this.doc, version: this.doc.version + 1, writer: this.deps.writer, masters: structuredClone(this.data.masters), followers: structuredClone(this.data.followers) };
      await writeConfig(this.deps.redis, this.deps.keys.config, this.deps.lease, doc);
      this.doc = doc;
      this.lastWritten = text;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  /** Brings the journal and master history up to date with the partitions' (newest rows last). */
  async refreshFromPartitions(): Promise<void> {
    if (!(await this.journals.refresh())) return;
    const history = this.journals.history;
    for (const k of Object.keys(this.data.masterHistory)) delete this.data.masterHistory[k];
    Object.assign(this.data.masterHistory, history);
  }
}
