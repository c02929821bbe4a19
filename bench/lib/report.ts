/** The markdown table the README quotes: machine, command line, every measurement, every target. */
import type { BenchResults } from '../run.js';
import type { LatencyResult } from '../scenarios/latency.js';
import type { Summary } from './stats.js';

const f = (v: number | null | undefined, digits = 2): string => (v === null || v === undefined ? '–' : v.toFixed(digits));
const ppm = (s: Summary | null | undefined): string => (s ? `${f(s.p50)} / ${f(s.p99)} / ${f(s.max)}` : '–');

function latencyRows(rows: readonly LatencyResult[], which: 'e2e' | 'opens'): string[] {
  return rows.map((r) => {
    const l = r[which];
    return `| ${r.copier} | ${r.followers.toLocaleString('en-US')} | ${l.lastLeg.count} | ${ppm(l.firstLeg)} | ${ppm(l.lastLeg)} | ${r.overhead ? `${f(r.overhead.p50, 3)} / ${f(r.overhead.p99, 3)}` : '–'} | ${f(r.sim.ordersBatch?.p50 ?? r.sim.orderSend?.p50)} / ${f(r.sim.ordersBatch?.p99 ?? r.sim.orderSend?.p99)} | ${f(r.sim.cpuShare)} | ${r.copierCpuMsPerEvent === undefined ? '–' : f(r.copierCpuMsPerEvent, 1)} | ${r.missing}/${r.duplicates} | ${(r.startupMs / 1000).toFixed(1)} s |`;
  });
}

/** What the copier ran as, in a sentence; null for results written before the field existed. */
function runtimeLine(runtime: string | undefined): string | null {
  if (runtime === undefined) return null;
  if (runtime.startsWith('compiled')) return 'Copier and simulator run compiled JavaScript (tsc), as the Docker image does; no tsx loader.';
  if (runtime === 'tsx') return 'Copier and simulator run the TypeScript sources under the tsx loader (`--no-build`): the loader adds to the copier\'s RSS, which the Docker image (compiled JavaScript) does not pay.';
  return `Copier: ${runtime}.`;
}

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# fxmirror benchmark — ${r.profile} run`, '');
  out.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}; load average ${m.loadAvgStart} at start, ${m.loadAvgEnd ?? '–'} at end`);
  out.push(`- Command: \`${r.command}\` (seed ${r.seed}); ${r.startedAt}, ${r.durationS} s${r.notes.length ? `; ${r.notes.join('; ')}` : ''}`);
  const runtime = runtimeLine(r.runtime);
  if (runtime) out.push(`- ${runtime}`);
  out.push('- Simulator in a separate process on loopback; latency = follower leg received − master trade frame emitted, both read with the simulator process\'s clock. Warm-up excluded. Times in ms as p50 / p99 / max.', '');
  const header = '| copier | followers | events | first leg p50 / p99 / max | last leg p50 / p99 / max | copier overhead p50 / p99 | sim batch handling p50 / p99 | sim CPU share | copier CPU per event | missing/dup | start-up |';
  const sep = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  out.push('## Copy latency (opens and closes, one event at a time)', '', header, sep, ...latencyRows(r.latency, 'e2e'), ...latencyRows(r.floor, 'e2e'), '');
  out.push('copier CPU per event = CPU time of the copier process (all threads, GC included) over the measured events ÷ their number, ms: barely moved by other load on the machine, unlike the latencies.', '');
  out.push('`floor` = a client that does no copier work (frame → one pre-shaped batch on a warm connection): what the simulator and the sockets cost by themselves.', '');
  out.push("`floor-streams` = the same, with every follower's `account` and `positions` stream open and its frames read and dropped: the traffic fxmirror's hot cache brings (the simulator writing a frame per follower per leg, the kernel carrying them), without the work.", '');
  if (r.baseline.length > 0) {
    out.push('## Against the marketing-page baseline (opens only)', '');
    out.push('Baseline: per follower `GET {rest_url}/status` then `POST {rest_url}/OrderSend`, every follower in parallel, a new connection per call.', '');
    const fxAtBaselineSizes = r.latency.filter((l) => r.baseline.some((b) => b.followers === l.followers));
    out.push(header, sep, ...latencyRows(fxAtBaselineSizes, 'opens'), ...latencyRows(r.baseline, 'opens'), '');
  }
  if (r.burst) {
    const b = r.burst;
    out.push(`## Burst, memory and loop health (${b.masters} masters × ${b.followersPerMaster} followers = ${b.followers.toLocaleString('en-US')} followers, price feed on)`, '');
    out.push('| measure | value |', '|---|--:|');
    out.push(`| trades | ${b.burst.framesEmitted} in ${f(b.burst.emitSpanMs, 0)} ms |`);
    out.push(`| legs expected / received / lost / duplicated (counted at the simulator) | ${b.burst.legsExpected} / ${b.burst.legsReceived} / ${b.burst.lost} / ${b.burst.duplicated} |`);
    out.push(`| copies on the followers' books / expected | ${b.burst.positionsOnFollowers} / ${b.burst.positionsExpected} |`);
    out.push(`| time to drain (first trade frame → last leg) | ${f(b.burst.drainMs, 0)} ms |`);
    out.push(`| last trade frame → last leg | ${f(b.burst.tailMs, 0)} ms |`);
    out.push(`| leg latency during the burst p50 / p99 / max | ${ppm(b.burst.legLatency)} ms |`);
    out.push(`| copier event-loop delay p50 / p99 / max during the burst | ${f(b.eventLoopDelay.p50)} / ${f(b.eventLoopDelay.p99)} / ${f(b.eventLoopDelay.max)} ms |`);
    out.push(`| same, idle but streaming (machine noise) | ${f(b.eventLoopDelayIdle.p50)} / ${f(b.eventLoopDelayIdle.p99)} / ${f(b.eventLoopDelayIdle.max)} ms |`);
    out.push(`| copier RSS / heap used, connected and streaming | ${b.memorySteady.rssMb} / ${b.memorySteady.heapUsedMb} MB |`);
    out.push(`| copier RSS peak during the burst; RSS / heap after | ${b.rssPeakDuringBurstMb}; ${b.memoryAfter.rssMb} / ${b.memoryAfter.heapUsedMb} MB |`);
    out.push(`| copier CPU share during the burst (1.0 = one core) | ${f(b.copierCpuShare)} |`);
    out.push(`| simulator CPU share; batch handling p50 / p99 | ${f(b.sim.cpuShare)}; ${f(b.sim.ordersBatch?.p50)} / ${f(b.sim.ordersBatch?.p99)} ms |`);
    out.push(`| copier start-up (${b.followers.toLocaleString('en-US')} followers: REST warm-up + streams) | ${(b.startupMs / 1000).toFixed(1)} s |`, '');
  }
  out.push('## Targets', '', '| target | value | goal | |', '|---|--:|--:|:-:|');
  for (const t of r.targets) out.push(`| ${t.name} | ${t.value === null ? 'not measured' : `${t.value}${t.unit ? ` ${t.unit}` : ''}`} | ${t.target} | ${t.ok === null ? '–' : t.ok ? '✅' : '❌'} |`);
  if (r.errors.length > 0) out.push('', '## Errors', '', ...r.errors.map((e) => `- ${e}`));
  out.push('');
  return out.join('\n');
}
