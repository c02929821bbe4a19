export * from './primitives.js';
export * from './management.js';
export * from './terminal.js';
export * from './stream.js';
