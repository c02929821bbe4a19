/** The trials: the long one of `npm run chaos`, the short seeded one inside `npm test`, and their cluster forms. */
import type { ClusterTrialOptions } from './cluster.js';
import type { TrialOptions } from './trial.js';

/** 500 master events, 2 masters, 20 followers, 20 SIGKILLs, Telegram down for a minute: about ten minutes. */
export const FULL_TRIAL: Omit<TrialOptions, 'seed'> = { events: 500, masters: 2, followers: 20, kills: 20, gapMs: [150, 1300], telegram: { downMs: 60_000 } };

/** 60 master events, 1 master, 5 followers, 3 SIGKILLs, Telegram down for 8 s: about a minute. */
export const QUICK_TRIAL: Omit<TrialOptions, 'seed'> = { events: 60, masters: 1, followers: 5, kills: 3, gapMs: [100, 700], settleMaxMs: 30_000, telegram: { downMs: 8_000 } };

/** `--cluster N` (issue 11): 500 events, 2 masters, 40 followers, 12 worker SIGKILLs, 6 SIGSTOPs past the lease, 1 Redis restart. */
export const CLUSTER_FULL_TRIAL: Omit<ClusterTrialOptions, 'seed' | 'workers'> = {
  events: 500,
  masters: 2,
  followers: 40,
  kills: 12,
  stops: 6,
  redisRestarts: 1,
  partitions: 8,
  leaseMs: 8000,
  gapMs: [150, 1300],
};

/** `--cluster N --quick`: 60 events, 1 master, 8 followers, 2 SIGKILLs, 1 SIGSTOP, 1 Redis restart: about a minute. */
export const CLUSTER_QUICK_TRIAL: Omit<ClusterTrialOptions, 'seed' | 'workers'> = {
  events: 60,
  masters: 1,
  followers: 8,
  kills: 2,
  stops: 1,
  redisRestarts: 1,
  partitions: 6,
  leaseMs: 4000,
  gapMs: [100, 700],
  settleMaxMs: 30_000,
};
