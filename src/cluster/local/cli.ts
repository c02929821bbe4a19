/**
 * `npm run cluster -- --workers 2 [--partitions 8]`: a whole cluster on this machine without Docker: redis-server
 * (Debian's, on a free port, AOF on, in a temp directory), the FxSocket simulator in demo mode (a demo trader on the
 * master, three followers on other brokers), one control process with the terminal chat on this terminal, and N
 * workers. Kill a worker (`kill -9 <pid>`, pids printed below) and watch /status move its partitions.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { defaultFollower } from '../../domain/config.js';
import { createSimulator } from '../../sim/index.js';
import { clusterKeys } from '../keys.js';
import { buildVersion } from '../version.js';
import { startLocalRedis } from './redis-server.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    partitions: { type: 'string', default: '8' },
    seed: { type: 'string', default: '7' },
  },
  strict: true,
});
const workers = Number(values.workers);
const partitions = Number(values.partitions);
if (!Number.isInteger(workers) || workers < 1 || workers > 32) throw new Error(`--workers must be 1 to 32, got ${values.workers}`);
if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) throw new Error(`--partitions must be 1 to 1024, got ${values.partitions}`);

const MAIN = fileURLToPath(new URL('../../main.ts', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'fxmirror-cluster-'));
const redis = process.env['FXMIRROR_REDIS_URL'] ? null : await startLocalRedis(dir);
const redisUrl = process.env['FXMIRROR_REDIS_URL'] ?? redis?.url ?? '';
const sim = await createSimulator({ seed: Number(values.seed), port: 0, marketHours: 'always', demoTrader: { intervalMs: 4_000, seed: Number(values.seed) } });

// The demo's configuration, written before the control process starts (it reads it as the cluster's state).
const keys = clusterKeys('fxm');
const r = new Redis(redisUrl);
if ((await r.exists(keys.config)) === 0) {
  const master = sim.account('master').id;
  const followers = ['apex-follower', 'raw-follower', 'mt4-follower'].map((n) => defaultFollower(sim.account(n).id, [master]));
  await r.set(keys.config, JSON.stringify({ version: 1, writer: buildVersion(), partitions, masters: [{ accountId: master, paused: false }], followers }));
}
r.disconnect();

const env = {
  ...process.env,
  FXSOCKET_API_KEY: sim.apiKey,
  FXSOCKET_API_URL: sim.url,
  FXMIRROR_REDIS_URL: redisUrl,
  FXMIRROR_PARTITIONS: String(partitions),
  FXMIRROR_DATA: join(dir, 'data'),
  FXMIRROR_LOG_LEVEL: process.env['FXMIRROR_LOG_LEVEL'] ?? 'warn',
};
const children: ChildProcess[] = [];
function prefixed(child: ChildProcess, name: string): void {
  for (const s of [child.stdout, child.stderr]) {
    s?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim() !== '') process.stdout.write(`[${name}] ${line}\n`);
    });
  }
}
for (let i = 1; i <= workers; i++) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...env, FXMIRROR_ROLE: 'worker', FXMIRROR_WORKER_ID: `worker-${i}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixed(child, `worker-${i} pid ${child.pid}`);
  children.push(child);
}
const control = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: { ...env, FXMIRROR_ROLE: 'control' }, stdio: ['inherit', 'inherit', 'inherit'] });
children.push(control);
process.stdout.write(
  `fxmirror local cluster: redis ${redisUrl} (AOF in ${dir}), simulator ${sim.url}, ${partitions} partitions, ${workers} workers (pids ${children
    .slice(0, workers)
    .map((c) => c.pid)
    .join(', ')}), control pid ${control.pid}.\nType /status in the chat below; kill -9 a worker pid to watch its partitions move.\n`,
);
sim.demoTrader.start();

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((res) => (c.exitCode !== null ? res(null) : c.once('exit', res)))));
  await sim.close();
  await redis?.stop();
  process.exit(0);
};
control.once('exit', () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
