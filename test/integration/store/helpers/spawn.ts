import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A child running `child.ts` with its stdout split into lines. */
export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `predicate`. */
  waitFor(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited (and been reaped). */
  exited: Promise<number | null>;
}

export function spawnChild(mode: 'writer' | 'hold' | 'open', dir: string): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      lines.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    for (const w of waiters) w();
  });
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    for (const w of waiters) w();
    resolve(code);
  }));
  function waitFor(predicate: (line: string) => boolean, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for child output; got ${JSON.stringify(lines.slice(-5))}, stderr ${stderr}`));
      }, timeoutMs);
      function check(): void {
        const found = lines.find(predicate);
        if (found !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        } else if (proc.exitCode !== null || proc.signalCode !== null) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(new Error(`child exited without the expected line; got ${JSON.stringify(lines)}, stderr ${stderr}`));
        }
      }
      waiters.add(check);
      check();
    });
  }
  return { proc, lines, waitFor, exited };
}
