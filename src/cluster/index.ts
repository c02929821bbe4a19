/**
 * Cluster mode (docs/scaling.md): the same engine over Redis Streams adapters, a control process and workers. Loaded
 * only when FXMIRROR_REDIS_URL is set.
 */
export { loadClusterConfig } from './config.js';
export type { ClusterConfig, ClusterRole } from './config.js';
export { startClusterControl } from './control-process.js';
export { startClusterWorker } from './worker-process.js';
export type { RunningWorker } from './worker-process.js';
