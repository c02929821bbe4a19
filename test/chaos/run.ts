/**
 * `npm run chaos`: the long randomized trial (500 master events, 2 masters, 20 followers, 20 SIGKILLs of the copier),
 * printing the table of figures. Exits 1 when any zero-required figure is not zero.
 *
 * Flags: --seed N --events N --masters N --followers N --kills N --gap MIN-MAX (ms) --telegram-down SECONDS
 * --no-telegram --keep --quick --variant default|other|seed:N|point=reading,… (the simulator's readings of the
 * contract's silent points, src/sim/variant.ts)
 * (`--quick` = a short seeded trial: 1 master, 5 followers, 60 events, 3 kills.)
 */
import { parseVariant } from '../../src/sim/variant.js';
import { FULL_TRIAL, QUICK_TRIAL } from './presets.js';
import { formatReport } from './report.js';
import { runTrial } from './trial.js';
import type { TrialOptions } from './trial.js';

function parseArgs(argv: readonly string[]): TrialOptions {
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
  const base = flags.has('quick') ? QUICK_TRIAL : FULL_TRIAL;
  const int = (name: string, fallback: number) => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`);
    return n;
  };
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

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const report = await runTrial({ ...options, progress: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(formatReport(report));
  process.exitCode = report.failures.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 2;
});
