/**
 * The copiers the benchmark drives, behind one small interface: fxmirror itself (wired as `src/app.ts` wires it:
 * FxSocket client, durable store in a temp dir, an info-level pino logger writing to a file, the engine), the
 * marketing-page baseline (`bench/baseline-copier.ts`) and a "floor" that does no copier work at all.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyInProgress } from '../../src/engine/copy-path.js';
import { createEngine, systemClock, type Engine } from '../../src/engine/index.js';
import { LatencyWindow } from '../../src/engine/latency-window.js';
import { FxSocketClient } from '../../src/fxsocket/index.js';
import { createLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { WorldReply } from './protocol.js';
import { sleep } from './stats.js';

/** The store's write coalescing in production (`openStore({ writeDelayMs: 200 })` in src/app.ts). */
export const PRODUCTION_WRITE_DELAY_MS = 200;

export interface CopierUnderTest {
  readonly name: string;
  /** Connects everything; resolves when every master and follower stream is open. */
  start(): Promise<void>;
  /** Resolves when the copier has finished with everything it was sent (replies applied, journal written in memory). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface FxmirrorCopierOptions {
  /** Concurrent `follow` calls while setting up (each starts a follower: REST warm-up + stream). */
  followConcurrency?: number;
  /** Log level of the copier's logger (default info, as in production). */
  logLevel?: string;
}

/** fxmirror, wired like production. */
export class FxmirrorCopier implements CopierUnderTest {
  readonly name = 'fxmirror';
  engine!: Engine;
  client!: FxSocketClient;
  store!: Store;
  private dir = '';
  private logStream: ReturnType<typeof createWriteStream> | undefined;
  /** Start-up phases, ms. */
  readonly startup = { engineStartMs: 0, followMs: 0, streamsOpenMs: 0, totalMs: 0 };

  constructor(
    private readonly world: WorldReply,
    private readonly options: FxmirrorCopierOptions = {},
  ) {}

  async start(): Promise<void> {
    const t0 = performance.now();
    this.dir = await mkdtemp(join(tmpdir(), 'fxmirror-bench-'));
    this.logStream = createWriteStream(join(this.dir, 'copier.log'));
    const log = createLogger({ level: this.options.logLevel ?? 'info', secrets: [this.world.apiKey], destination: this.logStream });
    this.client = new FxSocketClient({ apiKey: this.world.apiKey, apiUrl: this.world.url });
    // Writes coalesced for 200 ms, as src/app.ts opens the store in production (the store's own default, 25 ms, is
    // for tests). BENCH_STORE_WRITE_DELAY_MS is a diagnostic knob (how much do coalesced state writes cost the copy
    // path?); results are produced with the production setting.
    const writeDelay = process.env['BENCH_STORE_WRITE_DELAY_MS'];
    this.store = await openStore({
      dataDir: this.dir,
      log: log.child({ component: 'store' }),
      writeDelayMs: writeDelay ? Number(writeDelay) : PRODUCTION_WRITE_DELAY_MS,
    });
    this.engine = createEngine({ broker: this.client, state: this.store, clock: systemClock, log, options: { reconcileIntervalMs: 0 } });
    // As src/app.ts wires them: a due background write waits while a copy is being planned.
    const engine = this.engine;
    this.store.deferWritesWhile(() => copyInProgress(engine.metrics, engine.runtime.masters.values()));
    await this.engine.start();
    this.startup.engineStartMs = performance.now() - t0;
    for (const m of this.world.masters) await this.engine.control.setMaster(m);
    const t1 = performance.now();
    const pairs = this.world.masters.flatMap((m, i) => (this.world.followers[i] ?? []).map((f) => ({ f, m })));
    await eachLimit(pairs, this.options.followConcurrency ?? 50, async ({ f, m }) => {
      await this.engine.control.follow(f, m);
    });
    this.startup.followMs = performance.now() - t1;
    const t2 = performance.now();
    const rt = this.engine.runtime;
    await waitUntil(
      () => [...rt.masters.values()].every((x) => x.feed.streaming) && [...rt.followers.values()].every((x) => x.streaming),
      'every stream to open',
      120_000,
    );
    this.startup.streamsOpenMs = performance.now() - t2;
    this.startup.totalMs = performance.now() - t0;
  }

  /** Starts a fresh overhead window (after warm-up). */
  resetOverhead(): void {
    this.engine.metrics.overheadMs = new LatencyWindow(16_384);
  }

  overheadSamples(): LatencyWindow {
    return this.engine.metrics.overheadMs;
  }

  idle(): Promise<void> {
    return this.engine.idle();
  }

  async stop(): Promise<void> {
    await this.engine.stop();
    await this.store.close();
    await this.client.close();
    await new Promise<void>((resolve) => (this.logStream ? this.logStream.end(resolve) : resolve()));
    await rm(this.dir, { recursive: true, force: true });
  }
}
