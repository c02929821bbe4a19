/**
 * The pure domain core: types, planning, rules and reconciliation. No I/O, no clock reads (design.md §5.1).
 */
export * from './config.js';
export * from './errors.js';
export * from './events.js';
export * from './ledger.js';
export * from './trading.js';
export * from './reasons.js';
export * from './volume.js';
export * from './sizing.js';
export * from './symbols.js';
export * from './tags.js';
export * from './rules.js';
export * from './daily-risk.js';
export * from './decimal.js';
export * from './sessions.js';
export * from './plan.js';
export * from './reconcile.js';
