/**
 * The whole app as a user runs it: `src/main.ts` in a child process, configured only through its environment, with
 * a simulator on loopback that accepts the given API key, and a state file seeded with one master and its
 * followers. Every stdout and stderr line is kept for the assertions.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFollower } from '../../../src/domain/config.js';
import type { FollowerConfig } from '../../../src/domain/config.js';
import { ALWAYS_OPEN, createSimulator, demoWorld } from '../../../src/sim/index.js';
import type { Sim, WorldSpec } from '../../../src/sim/index.js';
import { openStore } from '../../../src/store/index.js';
import type { ChatUser } from '../../../src/store/index.js';
import { CopierProcess } from '../../chaos/copier.js';

export interface AppWorld {
  sim: Sim;
  dir: string;
  dataDir: string;
  ids: { master: string; followers: string[] };
  stdout: string[];
  stderr: string[];
  app: CopierProcess;
  /** Starts main.ts with the base environment plus `env` (a value of `undefined` removes a variable). */
  start(env?: Record<string, string | undefined>): void;
  /** Resolves with the first stdout/stderr line since the latest start matching `re`. */
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once main.ts has exited. */
  exited(timeoutMs?: number): Promise<number | null>;
  close(): Promise<void>;
}

/** The demo world with every symbol open around the clock (the tests must not depend on the wall clock). */
function openWorld(): WorldSpec {
  const base = demoWorld();
  return { ...base, brokers: base.brokers.map((b) => (typeof b === 'string' ? b : { ...b, symbols: b.symbols.map((s) => ({ ...s, sessions: ALWAYS_OPEN })) })) };
}

export async function startAppWorld(options: {
  apiKey: string;
  followers?: ('apex-follower' | 'raw-follower' | 'mt4-follower')[];
  configure?: (f: FollowerConfig) => void;
  seed?: boolean;
  /** Chat users already known (besides the env admins). */
  users?: ChatUser[];
}): Promise<AppWorld> {
  const sim = await createSimulator({ seed: 5, port: 0, world: openWorld(), priceFeed: false, demoTrader: false, marketHours: 'always', apiKeys: { full: [options.apiKey], readOnly: [] } });
  const dir = await mkdtemp(join(tmpdir(), 'fxmirror-app-'));
  const dataDir = join(dir, 'data');
  const master = sim.account('master').id;
  const followers = (options.followers ?? ['apex-follower', 'mt4-follower']).map((n) => sim.account(n).id);
  if (options.seed !== false) {
    const store = await openStore({ dataDir });
    store.data.masters.push({ accountId: master, paused: false });
    for (const id of followers) {
      const f = defaultFollower(id, [master]);
      options.configure?.(f);
      store.data.followers.push(f);
    }
    for (const u of options.users ?? []) store.data.users.push(u);
    store.changed();
    await store.close();
  }
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  let env: Record<string, string> = {};
  // waitLine looks only at what the latest start printed.
  let mark = { out: 0, err: 0 };
  const app = new CopierProcess({
    dataDir,
    stdoutFile: join(dir, 'app.stdout.log'),
    stderrFile: join(dir, 'app.stderr.log'),
    get env() {
      return env;
    },
    onStdoutLine: (line) => {
      stdout.push(line);
      notify();
    },
    onStderrLine: (line) => {
      stderr.push(line);
      notify();
    },
    onExit: () => notify(),
  });
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('FXSOCKET_') && !k.startsWith('FXMIRROR_') && !k.startsWith('TELEGRAM_')),
  ) as Record<string, string>;
  const world: AppWorld = {
    sim,
    dir,
    dataDir,
    ids: { master, followers },
    stdout,
    stderr,
    app,
    start(extra = {}) {
      env = { ...base, FXSOCKET_API_KEY: options.apiKey, FXSOCKET_API_URL: sim.url, FXMIRROR_DATA: dataDir, FXMIRROR_RECONCILE_SECONDS: '5', FXMIRROR_LOG_LEVEL: 'debug' };
      for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) delete env[k];
        else env[k] = v;
      }
      mark = { out: stdout.length, err: stderr.length };
      app.start();
    },
    waitLine(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = [...stdout.slice(mark.out), ...stderr.slice(mark.err)].find((l) => re.test(l));
          if (hit !== undefined) {
            done();
            resolve(hit);
          } else if (!app.running) {
            done();
            reject(new Error(`main.ts exited before printing ${re}; stderr: ${stderr.slice(-5).join(' | ')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout: ${stdout.slice(-5).join(' | ')}; stderr: ${stderr.slice(-5).join(' | ')}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async exited(timeoutMs = 30_000) {
      const timer = setTimeout(() => app.kill('SIGKILL'), timeoutMs);
      await app.waitExit();
      clearTimeout(timer);
      return app.incarnation?.exitCode ?? null;
    },
    async close() {
      await app.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}
