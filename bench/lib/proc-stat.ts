/**
 * CPU time of any process on this machine, read from `/proc/<pid>/stat` (utime + stime, every thread), so the
 * benchmark can charge each cluster process, redis-server and the simulator for the same measured phase.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond !== null) return ticksPerSecond;
  try {
    ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** CPU time (user + system) the process has used so far, ms; null when it is gone or /proc is not there. */
export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
    return ((utime + stime) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

/** CPU readings of several named processes, taken together. */
export type CpuReadings = Record<string, number | null>;

export function readCpu(pids: Record<string, number>): CpuReadings {
  const out: CpuReadings = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = processCpuMs(pid);
  return out;
}

/** CPU used between two readings, ms per process (null when either reading is missing). */
export function cpuDelta(before: CpuReadings, after: CpuReadings): CpuReadings {
  const out: CpuReadings = {};
  for (const name of Object.keys(before)) {
    const a = before[name];
    const b = after[name];
    out[name] = a === null || a === undefined || b === null || b === undefined ? null : b - a;
  }
  return out;
}
