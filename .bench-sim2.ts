import { spawn } from 'node:child_process';
import { createSimulator } from './src/sim/index.js';
import { request } from 'undici';
const accounts = Array.from({ length: 1000 }, (_, i) => ({ nickname: `f${i}`, broker: i % 2 ? 'Apex Trading' : 'Raw Prime', balance: 1e7 }));
const sim = await createSimulator({ world: { brokers: ['Apex Trading', 'Raw Prime'], accounts }, priceFeed: { intervalMs: 250 }, demoTrader: false, marketHours: 'always' });
const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', '.bench-client.ts', sim.url, sim.apiKey, ...sim.accounts.map((a) => a.id)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => child.stdout.once('data', r));
const orders = sim.accounts.map((a) => ({ account_id: a.id, symbol: a.broker === 'Apex Trading' ? 'EURUSDm' : 'EURUSD.raw' }));
const body = JSON.stringify({ defaults: { operation: 'Buy', volume: 0.1, comment: 'm1' }, orders });
const times: number[] = [];
for (let i = 0; i < 60; i++) {
  const t0 = performance.now();
  const r = await request(`${sim.url}/v1/orders`, { method: 'POST', headers: { 'x-api-key': sim.apiKey, 'content-type': 'application/json' }, body });
  await r.body.json();
  times.push(performance.now() - t0);
}
console.log(times.filter((_, i) => i % 10 === 0).map((t) => t.toFixed(1)).join(' '), sim.stats().wsFramesSent, sim.stats().wsFramesDropped);
child.kill();
await sim.close();
