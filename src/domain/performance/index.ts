/**
 * The money view of copying (issue 12): what a follower's copies made, against what the master made on the same
 * trades, and why they differ. Pure: history rows, the journal and `now` go in, plain figures and views come out.
 */
export * from './money.js';
export * from './period.js';
export * from './types.js';
export * from './closed-positions.js';
export * from './netting.js';
export * from './figures.js';
export * from './pairing.js';
export * from './quality.js';
export * from './tables.js';
export * from './views.js';
export * from './report.js';
