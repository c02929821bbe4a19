/**
 * What both chaos trials (single process and cluster) start from: the seeded world of accounts, the simulator
 * serving it, the accounts' starting balances and the recorder of every exchange the checker reads.
 */
import { DEFAULT_ENGINE_OPTIONS } from '../../src/engine/index.js';
import { createSimulator } from '../../src/sim/index.js';
import type { AccountHandle, Sim } from '../../src/sim/index.js';
import type { WorldVariant } from '../../src/sim/variant.js';
import { deriveSeed, Rng } from '../../src/sim/rng.js';
import { SimRecorder } from './recorder.js';
import { buildWorld } from './world.js';
import type { TrialWorld } from './world.js';

/** The API key every chaos process uses against the trial's simulator. */
export const CHAOS_API_KEY = 'fxs_live_chaosTrialKey0123456789';

export interface TrialSetup {
  world: TrialWorld;
  rng: Rng;
  magic: number;
  sim: Sim;
  masterHandles: { id: string; handle: AccountHandle }[];
  followerHandles: AccountHandle[];
  initialBalances: Map<string, number>;
  recorder: SimRecorder;
}

export async function setUpTrialWorld(options: { seed: number; masters: number; followers: number; variant?: WorldVariant | undefined }): Promise<TrialSetup> {
  const world = buildWorld(options.seed, options.masters, options.followers);
  const rng = new Rng(deriveSeed(options.seed, 'chaos-runner'));
  const magic = DEFAULT_ENGINE_OPTIONS.magic;
  const sim: Sim = await createSimulator({
    seed: options.seed,
    port: 0,
    world: world.spec,
    priceFeed: false,
    demoTrader: false,
    marketHours: 'always',
    apiKeys: { full: [CHAOS_API_KEY], readOnly: [] },
    ...(options.variant === undefined ? {} : { variant: options.variant }),
  });
  const masterHandles = world.masters.map((m) => ({ id: m.id, handle: sim.account(m.id) }));
  const followerHandles = world.followers.map((f) => sim.account(f.id));
  const initialBalances = new Map<string, number>([...masterHandles.map((m) => [m.id, m.handle.summary().balance] as const), ...world.followers.map((f) => [f.id, sim.account(f.id).summary().balance] as const)]);
  const recorder = new SimRecorder({
    sim,
    magic,
    followers: new Map(world.followers.map((f) => [f.id, { hedging: f.account.marginMode !== 'Netting' }] as const)),
    masters: world.masters.map((m) => m.id),
  });
  return { world, rng, magic, sim, masterHandles, followerHandles, initialBalances, recorder };
}
