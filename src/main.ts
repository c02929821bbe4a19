/**
 * Process entry: read the environment, start the app, stop cleanly on SIGINT/SIGTERM. Start-up errors print one
 * clear message and exit non-zero; nothing is half-started.
 */
import { startApp } from './app.js';
import { loadConfig } from './config.js';
import { FxmirrorError } from './domain/errors.js';
import { chooseFrontEnd } from './front-ends.js';
import { createLogger, scrubSecrets } from './log.js';
import type { ClusterConfig } from './cluster/config.js';

async function main(): Promise<void> {
  let config;
  let cluster: ClusterConfig | null;
  try {
    config = loadConfig(process.env);
    // Cluster mode is loaded only when configured: the single process never imports it.
    cluster = process.env['FXMIRROR_REDIS_URL']?.trim() ? (await import('./cluster/config.js')).loadClusterConfig(process.env) : null;
  } catch (error) {
    process.stderr.write(`fxmirror: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const secrets = [config.apiKey, config.botToken].filter((s): s is string => s !== null);
  const log = createLogger({ level: config.apiKey === null && config.logLevel === 'info' ? 'warn' : config.logLevel, secrets, destination: process.stderr });
  if (cluster !== null) {
    await runCluster(config, cluster, log, secrets);
    return;
  }
  let app;
  try {
    app = await startApp(config, log, chooseFrontEnd);
  } catch (error) {
    const message = error instanceof FxmirrorError ? error.message : `start-up failed: ${(error as Error).message}`;
    process.stderr.write(`fxmirror: ${scrubSecrets(message, secrets)}\n`);
    log.flush?.();
    process.exit(1);
  }
  if (app.sim) {
    process.stdout.write(`fxmirror demo: embedded FxSocket simulator at ${app.sim.url}; the demo trader trades 'master', three followers copy.\n`);
  }
  const running = app;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`fxmirror: ${signal}, stopping…\n`);
    running
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`fxmirror: shutdown error: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** A control process or a worker (src/cluster), with the same start-up and shutdown rules as the single process. */
async function runCluster(config: ReturnType<typeof loadConfig>, cluster: ClusterConfig, log: ReturnType<typeof createLogger>, secrets: string[]): Promise<void> {
  const { startClusterControl, startClusterWorker } = await import('./cluster/index.js');
  let running: { stop(): Promise<void> };
  try {
    if (cluster.role === 'worker') {
      const w = await startClusterWorker(config, cluster, log);
      process.stdout.write(`fxmirror worker ${w.worker.id} started (redis ${cluster.prefix})\n`);
      running = w;
    } else {
      const app = await startClusterControl(config, cluster, log, chooseFrontEnd, {
        onStandby: (holder) => process.stdout.write(`fxmirror control: stand-by, ${holder.split('|')[0]} is active\n`),
        onLeaseLost: (reason) => {
          process.stderr.write(`fxmirror control: ${reason}; stopping so the stand-by takes over\n`);
          void app.stop().finally(() => process.exit(3));
        },
      });
      process.stdout.write('fxmirror control: active\n');
      running = app;
    }
  } catch (error) {
    const message = error instanceof FxmirrorError ? error.message : `start-up failed: ${(error as Error).message}`;
    process.stderr.write(`fxmirror: ${scrubSecrets(message, secrets)}\n`);
    log.flush?.();
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`fxmirror: ${signal}, stopping…\n`);
    running
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        process.stderr.write(`fxmirror: shutdown error: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

void main();
