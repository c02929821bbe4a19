/**
 * `npm run chaos`: the long randomized trial (500 master events, 2 masters, 20 followers, 20 SIGKILLs of the copier),
 * printing the table of figures. Exits 1 when any zero-required figure is not zero.
 *
 * Flags: --seed N --events N --masters N --followers N --kills N --gap MIN-MAX (ms) --telegram-down SECONDS
 * --no-telegram --keep --quick --variant default|other|seed:N|point=reading,… (the simulator's readings of the
 * contract's silent points, src/sim/variant.ts)
 * (`--quick` = a short seeded trial: 1 master, 5 followers, 60 events, 3 kills.)
 * `--cluster N`: the trial on a cluster of N workers (test/chaos/cluster.ts); --kills are worker SIGKILLs, plus
 * --stops N (SIGSTOPs past the lease), --redis-restarts N, --partitions N, --lease MS.
 */
import { parseVariant } from '../../src/sim/variant.js';
import { runClusterTrial } from './cluster.js';
import type { ClusterTrialOptions } from './cluster.js';
import { CLUSTER_FULL_TRIAL, CLUSTER_QUICK_TRIAL, FULL_TRIAL, QUICK_TRIAL } from './presets.js';
import { formatReport } from './report.js';
import { runTrial } from './trial.js';
import type { TrialOptions } from './trial.js';

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) flags.set(a.slice(2), 'true');
    else {
      flags.set(a.slice(2), next);
      i++;
    }
  }
  return flags;
}

function intFlag(flags: ReadonlyMap<string, string>): (name: string, fallback: number) => number {
  return (name, fallback) => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`);
    return n;
  };
}

function parseArgs(flags: ReadonlyMap<string, string>): TrialOptions {
  const base = flags.has('quick') ? QUICK_TRIAL : FULL_TRIAL;
  const int = intFlag(flags);
  const gap = flags.get('gap');
  const gapMs: [number, number] = gap === undefined ? base.gapMs : (gap.split('-').map(Number) as [number, number]);
  return {
    ...base,
    seed: int('seed', 20_260_601),
    events: int('events', base.events),
    masters: int('masters', base.masters),
    followers: int('followers', base.followers),
    kills: int('kills', base.kills),
    gapMs,
    keep: flags.has('keep'),
    ...(flags.has('no-telegram') ? { telegram: undefined } : flags.has('telegram-down') ? { telegram: { downMs: int('telegram-down', 60) * 1000 } } : {}),
    ...(flags.has('dir') ? { dir: flags.get('dir') as string } : {}),
    ...(flags.has('variant') ? { variant: parseVariant(flags.get('variant') as string) } : {}),
  };
}

/** `--cluster N`: the cluster presets under the same flags; the single-process-only ones are refused. */
function parseClusterArgs(flags: ReadonlyMap<string, string>): ClusterTrialOptions {
  for (const f of ['telegram-down', 'no-telegram']) if (flags.has(f)) throw new Error(`--${f} is not part of the cluster trial (no Telegram)`);
  const base = flags.has('quick') ? CLUSTER_QUICK_TRIAL : CLUSTER_FULL_TRIAL;
  const int = intFlag(flags);
  const workers = flags.get('cluster') === 'true' ? 3 : int('cluster', 3);
  if (workers < 1) throw new Error('--cluster needs at least 1 worker');
  const gap = flags.get('gap');
  return {
    ...base,
    workers,
    seed: int('seed', 20_260_601),
    events: int('events', base.events),
    masters: int('masters', base.masters),
    followers: int('followers', base.followers),
    kills: int('kills', base.kills),
    stops: int('stops', base.stops),
    redisRestarts: int('redis-restarts', base.redisRestarts),
    partitions: int('partitions', base.partitions),
    leaseMs: int('lease', base.leaseMs),
    gapMs: gap === undefined ? base.gapMs : (gap.split('-').map(Number) as [number, number]),
    keep: flags.has('keep'),
    ...(flags.has('dir') ? { dir: flags.get('dir') as string } : {}),
    ...(flags.has('variant') ? { variant: parseVariant(flags.get('variant') as string) } : {}),
  };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const report = flags.has('cluster') ? await runClusterTrial({ ...parseClusterArgs(flags), progress }) : await runTrial({ ...parseArgs(flags), progress });
  process.stdout.write(formatReport(report));
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
