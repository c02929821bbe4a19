/**
 * A copier in its own process, for the crash test: the FxSocket client, a store on FXM_DATA_DIR and the engine, against
 * a simulator running in the test process (FXM_SIM_URL, FXM_SIM_KEY). On its first run it sets the master
 * (FXM_MASTER) and followers (FXM_FOLLOWERS, comma-separated). Prints `started` once the engine runs, `ready` when it is idle, and each CopierEvent as
 * `event <json>`. SIGTERM stops it cleanly; the test kills it with SIGKILL to crash it.
 */
import { pino } from 'pino';
import { createEngine, systemClock } from '../../../src/engine/index.js';
import { FxSocketClient } from '../../../src/fxsocket/index.js';
import { openStore } from '../../../src/store/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
};

// With FXM_WAIT_GO the process loads everything first and waits for `go` on stdin: a restart after a crash then takes
// milliseconds, not the seconds a cold start spends compiling.
if (process.env.FXM_WAIT_GO) {
  process.stdout.write('loaded\n');
  await new Promise<void>((resolve) => {
    let input = '';
    process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
      input += chunk;
      if (input.includes('go\n')) resolve();
    });
  });
  process.stdin.destroy();
}

const client = new FxSocketClient({ apiKey: env('FXM_SIM_KEY'), apiUrl: env('FXM_SIM_URL'), timeoutMs: 10_000, stream: { pingIntervalMs: 0 } });
const store = await openStore({ dataDir: env('FXM_DATA_DIR'), writeDelayMs: 5 });
const engine = createEngine({
  broker: client,
  state: store,
  clock: systemClock,
  log: pino({ level: process.env.FXM_LOG ?? 'silent' }, pino.destination({ dest: process.env.FXM_LOG_FILE ?? 2, sync: true })),
  options: { reconcileIntervalMs: 0, unknownResolveDelayMs: 100 },
});
engine.events.subscribe((e) => process.stdout.write(`event ${JSON.stringify(e)}\n`));
// Registered before anything is announced, so a SIGTERM can never meet the default action.
const keepAlive = setInterval(() => undefined, 60_000);
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    process.stdout.write('stopping\n');
    await engine.stop();
    await store.close();
    await client.close();
    clearInterval(keepAlive);
    process.stdout.write('stopped\n');
  })();
});
await engine.start();
process.stdout.write('started\n');
if (engine.control.status().masters.length === 0) {
  const master = env('FXM_MASTER');
  await engine.control.setMaster(master);
  for (const f of env('FXM_FOLLOWERS').split(',')) await engine.control.follow(f, master);
}
await engine.idle();
process.stdout.write('ready\n');

