/**
 * Cluster mode's settings, read from the environment beside the single-process ones. Absent FXMIRROR_REDIS_URL means
 * single-process mode and this returns null: nothing of the cluster is loaded.
 */
import { z } from 'zod';
import { FatalError } from '../domain/errors.js';

export type ClusterRole = 'control' | 'worker';

export interface ClusterConfig {
  redisUrl: string;
  role: ClusterRole;
  prefix: string;
  /** Partitions followers hash to; fixed once the cluster has state (the control process's document keeps it). */
  partitions: number;
  leaseMs: number;
  renewMs: number;
  /** Timeout of one order batch in cluster mode: the lease must outlive it (see docs/scaling.md). */
  batchTimeoutMs: number;
  /** Stable worker name (default: host, pid and a random suffix). */
  workerId: string | null;
  /** Bound of each master stream, in entries. */
  streamMaxLen: number;
  /** How long the control process waits for the other partitions' legs of one master event. */
  aggregateMs: number;
}

const int = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v.trim());
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an integer from ${min} to ${max}, got '${v}'` });
        return z.NEVER;
      }
      return n;
    });

const schema = z.object({
  FXMIRROR_REDIS_URL: z.string().optional(),
  FXMIRROR_ROLE: z.string().optional(),
  FXMIRROR_REDIS_PREFIX: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^[A-Za-z0-9_.-]{1,32}$/.test(v), { message: 'FXMIRROR_REDIS_PREFIX must be 1 to 32 letters, digits, _ . or -' }),
  FXMIRROR_PARTITIONS: int('FXMIRROR_PARTITIONS', 1, 1024, 16),
  FXMIRROR_LEASE_MS: int('FXMIRROR_LEASE_MS', 1_000, 600_000, 15_000),
  FXMIRROR_LEASE_RENEW_MS: int('FXMIRROR_LEASE_RENEW_MS', 100, 60_000, 2_000),
  FXMIRROR_BATCH_TIMEOUT_MS: int('FXMIRROR_BATCH_TIMEOUT_MS', 500, 120_000, 5_000),
  FXMIRROR_WORKER_ID: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^[A-Za-z0-9_.-]{1,64}$/.test(v), { message: 'FXMIRROR_WORKER_ID must be 1 to 64 letters, digits, _ . or -' }),
  FXMIRROR_STREAM_MAXLEN: int('FXMIRROR_STREAM_MAXLEN', 100, 10_000_000, 10_000),
  FXMIRROR_AGGREGATE_MS: int('FXMIRROR_AGGREGATE_MS', 0, 10_000, 400),
});

export function loadClusterConfig(env: Record<string, string | undefined>): ClusterConfig | null {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  const e = parsed.success ? parsed.data : null;
  const url = env['FXMIRROR_REDIS_URL']?.trim() ?? '';
  if (url === '') {
    if (env['FXMIRROR_ROLE'] !== undefined && env['FXMIRROR_ROLE'].trim() !== '') {
      throw new FatalError('config_invalid', 'Configuration is invalid:\n  - FXMIRROR_ROLE is set but FXMIRROR_REDIS_URL is not: cluster mode needs Redis');
    }
    return null;
  }
  const role = env['FXMIRROR_ROLE']?.trim();
  if (role !== 'control' && role !== 'worker') problems.push(`FXMIRROR_ROLE must be control or worker in cluster mode, got '${role ?? ''}'`);
  if (e !== null && e.FXMIRROR_LEASE_MS <= e.FXMIRROR_LEASE_RENEW_MS * 2 + e.FXMIRROR_BATCH_TIMEOUT_MS) {
    problems.push(
      `FXMIRROR_LEASE_MS (${e.FXMIRROR_LEASE_MS}) must exceed twice FXMIRROR_LEASE_RENEW_MS (${e.FXMIRROR_LEASE_RENEW_MS}) plus FXMIRROR_BATCH_TIMEOUT_MS (${e.FXMIRROR_BATCH_TIMEOUT_MS}): a worker must be able to miss a renewal and still finish its longest batch inside its lease`,
    );
  }
  if (problems.length > 0 || e === null) throw new FatalError('config_invalid', `Configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return {
    redisUrl: url,
    role: role as ClusterRole,
    prefix: e.FXMIRROR_REDIS_PREFIX ?? 'fxm',
    partitions: e.FXMIRROR_PARTITIONS,
    leaseMs: e.FXMIRROR_LEASE_MS,
    renewMs: e.FXMIRROR_LEASE_RENEW_MS,
    batchTimeoutMs: e.FXMIRROR_BATCH_TIMEOUT_MS,
    workerId: e.FXMIRROR_WORKER_ID ?? null,
    streamMaxLen: e.FXMIRROR_STREAM_MAXLEN,
    aggregateMs: e.FXMIRROR_AGGREGATE_MS,
  };
}
