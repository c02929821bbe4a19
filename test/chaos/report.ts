/** The trial's figures as a plain-text table, and the findings behind any non-zero one. */
import type { Finding } from './expect.js';
import type { TrialReport } from './trial.js';

function table(rows: [string, string | number][]): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

function findings(title: string, list: readonly Finding[], max = 15): string {
  if (list.length === 0) return '';
  const lines = list.slice(0, max).map((f) => `    ${f.follower} ← ${f.master} #${f.ticket}: ${f.what}`);
  if (list.length > max) lines.push(`    … and ${list.length - max} more`);
  return `\n  ${title}:\n${lines.join('\n')}`;
}

function clusterRows(r: TrialReport): [string, string | number][] {
  const c = r.cluster;
  if (c === undefined) return [];
  return [
    ['cluster', `${c.workers} workers, ${c.partitions} partitions, 1 control process, lease ${c.leaseMs} ms`],
    ['  worker SIGSTOPs past the lease', `${c.stops.done}/${c.stops.planned} (${c.leasesLost} partition leases found lost on waking)`],
    ['  Redis restarts (SIGKILL, AOF)', `${c.redisRestarts.done}/${c.redisRestarts.planned} (down ${c.redisRestarts.downMs.map((ms) => `${ms} ms`).join(', ') || '–'})`],
    ['  partition takeovers', c.takeovers],
  ];
}

function telegramRows(r: TrialReport): [string, string | number][] {
  const t = r.telegram;
  if (t === null) return [];
  return [
    ['Telegram down', `${Math.round(t.downMs / 1000)} s (unreachable, then 429, then 5xx: ${t.answered429} × 429, ${t.answered5xx} × 5xx answered)`],
    ['  copy latency while down', `p50 ${t.latencyDuring.p50} ms, p95 ${t.latencyDuring.p95} ms over ${t.copiesDuring} copies (rest of the run, past each start-up: p50 ${t.latencyOutside.p50} ms, p95 ${t.latencyOutside.p95} ms)`],
    ['  alerts delivered afterwards', `${t.openAlertsForOutage}/${t.openEventsDuringOutage} open alerts of the outage one by one, ${t.collapsedCopies} copy alerts folded into a count (outbox at its cap), ${t.outOfOrder.length} out of order`],
    ['  max outbox size', `${t.outboxMaxDepth ?? 'unknown'} messages (cap 100 per chat); copier RSS peak ${t.peakRssMb.before} MB before, ${t.peakRssMb.during} MB during, ${t.peakRssMb.after} MB after`],
  ];
}

/** Formats a report for the terminal. */
export function formatReport(r: TrialReport): string {
  const c = r.check;
  const o = r.options;
  const faultKinds = Object.entries(r.faults)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const skipped = Object.entries(c.skippedByRules)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const justified = Object.entries(c.justifiedMissing)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const actions = Object.entries(r.actions)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const rows: [string, string | number][] = [
    ['seed', o.seed],
    ['masters / followers', `${o.masters} / ${o.followers}`],
    ['master events', `${r.events} (${actions}; ${r.triggeredOpens} pending fills)`],
    ['faults injected', faultKinds || 'none'],
    ['  by the runner', `ws drops ${r.injected.wsDrops}, frame-drop bursts ${r.injected.frameDropBursts}, latency spikes ${r.injected.latencySpikes}, 504s armed ${r.injected.timeout504Armed}, market closures ${r.injected.marketClosures}`],
    ...clusterRows(r),
    ['kills survived', `${r.kills.survived}/${r.kills.total} (${r.kills.onOrderArrival} as an order reached a follower)`],
    ['state file valid after kill', `${r.kills.stateValidAfter}/${r.kills.total} (${r.kills.journalTornTails} left a torn last journal line, dropped at start)`],
    ['copies expected / present', `${c.copiesExpected} / ${c.copiesPresent} (of ${c.pairs} follower × master-order pairs)`],
    ['skipped by the rules', skipped || 'none'],
    ['missing, explained', justified || 'none'],
    ['rejections / unknown outcomes', `${c.outcomes.rejections} / ${c.outcomes.unknown} (${c.outcomes.reported} reported, ${c.outcomes.lostToKill} answered to a killed copier)`],
    ['copy latency (master fill → follower order)', `p50 ${r.copyLatencyMs.p50} ms, p95 ${r.copyLatencyMs.p95} ms, p99 ${r.copyLatencyMs.p99} ms, max ${r.copyLatencyMs.max} ms (${r.copyLatencyMs.samples} live copies; ${r.copyLatencyMs.viaReconciliation} more made by reconciliation after a restart)`],
    ...telegramRows(r),
    ['duplicates', c.duplicates.length],
    ['orphans', c.orphans.length],
    ['lost', c.lost.length],
    ['volume set by reconciliation rounding', `${c.volumeByReconcilePath} (a missed event reconciled: rounds the ratio, not the closed part)`],
    ['pending copies awaiting their own trigger', `${c.awaitingFollowerTrigger} (the master's pending filled; the copy fills at the follower's price, by the copy rules)`],
    ['wrong volume', c.wrongVolume.length],
    ['wrong SL/TP', c.wrongStops.length],
    ['wrong symbol/side/kind/price', c.wrongOther.length],
    ['unreported', c.unreported.length],
    ['crashes', r.crashes.count],
    ['duration', `${Math.round(r.durationMs / 1000)} s`],
  ];
  let out = `fxmirror chaos trial\n${table(rows)}`;
  out += findings('duplicates', c.duplicates);
  out += findings('orphans', c.orphans);
  out += findings('lost', c.lost);
  out += findings('wrong volume', c.wrongVolume);
  out += findings('wrong SL/TP', c.wrongStops);
  out += findings('wrong symbol/side/kind/price', c.wrongOther);
  out += findings('unreported', c.unreported);
  if (r.crashes.details.length > 0) out += `\n  crashes:\n${r.crashes.details.map((d) => `    ${d}`).join('\n')}`;
  if (r.kills.stateInvalid.length > 0) out += `\n  invalid state file:\n${r.kills.stateInvalid.map((d) => `    ${d}`).join('\n')}`;
  if (r.telegram !== null && r.telegram.outOfOrder.length > 0) out += `\n  alerts out of order:\n${r.telegram.outOfOrder.slice(0, 10).map((d) => `    ${d}`).join('\n')}`;
  if (r.driverRefused.length > 0) out += `\n  master actions the broker refused (trial bug):\n${r.driverRefused.slice(0, 10).map((d) => `    ${d}`).join('\n')}`;
  const logs = r.cluster === undefined ? `${r.logs.stdout}, ${r.logs.stderr}` : `${r.cluster.logsDir} (control.*.log, w<N>.*.log per process, trial.json)`;
  out += `\n${r.failures.length === 0 ? 'PASS: every zero-required figure is zero' : `FAIL: ${r.failures.join(', ')}`}\n  logs: ${logs}\n`;
  return out;
}
