/** Closing a benchmark run: its end time, duration and load, then `<name>.json` and `<name>.md` in the output folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadAvg, type MachineInfo } from './machine.js';

/** What every run's results carry about when and where it ran. */
export interface RunStamp {
  finishedAt: string;
  durationS: number;
  machine: MachineInfo;
}

/** Stamps `results` as finished now and, unless `outDir` is null, writes them as JSON and as `render`'s Markdown. */
export async function finishResults<T extends RunStamp>(
  results: T,
  started: Date,
  out: { dir: string | null; name: string; render: (results: T) => string; log: (line: string) => void },
): Promise<T> {
  const finished = new Date();
  results.finishedAt = finished.toISOString();
  results.durationS = Math.round((finished.getTime() - started.getTime()) / 100) / 10;
  results.machine.loadAvgEnd = loadAvg();
  if (out.dir !== null) {
    await mkdir(out.dir, { recursive: true });
    const json = join(out.dir, `${out.name}.json`);
    const md = join(out.dir, `${out.name}.md`);
    await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(md, out.render(results));
    out.log(`results: ${json}, ${md}`);
  }
  return results;
}
