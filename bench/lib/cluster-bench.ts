/**
 * `npm run bench -- --cluster`: the cluster table of issue 11. Each follower count runs in a case process of its own
 * (compiled like the rest of the benchmark, or tsx under `--no-build`) with one simulator process shared by the
 * floor and every worker count; results go to `cluster-latest.{json,md}`, never over `latest.*`.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_CLUSTER_SETTINGS, type ClusterSettings } from './cluster-procs.js';
import { renderClusterMarkdown } from './cluster-report.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { finishResults } from './results-file.js';
import { clusterScenario, type ClusterCaseResult, type ClusterFloorResult, type ClusterScenarioOptions, type ClusterScenarioResult } from '../scenarios/cluster.js';

export type ClusterProfile = 'full' | 'quick' | 'smoke';

/** One case process: a follower count and the worker counts run against it. */
export type ClusterCase = Omit<ClusterScenarioOptions, 'seed' | 'settings' | 'log'>;

export function clusterPlan(profile: ClusterProfile): ClusterCase[] {
  if (profile === 'smoke') return [{ followers: 10, workers: [1], events: 4, warmup: 2, idleMs: 500 }];
  if (profile === 'quick') return [{ followers: 200, workers: [1, 2], events: 40, warmup: 6, idleMs: 2_000 }];
  return [
    { followers: 1000, workers: [1, 2, 4], events: 200, warmup: 10, idleMs: 3_000 },
    { followers: 5000, workers: [1, 2, 4], events: 60, warmup: 6, idleMs: 3_000 },
  ];
}

export interface ClusterTarget {
  name: string;
  target: string;
  value: number | null;
  unit: string;
  ok: boolean | null;
}

export interface ClusterBenchResults {
  schema: 1;
  kind: 'cluster';
  startedAt: string;
  finishedAt: string;
  durationS: number;
  command: string;
  argv: string[];
  profile: ClusterProfile;
  seed: number;
  machine: MachineInfo;
  runtime: string;
  notes: string[];
  settings: ClusterSettings;
  cases: ClusterCaseResult[];
  floor: ClusterFloorResult[];
  targets: ClusterTarget[];
  errors: string[];
}

export function clusterTargets(cases: readonly ClusterCaseResult[]): ClusterTarget[] {
  const c = cases.find((x) => x.followers === 1000 && x.workers === 2);
  const v = c?.e2e.lastLeg.p99 ?? null;
  return [{ name: 'last-leg p99, 1,000 followers over 2 workers', target: '≤ 50 ms', value: v, unit: 'ms', ok: v === null ? null : v <= 50 }];
}

/** How case processes start (from run.ts's runtime plan); null = in this process. */
export interface ClusterCaseProcess {
  script: string;
  execArgv: string[];
}

export async function runClusterCaseIsolated(c: ClusterCase, seed: number, proc: ClusterCaseProcess): Promise<ClusterScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fxmirror-bench-cluster-case-'));
  const out = join(dir, 'result.json');
  try {
    const child = fork(proc.script, ['--cluster-case', JSON.stringify(c), '--seed', String(seed), '--case-out', out], { execArgv: proc.execArgv, stdio: 'inherit' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c2) => resolve(c2)));
    if (code !== 0) throw new Error(`cluster case process exited with ${code}`);
    return JSON.parse(await readFile(out, 'utf8')) as ClusterScenarioResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function runClusterCase(c: ClusterCase, seed: number, log: (line: string) => void = (l) => console.log(l)): Promise<ClusterScenarioResult> {
  return clusterScenario({ ...c, seed, log });
}

export interface ClusterRunOptions {
  profile: ClusterProfile;
  seed: number;
  /** Runtime label and, for case processes, how to start one; without `proc` every case runs in this process. */
  runtime: string;
  proc: ClusterCaseProcess | null;
  command: string;
  argv: string[];
  notes: string[];
  outDir: string | null;
  log?: (line: string) => void;
}

export async function runClusterBench(o: ClusterRunOptions): Promise<ClusterBenchResults> {
  const log = o.log ?? ((line: string) => console.log(line));
  const started = new Date();
  const machine = machineInfo();
  const plan = clusterPlan(o.profile);
  const r: ClusterBenchResults = {
    schema: 1,
    kind: 'cluster',
    startedAt: started.toISOString(),
    finishedAt: '',
    durationS: 0,
    command: o.command,
    argv: o.argv,
    profile: o.profile,
    seed: o.seed,
    machine,
    runtime: o.runtime,
    notes: o.notes,
    settings: BENCH_CLUSTER_SETTINGS,
    cases: [],
    floor: [],
    targets: [],
    errors: [],
  };
  log(`fxmirror cluster bench: ${o.profile} profile, seed ${o.seed} on ${machine.cpuModel} × ${machine.cores}, node ${machine.node}; ${o.runtime}`);
  for (const c of plan) {
    log(`- ${c.followers} followers × ${c.workers.join(', ')} worker(s), ${c.events} events (+${c.warmup} warm-up), floor beside it`);
    try {
      const res = o.proc ? await runClusterCaseIsolated(c, o.seed, o.proc) : await runClusterCase(c, o.seed, log);
      r.cases.push(...res.cases);
      r.floor.push(...res.floor);
      r.errors.push(...res.errors);
    } catch (err) {
      r.errors.push(`${c.followers} followers: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  r.targets = clusterTargets(r.cases);
  return finishResults(r, started, { dir: o.outDir, name: 'cluster-latest', render: renderClusterMarkdown, log });
}
