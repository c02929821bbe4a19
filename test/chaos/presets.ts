/** The two trials: the long one of `npm run chaos` and the short seeded one inside `npm test`. */
import type { TrialOptions } from './trial.js';

/** 500 master events, 2 masters, 20 followers, 20 SIGKILLs, Telegram down for a minute: about ten minutes. */
export const FULL_TRIAL: Omit<TrialOptions, 'seed'> = { events: 500, masters: 2, followers: 20, kills: 20, gapMs: [150, 1300], telegram: { downMs: 60_000 } };

/** 60 master events, 1 master, 5 followers, 3 SIGKILLs, Telegram down for 8 s: about a minute. */
export const QUICK_TRIAL: Omit<TrialOptions, 'seed'> = { events: 60, masters: 1, followers: 5, kills: 3, gapMs: [100, 700], settleMaxMs: 30_000, telegram: { downMs: 8_000 } };
