/**
 * Replay safety for real (design.md §3, Execution): the copier process is SIGKILLed while a batch is in flight,
 * before it could record the result, and started again on the same data directory. Every follower must end with
 * exactly one copy, nothing missing, and the state file must be valid.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CopierEvent } from '../../../src/engine/index.js';
import { createSimulator } from '../../../src/sim/index.js';
import type { OrderReceivedEvent, Sim } from '../../../src/sim/index.js';
import { openStore } from '../../../src/store/index.js';
import { alwaysOpenWorld, MAGIC, waitFor } from './harness.js';

const CHILD = fileURLToPath(new URL('./copier-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Copier {
  proc: ChildProcess;
  lines: string[];
  events: CopierEvent[];
  exited: Promise<void>;
  stderr(): string;
}

function startCopier(sim: Sim, dir: string, followers: string[], waitGo = false): Copier {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    stdio: [waitGo ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...(waitGo ? { FXM_WAIT_GO: '1' } : {}),
      FXM_SIM_URL: sim.url,
      FXM_SIM_KEY: sim.apiKey,
      FXM_DATA_DIR: dir,
      FXM_MASTER: sim.account('master').id,
      FXM_FOLLOWERS: followers.join(','),
      // FXM_LOG=info FXM_LOG_FILE=/tmp/copier.log in the test's environment shows the children's logs.
    },
  });
  const lines: string[] = [];
  const events: CopierEvent[] = [];
  let buffer = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      if (line.startsWith('event ')) events.push(JSON.parse(line.slice(6)) as CopierEvent);
    }
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (err += chunk));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, lines, events, exited, stderr: () => err };
}

describe('engine: crash between sending a batch and recording it', () => {
  let sim: Sim | undefined;
  let dir: string | undefined;
  const children: Copier[] = [];
  afterEach(async () => {
    for (const c of children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await c.exited;
    }
    children.length = 0;
    await sim?.close();
    sim = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('restarts without a duplicate or a missing copy, and with a valid state file', async () => {
    sim = await createSimulator({ seed: 11, port: 0, priceFeed: false, demoTrader: false, marketHours: 'always', world: alwaysOpenWorld() });
    const s = sim;
    dir = await mkdtemp(join(tmpdir(), 'fxmirror-crash-'));
    const followers = ['apex-follower', 'raw-follower', 'mt4-follower'].map((n) => s.account(n).id);
    const [apexId, rawId, mt4Id] = followers as [string, string, string];

    const first = startCopier(s, dir, followers);
    children.push(first);
    // The replacement is loaded ahead (a cold start compiles for seconds) and told to go once the first is dead.
    const second = startCopier(s, dir, followers, true);
    children.push(second);
    await waitFor(() => first.lines.includes('ready') || first.proc.exitCode !== null, 'first copier ready', 30_000);
    expect(first.lines, first.stderr()).toContain('ready');
    await waitFor(() => second.lines.includes('loaded') || second.proc.exitCode !== null, 'second copier loaded', 30_000);

    // The batch's legs: apex answers at once, the MT4 follower only after 2 s. The copier dies as soon as the apex
    // leg has reached the broker, so the batch is in flight and nothing of its result is recorded.
    s.account('mt4-follower').faults.set({ latencyMs: 2000 });
    const received: OrderReceivedEvent[] = [];
    s.events.on('orderReceived', (e: OrderReceivedEvent) => {
      received.push(e);
      if (e.accountId === apexId && first.proc.exitCode === null) {
        first.proc.kill('SIGKILL');
        // Only the leg already on its way stays slow (its wait starts in this same turn); the restarted copier's own
        // calls are not.
        setImmediate(() => s.account('mt4-follower').faults.set({ latencyMs: 0 }));
      }
    });
    const master = s.account('master');
    const r = master.send({ symbol: 'EURUSD', operation: 'Buy', volume: 0.3 });
    expect(r.success).toBe(true);
    await first.exited;
    expect(first.proc.signalCode).toBe('SIGKILL');
    expect(first.events.some((e) => e.type === 'copied')).toBe(false);

    second.proc.stdin?.write('go\n');
    await waitFor(() => second.lines.includes('started') || second.proc.exitCode !== null, 'second copier started', 30_000);
    expect(second.lines, second.stderr()).toContain('started');
    // The restarted copier runs while the MT4 leg is still on its way: the dangerous window.
    expect(received.some((e) => e.accountId === mt4Id)).toBe(false);
    await waitFor(() => second.lines.includes('ready') || second.proc.exitCode !== null, 'second copier ready', 30_000);
    expect(second.lines, second.stderr()).toContain('ready');

    // Let the in-flight leg land and the restarted copier settle everything.
    await waitFor(() => received.some((e) => e.accountId === mt4Id), 'the in-flight MT4 leg executed', 10_000);
    const copies = (id: string) => s.account(id).positions().filter((p) => p.magic === MAGIC);
    await waitFor(() => followers.every((id) => copies(id).length >= 1), 'copies on every follower', 10_000);
    second.proc.kill('SIGTERM');
    await waitFor(() => second.lines.includes('stopped') || second.proc.exitCode !== null || second.proc.signalCode !== null, 'second copier stopped', 10_000);
    expect(second.lines, `exit=${second.proc.exitCode} signal=${second.proc.signalCode} ${second.stderr()}`).toContain('stopped');
    // Stopped cleanly, the process exits by itself: nothing (socket, timer, lock heartbeat) is left running.
    await waitFor(() => second.proc.exitCode !== null || second.proc.signalCode !== null, 'second copier exited by itself', 10_000);
    expect(second.proc.exitCode).toBe(0);

    // The restarted copier replayed the deal under its first key. The legs that had landed show their tagged copies
    // and are left out; the MT4 leg still on its way is sent again under the same key, which FxSocket holds until the
    // first batch has finished, then refuses (a different body): nothing is sent twice, and that leg is settled from
    // its tag.
    const replayed = second.events.find((e): e is Extract<CopierEvent, { type: 'copied' }> => e.type === 'copied' && e.event.ticket === r.order);
    expect(replayed?.legs.map((l) => [l.followerId, l.status, l.reason])).toEqual([
      [apexId, 'skipped', 'already_copied'],
      [rawId, 'skipped', 'already_copied'],
      [mt4Id, 'unknown', null],
    ]);
    const settled = second.events.find((e): e is Extract<CopierEvent, { type: 'leg_resolved' }> => e.type === 'leg_resolved' && e.leg.followerId === mt4Id);
    expect([settled?.leg.status, settled?.leg.ticket]).toEqual(['filled', copies(mt4Id)[0]?.ticket]);
    // The replay linked the two landed copies by their tags, so start-up reconciliation found nothing to adopt.
    const startup = second.events.find((e): e is Extract<CopierEvent, { type: 'reconciled' }> => e.type === 'reconciled' && e.trigger === 'startup');
    expect(startup, 'start-up reconciliation ran').toBeDefined();
    expect((startup?.report.followers.flatMap((f) => f.actions) ?? []).map((a) => a.kind)).toEqual([]);
    for (const id of followers) expect(copies(id), s.account(id).nickname).toHaveLength(1);
    expect(copies(apexId)[0]?.lots).toBe(0.3);
    expect(copies(rawId)[0]?.lots).toBe(0.3);
    expect(copies(mt4Id)[0]?.lots).toBe(0.3);
    // Each follower's order reached its broker exactly once.
    for (const id of followers) expect(received.filter((e) => e.accountId === id && e.magic === MAGIC), s.account(id).nickname).toHaveLength(1);

    // The state file opens (validated) and links every copy to the master position.
    const store = await openStore({ dataDir: dir });
    try {
      const links = store.state.links.filter((l) => l.status === 'open' && l.masterTicket === r.order);
      expect(links.map((l) => l.followerId).sort()).toEqual([...followers].sort());
      for (const l of links) expect(l.followerTicket).toBe(copies(l.followerId)[0]?.ticket);
    } finally {
      await store.close();
    }
  }, 60_000);
});
