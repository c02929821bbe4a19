/**
 * Standalone simulator: `npm run sim -- --port 8787 [--seed 42] [--no-trader] [--always-open]`.
 * The API key comes from FXSOCKET_API_KEY (default fxs_live_demo).
 */
import { parseArgs } from 'node:util';
import { createSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    seed: { type: 'string', default: '42' },
    'no-trader': { type: 'boolean', default: false },
    'always-open': { type: 'boolean', default: false },
    'trader-interval': { type: 'string', default: '3000' },
  },
  strict: true,
});

const port = Number(values.port);
const seed = Number(values.seed);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: invalid port ${values.port}`);
if (!Number.isInteger(seed)) throw new Error(`--seed: not an integer: ${values.seed}`);
const key = process.env['FXSOCKET_API_KEY'] || 'fxs_live_demo';

const sim = await createSimulator({
  port,
  seed,
  apiKeys: { full: [key] },
  marketHours: values['always-open'] ? 'always' : 'sessions',
  demoTrader: values['no-trader'] ? false : { intervalMs: Number(values['trader-interval']) },
});

console.log(`FxSocket simulator on ${sim.url}  (management: ${sim.url}/v1, key: ${key.slice(0, 9)}…)`);
for (const a of sim.accounts) {
  console.log(`  ${a.id}  ${a.nickname.padEnd(14)} ${a.broker.padEnd(13)} ${a.server.padEnd(17)} ${a.platform} ${a.marginMode} ${a.currency}`);
}
console.log(values['no-trader'] ? 'demo trader off' : 'demo trader trading on "master"');

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  sim.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
