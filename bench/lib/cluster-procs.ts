/**
 * The cluster's own processes as production starts them: `node <build>/src/main.js` (or `node --import tsx
 * src/main.ts` under `--no-build`) with `FXMIRROR_ROLE=control|worker` and the cluster's environment. Their output
 * goes to files in the case's directory, never through the benchmark's event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMPILED = import.meta.url.endsWith('.js');
const MAIN = fileURLToPath(new URL(COMPILED ? '../../src/main.js' : '../../src/main.ts', import.meta.url));

/** Lease timing and partitioning of the benchmark's cluster (production defaults, P fixed for every case). */
export interface ClusterSettings {
  partitions: number;
  leaseMs: number;
  renewMs: number;
  batchTimeoutMs: number;
  prefix: string;
  logLevel: string;
}

export const BENCH_CLUSTER_SETTINGS: ClusterSettings = { partitions: 8, leaseMs: 15_000, renewMs: 2_000, batchTimeoutMs: 5_000, prefix: 'fxb', logLevel: 'info' };

export interface ClusterProc {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** The process's output so far (stdout and stderr). */
  output(): string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** The environment of one cluster process; anything FXMIRROR_, FXSOCKET_ or TELEGRAM_ of the caller is left out. */
function clusterEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(FXMIRROR_|FXSOCKET_|TELEGRAM_)/.test(k)) env[k] = v;
  return { ...env, NODE_OPTIONS: '', ...extra };
}

export function startClusterProc(opts: {
  name: string;
  role: 'control' | 'worker';
  dir: string;
  settings: ClusterSettings;
  redisUrl: string;
  apiUrl: string;
  apiKey: string;
}): ClusterProc {
  const logFile = join(opts.dir, `${opts.name}.log`);
  const fd = openSync(logFile, 'a');
  const s = opts.settings;
  // BENCH_CPU_PROF_DIR: each cluster process writes a V8 CPU profile there when it exits (for finding the cost).
  const prof = process.env.BENCH_CPU_PROF_DIR;
  const profArgs = prof ? [`--cpu-prof`, `--cpu-prof-dir=${join(prof, opts.name)}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profArgs, ...(COMPILED ? [] : ['--import', 'tsx']), MAIN], {
    // stdin at end of input: the control process's terminal chat stops reading and copying goes on.
    stdio: ['ignore', fd, fd],
    env: clusterEnv({
      FXSOCKET_API_KEY: opts.apiKey,
      FXSOCKET_API_URL: opts.apiUrl,
      FXMIRROR_REDIS_URL: opts.redisUrl,
      FXMIRROR_REDIS_PREFIX: s.prefix,
      FXMIRROR_ROLE: opts.role,
      FXMIRROR_WORKER_ID: opts.name,
      FXMIRROR_PARTITIONS: String(s.partitions),
      FXMIRROR_LEASE_MS: String(s.leaseMs),
      FXMIRROR_LEASE_RENEW_MS: String(s.renewMs),
      FXMIRROR_BATCH_TIMEOUT_MS: String(s.batchTimeoutMs),
      FXMIRROR_DATA: join(opts.dir, opts.name),
      FXMIRROR_LOG_LEVEL: s.logLevel,
      FXMIRROR_WEBAPP: 'off',
    }),
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${opts.name} could not be started`);
  const pid = child.pid;
  let exitedFlag = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exitedFlag = true;
      resolve();
    }),
  );
  return {
    name: opts.name,
    pid,
    logFile,
    output: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    exited: () => exitedFlag,
    async stop(graceMs = 15_000) {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a process's output, for an error message. */
export function tail(p: ClusterProc, lines = 12): string {
  return `--- ${p.name} (pid ${p.pid})\n${p.output().trimEnd().split('\n').slice(-lines).join('\n')}`;
}
