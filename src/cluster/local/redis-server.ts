/**
 * Starts Debian's `redis-server` on a free loopback port with its own directory and AOF on (appendfsync everysec),
 * for `npm run cluster` and the cluster tests. Stopped with `stop()`; `restart()` keeps the directory (AOF replay).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface LocalRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
  /** SIGKILL (no final fsync), then start again on the same directory and port. */
  restart(downMs?: number): Promise<void>;
}

export function redisServerAvailable(binary = 'redis-server'): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch {
      // not yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > until) throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function startLocalRedis(dir: string, options: { binary?: string; port?: number } = {}): Promise<LocalRedis> {
  const binary = options.binary ?? 'redis-server';
  if (!redisServerAvailable(binary)) throw new Error(`${binary} not found: install Debian's redis-server (apt-get install redis-server), or point FXMIRROR_REDIS_URL at a Redis`);
  const port = options.port ?? (await freePort());
  let child: ChildProcess | null = null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'];
    child = spawn(binary, args, { stdio: 'ignore' });
    await waitReady(port, 10_000);
  };
  const kill = async (signal: NodeJS.Signals) => {
    const c = child;
    if (c === null || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
    child = null;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => kill('SIGTERM'),
    restart: async (downMs = 0) => {
      await kill('SIGKILL');
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
  };
}
