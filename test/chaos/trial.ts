/**
 * One chaos trial, start to end: a simulator in this process (so it counts at the source), the copier as a separate
 * process on a real state file, seeded master actions and faults, SIGKILLs at random moments (some right as an order
 * reaches a follower), a state-file check after every kill, optionally Telegram (a Bot API stand-in in this process)
 * taken away for a while near the end, then quiet, reconciliation, a graceful stop and the invariants. Returns the
 * figures; never throws for a failed invariant (the caller decides). Everything needed to investigate a failure is
 * written to the trial's directory (`trial.json`, `raw.json`, the copier's stdout and stderr).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorldVariant } from '../../src/sim/variant.js';
import { deriveSeed, Rng } from '../../src/sim/rng.js';
import { openStore } from '../../src/store/index.js';
import type { JournalEntry } from '../../src/store/index.js';
import { CopierProcess, readState } from './copier.js';
import type { Incarnation } from './copier.js';
import { FaultInjector, MasterDriver } from './driver.js';
import type { InjectedCounts, MasterActionKind } from './driver.js';
import { checkInvariants } from './expect.js';
import type { CheckResult, StreamLine } from './expect.js';
import { startFakeTelegram } from '../integration/security/fake-telegram.js';
import type { FakeTelegram, SentMessage, TelegramMode } from '../integration/security/fake-telegram.js';
import { CHAOS_API_KEY, setUpTrialWorld } from './trial-world.js';

export { CHAOS_API_KEY };
import { waitSettled } from './settle.js';

export const CHAOS_BOT_TOKEN = '6000000001:AAchaosTrialBotToken_0123456789abcdef';
export const CHAOS_ADMIN = 777;

export interface TrialOptions {
  seed: number;
  events: number;
  masters: number;
  followers: number;
  kills: number;
  /** Pause between master actions, ms (uniform). */
  gapMs: [number, number];
  /** 5xx rate on terminal REST, batch-leg timeouts, 504s that executed. */
  rates?: { error5xx: number; legTimeout: number; timeout504: number };
  /** Where logs and the state file go; default a temp dir, removed unless `keep`. */
  dir?: string;
  keep?: boolean;
  /** Progress lines (to stderr in the CLI). */
  progress?: (line: string) => void;
  /** Longest wait for the books to settle after the faults stop. */
  settleMaxMs?: number;
  /**
   * Run the copier with a Telegram bot (a Bot API stand-in in this process) and take Telegram away for `downMs`
   * near the end of the event phase: first unreachable, then answering 429, then 5xx. No kill falls in or after it.
   */
  telegram?: { downMs: number };
  /**
   * Whether a gross copy slow-down during the Telegram outage fails the run (default true). Off inside `npm test`,
   * where timing is not asserted (shared, noisy machines); the figures are still reported.
   */
  timing?: boolean;
  /** Readings of the contract's silent points the simulator takes (src/sim/variant.ts); default the default world's. */
  variant?: WorldVariant;
}

/** What Telegram being down did (and did not do) to copying and to the alerts. */
export interface TelegramFigures {
  downMs: number;
  /** Bot API calls answered 429 / 5xx, or refused (port closed), during the outage. */
  answered429: number;
  answered5xx: number;
  /** Live copies made while Telegram was down, and their latency next to the rest of the run's. */
  copiesDuring: number;
  copiesOutside: number;
  latencyDuring: { p50: number; p95: number };
  latencyOutside: { p50: number; p95: number };
  /** Copy alerts (master opens) for events during the outage, delivered after it; out-of-order deliveries. */
  openAlertsForOutage: number;
  /** Copy alerts the outbox folded into a count (over its per-chat cap) while Telegram was away. */
  collapsedCopies: number;
  openEventsDuringOutage: number;
  outOfOrder: string[];
  /** The outbox's highest depth over the last copier run (from its stop log line), and the copier's peak RSS. */
  outboxMaxDepth: number | null;
  outboxStats: Record<string, number> | null;
  peakRssMb: { before: number; during: number; after: number };
}

/** What the cluster trial did to the processes, and what they did about it. */
export interface ClusterFigures {
  workers: number;
  partitions: number;
  leaseMs: number;
  stops: { done: number; planned: number };
  redisRestarts: { done: number; planned: number; downMs: number[] };
  /** Partitions taken by a worker after the cluster first came up (kills, stops, restarts, hand-overs). */
  takeovers: number;
  /** `partition lease lost` lines: a worker found its lease gone (after a SIGSTOP or a Redis outage). */
  leasesLost: number;
  /** Where every process's stdout and stderr are. */
  logsDir: string;
}

export interface TrialReport {
  options: TrialOptions;
  dir: string;
  durationMs: number;
  events: number;
  actions: Record<MasterActionKind, number>;
  triggeredOpens: number;
  driverRefused: string[];
  faults: Record<string, number>;
  injected: InjectedCounts;
  /** `journalTornTails`: kills that left a partial last journal line (dropped, with a log line, at the next start). */
  kills: { total: number; onOrderArrival: number; survived: number; stateValidAfter: number; journalTornTails: number; stateInvalid: string[] };
  crashes: { count: number; details: string[] };
  copyLatencyMs: { samples: number; viaReconciliation: number; p50: number; p95: number; p99: number; max: number };
  telegram: TelegramFigures | null;
  /** Cluster mode only (`--cluster N`): the processes and the faults done to them. */
  cluster?: ClusterFigures;
  check: CheckResult;
  logs: { stdout: string; stderr: string };
  /** Zero-required figures that are not zero. */
  failures: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs one trial. */
export async function runTrial(options: TrialOptions): Promise<TrialReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => undefined);
  const rates = options.rates ?? { error5xx: 0.05, legTimeout: 0.02, timeout504: 0.02 };
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'fxmirror-chaos-')));
  await mkdir(dir, { recursive: true });
  const dataDir = join(dir, 'data');
  const { world, rng, magic, sim, masterHandles, followerHandles, initialBalances, recorder } = await setUpTrialWorld(options);

  // Configuration lives in the state file: seed it before the first start.
  const store = await openStore({ dataDir });
  for (const m of world.masters) store.data.masters.push({ accountId: m.id, paused: false });
  for (const f of world.followers) store.data.followers.push(structuredClone(f.config));
  store.changed();
  await store.close();

  const stream: StreamLine[] = [];
  // With a bot token the copier's chat goes to the Bot API stand-in; its messages become the event stream.
  const htmlText = (t: string) => t.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  let telegram: FakeTelegram | null = null;
  if (options.telegram) {
    telegram = await startFakeTelegram(CHAOS_BOT_TOKEN, {
      onSent: (m: SentMessage) => {
        if (m.method !== 'sendMessage') return;
        const at = Date.now();
        stream.push({ at, line: `── bot ${m.silent ? '(silent) ' : ''}──` });
        for (const line of htmlText(m.text).split('\n')) {
          stream.push({ at, line });
          if (/Reconciliation.*\(startup\)/.test(line)) markReady();
        }
      },
    });
  }
  const journal = new Map<string, JournalEntry>();
  const mergeJournal = (rows: readonly JournalEntry[]) => {
    for (const j of rows) journal.set(JSON.stringify(j), j);
  };
  const crashes: string[] = [];
  let lastOutboxStats: Record<string, number> | null = null;
  let supervising = true;
  let ready = false;
  const readyWaiters = new Set<() => void>();
  const readyAt = new Map<number, number>();
  const markReady = () => {
    const inc = copier.incarnation;
    if (inc && !readyAt.has(inc.index)) readyAt.set(inc.index, Date.now());
    ready = true;
    for (const w of readyWaiters) w();
    readyWaiters.clear();
  };
  const copier = new CopierProcess({
    dataDir,
    stdoutFile: join(dir, 'copier.stdout.log'),
    stderrFile: join(dir, 'copier.stderr.log'),
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FXSOCKET_') && !k.startsWith('FXMIRROR_') && !k.startsWith('TELEGRAM_'))) as Record<string, string>,
      FXSOCKET_API_KEY: CHAOS_API_KEY,
      FXSOCKET_API_URL: sim.url,
      FXMIRROR_DATA: dataDir,
      FXMIRROR_RECONCILE_SECONDS: '5',
      FXMIRROR_LOG_LEVEL: 'info',
      ...(options.telegram ? { TELEGRAM_BOT_TOKEN: CHAOS_BOT_TOKEN, TELEGRAM_API_ROOT: telegram?.url ?? '', FXMIRROR_ADMINS: String(CHAOS_ADMIN) } : {}),
    },
    onStdoutLine: (line) => {
      stream.push({ at: Date.now(), line });
      if (/Reconciliation.*\(startup\)/.test(line)) markReady();
    },
    onStderrLine: (line) => {
      // Started: the start-up reconciliation ran (or failed), or the Telegram bot polls (the engine starts first).
      if (line.includes('startup reconciliation failed') || line.includes('telegram bot polling')) markReady();
      const stopped = /"outbox":(\{[^}]*\}).*"msg":"telegram bot stopped"/.exec(line);
      if (stopped?.[1] !== undefined) lastOutboxStats = JSON.parse(stopped[1]) as Record<string, number>;
    },
    onExit: (inc: Incarnation) => {
      ready = false;
      if (!inc.killedByRunner) {
        crashes.push(`incarnation ${inc.index} exited by itself (code ${inc.exitCode}, signal ${inc.signal}): ${inc.stderrTail.slice(-3).join(' | ')}`);
        // As a supervisor (systemd, Docker) would: start it again.
        if (supervising) setTimeout(() => {
          if (supervising && !copier.running) copier.start();
        }, 1000);
      }
    },
  });
  const waitReady = (ms: number) =>
    ready
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const done = () => {
            clearTimeout(t);
            resolve(true);
          };
          const t = setTimeout(() => {
            readyWaiters.delete(done);
            resolve(false);
          }, ms);
          readyWaiters.add(done);
        });

  const faults = new FaultInjector(sim, masterHandles.map((m) => m.handle), followerHandles, new Rng(deriveSeed(options.seed, 'chaos-faults')), rates);
  const driver = new MasterDriver(sim, masterHandles, new Rng(deriveSeed(options.seed, 'chaos-masters')));
  const lineageTimer = setInterval(() => recorder.refreshLineage(), 200);

  // Source-side copy latency: a master's deal → the first order for that position reaching each follower.
  const masterDealAt = new Map<string, { t: bigint; at: number }>();
  const latencies: { ms: number; dealAt: number; orderAt: number }[] = [];
  const seenLatency = new Set<string>();
  const onTradeFrame = (e: { accountId: string; position: number; entry: string; t: bigint }) => {
    if (e.entry === 'In' && world.masters.some((m) => m.id === e.accountId)) masterDealAt.set(`${e.accountId}#${e.position}`, { t: e.t, at: Date.now() });
  };
  sim.events.on('tradeFrame', onTradeFrame);
  const onOrder = (e: { accountId: string; comment: string; t: bigint }) => {
    const m = /fxm:([0-9a-z]{7}):([0-9a-z]+):/.exec(e.comment);
    if (!m) return;
    const masterId = recorder.masterOfShort(m[1] as string);
    if (!masterId) return;
    const ticket = parseInt(m[2] as string, 36);
    const k = `${e.accountId}|${masterId}#${ticket}`;
    if (seenLatency.has(k)) return;
    seenLatency.add(k);
    const t0 = masterDealAt.get(`${masterId}#${ticket}`);
    if (t0 !== undefined) latencies.push({ ms: Number(e.t - t0.t) / 1e6, dealAt: t0.at, orderAt: Date.now() });
  };
  sim.events.on('orderReceived', onOrder);

  // Kills: spread over the event phase; about half fire the moment an order reaches a follower.
  const killAt = new Set<number>();
  // With Telegram, no kill in or after its outage (which starts at 80 % of the events), nor just before it: the run
  // that lives through it, settled after its start-up, is the one whose latency, alert delivery and outbox are measured.
  const killSpan = options.telegram ? Math.floor(options.events * 0.5) : options.events;
  if (options.kills > 0) {
    const span = killSpan / options.kills;
    for (let k = 0; k < options.kills; k++) killAt.add(Math.min(killSpan - 1, Math.floor(span * k + span * (0.3 + 0.4 * rng.next()))));
  }
  const kills = { total: 0, onOrderArrival: 0, survived: 0, stateValidAfter: 0, journalTornTails: 0, stateInvalid: [] as string[] };
  let killTask: Promise<void> = Promise.resolve();
  const doKill = async (onOrder: boolean): Promise<void> => {
    for (let i = 0; i < 100 && !copier.running; i++) await sleep(100);
    if (!copier.running) return;
    if (onOrder) {
      await new Promise<void>((resolve) => {
        const fallback = setTimeout(() => {
          cancel();
          copier.kill('SIGKILL');
          resolve();
        }, 3000);
        const cancel = recorder.onNextFollowerOrder(() => {
          clearTimeout(fallback);
          if (copier.kill('SIGKILL')) kills.onOrderArrival++;
          resolve();
        });
      });
    } else {
      copier.kill('SIGKILL');
    }
    kills.total++;
    faults.counts.kills++;
    await copier.waitExit();
    const state = await readState(dataDir);
    if (state.ok) {
      kills.stateValidAfter++;
      mergeJournal(state.journal);
      if (state.journalDamagedTail !== null) kills.journalTornTails++;
    } else kills.stateInvalid.push(state.error);
    await sleep(200 + rng.int(1300));
    copier.start();
    kills.survived++;
  };

  progress(`chaos: seed ${options.seed}, ${options.events} events, ${options.masters} master(s), ${options.followers} followers, ${options.kills} kills; logs in ${dir}`);
  faults.start();
  copier.start();
  if (!(await waitReady(30_000))) progress('chaos: the copier did not report its start-up reconciliation within 30 s');

  // Telegram's outage: unreachable, then 429s, then 5xx, a third of the time each.
  const telegramAt = options.telegram ? Math.floor(options.events * 0.8) : -1;
  const outage = { start: 0, end: 0 };
  let outageTask: Promise<void> = Promise.resolve();
  const runOutage = async (downMs: number): Promise<void> => {
    if (!telegram) return;
    outage.start = Date.now();
    const modes: TelegramMode[] = ['down', 'flood', 'error'];
    for (const mode of modes) {
      await telegram.setMode(mode, 5);
      await sleep(downMs / modes.length);
    }
    await telegram.setMode('ok');
    outage.end = Date.now();
    progress(`chaos: Telegram back after ${Math.round((outage.end - outage.start) / 1000)} s`);
  };
  // The copier's memory, sampled once a second.
  const rss: { at: number; mb: number }[] = [];
  const rssTimer = setInterval(() => {
    const pid = copier.incarnation?.pid;
    if (!copier.running || pid === undefined) return;
    readFile(`/proc/${pid}/status`, 'utf8')
      .then((t) => {
        const kb = /VmRSS:\s+(\d+)/.exec(t)?.[1];
        if (kb !== undefined) rss.push({ at: Date.now(), mb: Number(kb) / 1024 });
      })
      .catch(() => undefined);
  }, 1000);

  // The event phase.
  const closeAt = new Set([Math.floor(options.events * 0.3), Math.floor(options.events * 0.65)]);
  let events = 0;
  for (let i = 0; i < options.events; i++) {
    if (i === telegramAt && options.telegram) {
      const downMs = options.telegram.downMs;
      outageTask = runOutage(downMs);
    }
    if (killAt.has(i)) {
      await killTask;
      killTask = doKill(rng.chance(0.5));
    }
    if (closeAt.has(i)) faults.closeMarket('USDJPY', 8000 + rng.int(12_000));
    faults.step();
    const did = driver.step(Date.now());
    if (did) events++;
    if (i % 50 === 49) progress(`chaos: ${i + 1}/${options.events} events, ${kills.total} kills, copier ${copier.running ? 'up' : 'down'}`);
    await sleep(options.gapMs[0] + rng.int(options.gapMs[1] - options.gapMs[0] + 1));
  }
  await killTask;
  await outageTask;

  // Quiet: no more faults; the copier catches up and reconciles.
  faults.stop();
  if (!copier.running) copier.start();
  await waitReady(30_000);
  const settled = await waitSettled(sim, world.followers.map((f) => f.id), stream, options.settleMaxMs ?? 90_000, 8000);
  progress(`chaos: settled after ${settled.seconds} s (${settled.timerRuns} timer reconciliations)`);

  // Graceful stop: the final state is flushed; it must be valid too.
  supervising = false;
  await copier.stop();
  const last_ = copier.incarnations.at(-1);
  if (last_ && last_.exitCode !== 0 && !(last_.signal === 'SIGKILL' && last_.killedByRunner)) crashes.push(`graceful stop ended with code ${last_.exitCode} signal ${last_.signal}`);
  const finalState = await readState(dataDir);
  if (finalState.ok) mergeJournal(finalState.journal);
  else kills.stateInvalid.push(`final: ${finalState.error}`);

  clearInterval(lineageTimer);
  clearInterval(rssTimer);
  recorder.refreshLineage();
  // The raw material first: a check that throws must not lose a ten-minute run.
  await writeFile(
    join(dir, 'raw.json'),
    JSON.stringify({
      world: { masters: world.masters, followers: world.followers.map((f) => ({ nickname: f.nickname, id: f.id, broker: f.account.broker, marginMode: f.account.marginMode, config: f.config })) },
      positions: [...driver.positions.values()],
      pendings: [...driver.pendings.values()],
      incarnations: copier.incarnations,
      masterRows: world.masters.map((m) => ({ id: m.id, rows: sim.account(m.id).positions() })),
      followerRows: world.followers.map((f) => ({ id: f.id, rows: sim.account(f.id).positions() })),
    }),
  );
  const check = checkInvariants({
    world,
    sim,
    magic,
    driver,
    journal: [...journal.values()],
    stream,
    recorder,
    incarnations: copier.incarnations,
    killGraceMs: 3000,
    initialBalances,
  });
  const simStats = sim.stats();
  sim.events.off('tradeFrame', onTradeFrame);
  sim.events.off('orderReceived', onOrder);
  recorder.close();
  await copier.close();
  await sim.close();
  await telegram?.close();

  // Live copies: the master's deal happened while a started copier was running, and it was still running when the
  // order arrived. The others were made by a later incarnation's reconciliation.
  const live = latencies.filter((l) =>
    copier.incarnations.some((inc) => {
      const r = readyAt.get(inc.index);
      return r !== undefined && r <= l.dealAt && (inc.endedAt === null || inc.endedAt >= l.orderAt);
    }),
  );
  const sorted = live.map((l) => l.ms).sort((a, b) => a - b);
  const round1 = (x: number) => Math.round(x * 10) / 10;
  let telegramFigures: TelegramFigures | null = null;
  if (options.telegram && telegram) {
    const inOutage = (t: number) => t >= outage.start && t <= outage.end;
    // Copies in a copier's first 5 s (start-up catch-up) are left out of both sides of the comparison.
    const settled = live.filter((l) =>
      copier.incarnations.some((inc) => {
        const r = readyAt.get(inc.index);
        return r !== undefined && l.dealAt - r >= 5_000 && (inc.endedAt === null || inc.endedAt >= l.orderAt);
      }),
    );
    const during = settled.filter((l) => inOutage(l.dealAt)).map((l) => l.ms).sort((a, b) => a - b);
    const outside = settled.filter((l) => !inOutage(l.dealAt)).map((l) => l.ms).sort((a, b) => a - b);
    const calls = telegram.calls.filter((c) => inOutage(c.at));
    // Copy alerts of the outage's master opens, delivered after it, per master: tickets must rise (in event order).
    // The opens the copier saw live (a `copied` event, hence an alert): those with a journal row of their deal.
    const liveOpen = new Set([...journal.values()].filter((j) => j.eventKind === 'open' && /^d\d+$/.test(j.eventId)).map((j) => `${j.masterId}#${j.masterTicket}`));
    const opensDuring = [...driver.positions.values()].filter((p) => p.fromPending === null && inOutage(p.openedAt) && liveOpen.has(`${p.masterId}#${p.ticket}`));
    const outOfOrder: string[] = [];
    const lastTicket = new Map<string, number>();
    let openAlertsForOutage = 0;
    const outageTickets = new Set(opensDuring.map((p) => p.ticket));
    // Over its cap the outbox folds routine copy alerts into one "⋯ N copies … not shown one by one" message.
    let collapsedCopies = 0;
    for (const m of telegram.messagesTo(CHAOS_ADMIN)) {
      if (m.method !== 'sendMessage') continue;
      // The summary lists its kinds in the order they were folded: "⋯ 3 rejection alerts, 41 copies not shown …".
      const fold = m.text.indexOf('⋯ ');
      const folded = fold >= 0 ? /(\d+) cop(?:y|ies)\b/.exec(m.text.slice(fold)) : null;
      if (folded && m.at >= outage.start) collapsedCopies += Number(folded[1]);
      const head = /^📋 <b>(\S+)<\/b> .*· open #(\d+)/.exec(m.text);
      if (!head) continue;
      const ticket = Number(head[2]);
      if (!outageTickets.has(ticket) || m.at < outage.end) continue;
      openAlertsForOutage++;
      const k = head[1] as string;
      const prev = lastTicket.get(k);
      if (prev !== undefined && ticket < prev) outOfOrder.push(`${head[1]} #${ticket} after #${prev}`);
      lastTicket.set(k, ticket);
    }
    const peak = (from: number, to: number) => Math.round(Math.max(0, ...rss.filter((r) => r.at >= from && r.at < to).map((r) => r.mb)));
    telegramFigures = {
      downMs: outage.end - outage.start,
      answered429: calls.filter((c) => c.status === 429).length,
      answered5xx: calls.filter((c) => c.status >= 500).length,
      copiesDuring: during.length,
      copiesOutside: outside.length,
      latencyDuring: { p50: round1(percentile(during, 50)), p95: round1(percentile(during, 95)) },
      latencyOutside: { p50: round1(percentile(outside, 50)), p95: round1(percentile(outside, 95)) },
      openAlertsForOutage,
      collapsedCopies,
      openEventsDuringOutage: opensDuring.length,
      outOfOrder,
      outboxMaxDepth: lastOutboxStats?.['maxDepth'] ?? null,
      outboxStats: lastOutboxStats,
      peakRssMb: { before: peak(0, outage.start), during: peak(outage.start, outage.end), after: peak(outage.end, Number.MAX_SAFE_INTEGER) },
    };
  }
  const report: TrialReport = {
    options,
    dir,
    durationMs: Date.now() - started,
    events,
    actions: { ...driver.counts },
    triggeredOpens: driver.triggeredOpens,
    driverRefused: driver.refused,
    faults: {
      ...simStats.faults,
      marketClosed: faults.counts.marketClosures,
      kill: kills.total,
      ...(telegramFigures ? { telegram429: telegramFigures.answered429, telegram5xx: telegramFigures.answered5xx, telegramDownSeconds: Math.round(telegramFigures.downMs / 1000) } : {}),
    },
    injected: { ...faults.counts },
    kills,
    crashes: { count: crashes.length, details: crashes },
    copyLatencyMs: { samples: sorted.length, viaReconciliation: latencies.length - live.length, p50: round1(percentile(sorted, 50)), p95: round1(percentile(sorted, 95)), p99: round1(percentile(sorted, 99)), max: round1(sorted.at(-1) ?? 0) },
    telegram: telegramFigures,
    check,
    logs: { stdout: join(dir, 'copier.stdout.log'), stderr: join(dir, 'copier.stderr.log') },
    failures: [],
  };
  report.failures = failuresOf(report);
  // What is needed to investigate a failure after the fact.
  await writeFile(
    join(dir, 'trial.json'),
    JSON.stringify(
      {
        report,
        world: { masters: world.masters, followers: world.followers.map((f) => ({ nickname: f.nickname, id: f.id, broker: f.account.broker, marginMode: f.account.marginMode, config: f.config })) },
        positions: [...driver.positions.values()],
        pendings: [...driver.pendings.values()],
        exchanges: recorder.exchanges,
        duplicatesAtSource: recorder.duplicates,
        incarnations: copier.incarnations,
      },
      null,
      1,
    ),
  );
  if (!options.keep && options.dir === undefined && report.failures.length === 0) await rm(dir, { recursive: true, force: true });
  return report;
}

/** Every figure that must be zero (or complete) and is not. */
export function failuresOf(r: TrialReport): string[] {
  const f: string[] = [];
  const c = r.check;
  if (c.duplicates.length > 0) f.push(`duplicates ${c.duplicates.length}`);
  if (c.orphans.length > 0) f.push(`orphans ${c.orphans.length}`);
  if (c.lost.length > 0) f.push(`lost ${c.lost.length}`);
  if (c.wrongVolume.length > 0) f.push(`wrong volume ${c.wrongVolume.length}`);
  if (c.wrongStops.length > 0) f.push(`wrong SL/TP ${c.wrongStops.length}`);
  if (c.wrongOther.length > 0) f.push(`wrong symbol/side/kind/price ${c.wrongOther.length}`);
  if (c.unreported.length > 0) f.push(`unreported ${c.unreported.length}`);
  if (r.crashes.count > 0) f.push(`crashes ${r.crashes.count}`);
  if (r.kills.stateInvalid.length > 0) f.push(`state file invalid ${r.kills.stateInvalid.length}`);
  if (r.kills.total !== r.options.kills) f.push(`kills ${r.kills.total}/${r.options.kills}`);
  if (r.driverRefused.length > 0) f.push(`master actions refused ${r.driverRefused.length}`);
  const t = r.telegram;
  if (t !== null) {
    if (t.outOfOrder.length > 0) f.push(`alerts out of order ${t.outOfOrder.length}`);
    if (t.openAlertsForOutage + t.collapsedCopies < t.openEventsDuringOutage) f.push(`alerts for the outage delivered ${t.openAlertsForOutage} (+${t.collapsedCopies} folded)/${t.openEventsDuringOutage}`);
    if (t.outboxMaxDepth === null) f.push('outbox depth unknown (no stop line)');
    // Copying unaffected: the outage's copies as fast as the others (a gross slow-down fails; noise does not).
    if (r.options.timing !== false && t.copiesDuring > 0 && t.copiesOutside > 0 && t.latencyDuring.p50 > Math.max(3 * t.latencyOutside.p50, t.latencyOutside.p50 + 100)) f.push(`copy latency during the Telegram outage p50 ${t.latencyDuring.p50} ms vs ${t.latencyOutside.p50} ms`);
  }
  return f;
}
