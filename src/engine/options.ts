/**
 * The engine's tunables and their defaults; `main.ts` fills them from the configuration.
 */
import { DEFAULT_SEND_POLICY } from './batch-sender.js';
import type { SendPolicy } from './batch-sender.js';

/** Tunables of the engine; `main.ts` fills them from the configuration. */
export interface EngineOptions {
  /** Magic number on every follower order. */
  magic: number;
  /** Slippage in points sent with market legs. */
  slippagePoints: number;
  /** Reconciliation period; 0 disables the timer (runs on connect and on demand still happen). */
  reconcileIntervalMs: number;
  /** Reconciliation opens a missing copy only while the master position is younger than this. */
  maxCopyAgeMs: number;
  /** … and the follower's price within this many points of the master's open. */
  maxCopyDeviationPoints: number;
  /** How long a leg waits for a closed market to open before it is reported. */
  marketClosedExpiryMs: number;
  /** Delay before reading a follower's orders to settle an unknown outcome (the terminal may still be working). */
  unknownResolveDelayMs: number;
  send: SendPolicy;
  /** Processed-event ids kept per master (dedup window). */
  processedRetention: number;
  /** Journal rows kept. */
  journalRetention: number;
  /**
   * How long a master ticket change seen in a positions list waits for the trade frames that explain it before it is
   * reported as a contract anomaly (it is never copied either way).
   */
  anomalyGraceMs: number;
}

/** The defaults every option falls back to. */
export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  magic: 20_260_601,
  slippagePoints: 30,
  reconcileIntervalMs: 30_000,
  maxCopyAgeMs: 300_000,
  maxCopyDeviationPoints: 200,
  marketClosedExpiryMs: 12 * 3_600_000,
  unknownResolveDelayMs: 400,
  send: DEFAULT_SEND_POLICY,
  processedRetention: 5_000,
  journalRetention: 10_000,
  anomalyGraceMs: 3_000,
};
