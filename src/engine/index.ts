/**
 * The engine's public face: build it from ports, start it, talk to it through `control`, listen through `events`.
 */
import type { ControlApi } from './control-types.js';
import { EngineControl } from './control.js';
import { CopyEngine } from './engine.js';
import type { EngineDeps, EngineMetrics } from './engine.js';
import type { CopierEvent } from './events.js';

export interface Engine {
  control: ControlApi;
  events: { subscribe(listener: (event: CopierEvent) => void): () => void };
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when queued master events and background settlements have drained. */
  idle(): Promise<void>;
  metrics: EngineMetrics;
  /** The runtime, for tests and benchmarks that need to look inside. */
  runtime: CopyEngine;
}

export function createEngine(deps: EngineDeps): Engine {
  const runtime = new CopyEngine(deps);
  const control = new EngineControl(runtime);
  return {
    control,
    events: { subscribe: (listener) => runtime.subscribe(listener) },
    start: () => runtime.start(),
    stop: () => runtime.stop(),
    idle: () => runtime.idle(),
    metrics: runtime.metrics,
    runtime,
  };
}

export { DEFAULT_ENGINE_OPTIONS } from './engine.js';
export type { EngineDeps, EngineOptions, EngineMetrics } from './engine.js';
export { systemClock } from './clock.js';
export { sizingSchema } from './control-schemas.js';
export type * from './control-types.js';
export type * from './events.js';
export type { AccountRecord, BrokerPort, Clock, EngineState, JournalRow, Logger, PendingLeg, StatePort, StreamPort, TerminalPort } from './ports.js';
