/**
 * Diagnostic knob: `BENCH_PHASE_PROF=<dir>` writes a CPU profile of the copier process covering only a scenario's
 * measured phase (after warm-up and start-up), so "where the time goes" is not mixed with connecting 1,000 followers.
 * Off by default; results are never produced with it on.
 */
import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PhaseProfile {
  stop(label: string): Promise<void>;
}

export async function startPhaseProfile(): Promise<PhaseProfile | null> {
  const heapDir = process.env['BENCH_PHASE_HEAP'];
  if (heapDir) return startHeapSampling(heapDir);
  const dir = process.env['BENCH_PHASE_PROF'];
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(label: string) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${label}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

/** `BENCH_PHASE_HEAP=<dir>`: a sampling heap profile (every allocation, also what young-generation GCs collected). */
async function startHeapSampling(dir: string): Promise<PhaseProfile> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return {
    async stop(label: string) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      session.disconnect();
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `${label}-${process.pid}.heapprofile`), JSON.stringify(profile));
    },
  };
}
