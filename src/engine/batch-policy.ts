import type { SendPolicy } from './batch-sender.js';

/** Holds the send policy so tests and benchmarks can tighten timeouts without rebuilding the engine. */
export interface BatchSendPolicyHolder {
  current: SendPolicy;
}
