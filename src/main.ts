/**
 * Process entry: read the environment, start the app, stop cleanly on SIGINT/SIGTERM. Start-up errors print one
 * clear message and exit non-zero; nothing is half-started.
 */
import { startApp } from './app.js';
import { loadConfig } from './config.js';
import { FxmirrorError } from './domain/errors.js';
import { chooseFrontEnd } from './front-ends.js';
import { createLogger, scrubSecrets } from './log.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`fxmirror: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const secrets = [config.apiKey, config.botToken].filter((s): s is string => s !== null);
  const log = createLogger({ level: config.apiKey === null && config.logLevel === 'info' ? 'warn' : config.logLevel, secrets, destination: process.stderr });
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

void main();
