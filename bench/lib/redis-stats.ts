/**
 * What Redis itself counts: `INFO commandstats` (calls per command, script-inner commands included, as Redis counts
 * them) and the server's pid, so the benchmark can charge the cluster for its Redis traffic over a phase.
 */
import type { Redis } from 'ioredis';

/** Calls per command name (`get`, `xinfo|groups`, `evalsha`, …) since the server started. */
export type CommandCalls = Record<string, number>;

export async function commandCalls(redis: Redis): Promise<CommandCalls> {
  const text = await redis.info('commandstats');
  const out: CommandCalls = {};
  for (const line of text.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** Calls made between two readings, minus the benchmark's own (`own`: calls it made itself, by command). */
export function callsBetween(before: CommandCalls, after: CommandCalls, own: CommandCalls = {}): CommandCalls {
  const out: CommandCalls = {};
  for (const [name, n] of Object.entries(after)) {
    // INFO is only ever the benchmark reading these numbers.
    if (name === 'info') continue;
    const d = n - (before[name] ?? 0) - (own[name] ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

export function totalCalls(calls: CommandCalls): number {
  return Object.values(calls).reduce((a, b) => a + b, 0);
}

/** EVAL/EVALSHA/FCALL calls: each is one round trip whose inner commands commandstats counts as well. */
export function scriptCalls(calls: CommandCalls): number {
  return Object.entries(calls)
    .filter(([name]) => name === 'eval' || name === 'evalsha' || name.startsWith('fcall') || name === 'eval_ro' || name === 'evalsha_ro')
    .reduce((a, [, n]) => a + n, 0);
}

export async function redisServerPid(redis: Redis): Promise<number> {
  const text = await redis.info('server');
  const m = /^process_id:(\d+)/m.exec(text);
  if (!m) throw new Error('INFO server has no process_id');
  return Number(m[1]);
}
