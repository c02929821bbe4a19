/** The markdown of a `--cluster` run: the cluster table, the floor beside it, the target. */
import type { ClusterBenchResults } from './cluster-bench.js';
import type { Summary } from './stats.js';

const f = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
const pp = (s: Summary): string => `${f(s.p50)} / ${f(s.p99)}`;

export function renderClusterMarkdown(r: ClusterBenchResults): string {
  const m = r.machine;
  const s = r.settings;
  const out: string[] = [];
  out.push(`# fxmirror cluster benchmark — ${r.profile} run`, '');
  out.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}; load average ${m.loadAvgStart} at start, ${m.loadAvgEnd ?? '–'} at end`);
  out.push(`- Command: \`${r.command}\` (seed ${r.seed}); ${r.startedAt}, ${r.durationS} s${r.notes.length ? `; ${r.notes.join('; ')}` : ''}; processes: ${r.runtime}`);
  out.push(`- Real processes: redis-server (AOF everysec), the simulator, one control process, W workers; ${s.partitions} partitions, lease ${s.leaseMs} ms, renewal ${s.renewMs} ms, batch timeout ${s.batchTimeoutMs} ms, log level ${s.logLevel}. One master; events one at a time (open, close, …), the next once every group read and acknowledged the event.`);
  out.push('- Latency measured in the simulator process: master trade frame emitted → first / last follower leg received, ms. CPU per event = /proc utime+stime over the measured phase ÷ events, ms. Redis calls = INFO commandstats delta ÷ events (a script counts once plus once per command it runs; the benchmark\'s own XINFO/INFO excluded).', '');
  out.push('| followers | workers | events | first leg p50 / p99 | last leg p50 / p99 | floor-streams last leg p50 / p99 | CPU/event: workers Σ (each) | control | redis | sim | Redis calls/event (scripts; idle share) | stream lag max / pending max / at end | missing/dup |');
  out.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const c of r.cases) {
    const floor = r.floor.find((x) => x.followers === c.followers && x.copier === 'floor-streams');
    const w = Object.entries(c.cpuMsPerEvent).filter(([k]) => /^w\d+$/.test(k)).map(([, v]) => v ?? 0);
    const sum = w.reduce((a, b) => a + b, 0);
    out.push(
      `| ${c.followers.toLocaleString('en-US')} | ${c.workers} | ${c.events} | ${pp(c.e2e.firstLeg)} | ${pp(c.e2e.lastLeg)} | ${floor ? pp(floor.e2e.lastLeg) : '–'} | ${f(sum)} (${w.map((v) => f(v)).join(' + ')}) | ${f(c.cpuMsPerEvent['control'])} | ${f(c.cpuMsPerEvent['redis'])} | ${f(c.cpuMsPerEvent['sim'])} | ${f(c.redis.callsPerEvent)} (${f(c.redis.scriptCallsPerEvent)}; ${f(c.redis.backgroundCallsPerEvent)}) | ${c.streamLag.maxLag} / ${c.streamLag.maxPending} / ${c.streamLag.endLag}+${c.streamLag.endPending} | ${c.missing}/${c.duplicates} |`,
    );
  }
  out.push('', '## The floor on the same simulator process', '');
  out.push('| copier | followers | events | first leg p50 / p99 | last leg p50 / p99 | sim CPU/event | missing/dup |', '|---|--:|--:|--:|--:|--:|--:|');
  for (const x of r.floor) out.push(`| ${x.copier} | ${x.followers.toLocaleString('en-US')} | ${x.events} | ${pp(x.e2e.firstLeg)} | ${pp(x.e2e.lastLeg)} | ${f(x.simCpuMsPerEvent)} | ${x.missing}/${x.duplicates} |`);
  out.push('', '`floor` = frame → one pre-shaped batch, no copier work; `floor-streams` = the same with every follower\'s account/positions stream open (the cluster opens them twice: the workers\' hot caches and the control process\'s read cache).', '');
  out.push('## Cluster over floor (last leg p50, × the floor-streams figure)', '');
  for (const c of r.cases) {
    const floor = r.floor.find((x) => x.followers === c.followers && x.copier === 'floor-streams');
    const ratio = floor?.e2e.lastLeg.p50 && c.e2e.lastLeg.p50 ? (c.e2e.lastLeg.p50 / floor.e2e.lastLeg.p50).toFixed(1) : '–';
    out.push(`- ${c.followers.toLocaleString('en-US')} followers × ${c.workers} worker(s): ${ratio}×; idle cost ${Object.entries(c.idleCpuMsPerS).map(([k, v]) => `${k} ${f(v)}`).join(', ')} ms CPU/s; Redis idle ${f(c.redis.idleCallsPerS)} calls/s`);
  }
  out.push('', '## Target', '', '| target | value | goal | |', '|---|--:|--:|:-:|');
  for (const t of r.targets) out.push(`| ${t.name} | ${t.value === null ? 'not measured' : `${t.value} ${t.unit}`} | ${t.target} | ${t.ok === null ? '–' : t.ok ? '✅' : '❌'} |`);
  if (r.errors.length > 0) out.push('', '## Errors', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`));
  out.push('');
  return out.join('\n');
}
