/**
 * The copier under test as a separate process: `node --import tsx src/main.ts` with its environment pointing at the
 * simulator, its stdout and stderr appended to files (for the secrets grep and crash forensics) and split into lines
 * (its event stream). It can be SIGKILLed at any moment and started again on the same data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeState, JOURNAL_FILE, readJournalFile, STATE_FILE } from '../../src/store/index.js';
import type { JournalEntry, State } from '../../src/store/index.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(REPO_ROOT, 'src', 'main.ts');

/** One run of the copier process, from spawn to exit. */
export interface Incarnation {
  index: number;
  pid: number;
  startedAt: number;
  /** When it exited (Date.now), or null while running. */
  endedAt: number | null;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the runner killed it (SIGKILL or SIGTERM); an exit without it is a crash. */
  killedByRunner: boolean;
  /** Last stderr lines, kept for the crash report. */
  stderrTail: string[];
}

export interface CopierOptions {
  dataDir: string;
  /** Files the child's output is appended to. */
  stdoutFile: string;
  stderrFile: string;
  env: Record<string, string>;
  onStdoutLine?: (line: string, incarnation: Incarnation) => void;
  onStderrLine?: (line: string, incarnation: Incarnation) => void;
  onExit?: (incarnation: Incarnation) => void;
}

function lineSplitter(onLine: (line: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  };
}

/** Starts, kills and restarts the copier process; remembers every incarnation. */
export class CopierProcess {
  readonly incarnations: Incarnation[] = [];
  private child: ChildProcess | null = null;
  private current: Incarnation | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly out: WriteStream;
  private readonly err: WriteStream;

  constructor(private readonly options: CopierOptions) {
    this.out = createWriteStream(options.stdoutFile, { flags: 'a' });
    this.err = createWriteStream(options.stderrFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.current !== null && this.current.endedAt === null;
  }

  get incarnation(): Incarnation | null {
    return this.current;
  }

  start(): Incarnation {
    if (this.running) throw new Error('copier already running');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: REPO_ROOT,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inc: Incarnation = {
      index: this.incarnations.length,
      pid: child.pid ?? -1,
      startedAt: Date.now(),
      endedAt: null,
      exitCode: null,
      signal: null,
      killedByRunner: false,
      stderrTail: [],
    };
    this.incarnations.push(inc);
    this.child = child;
    this.current = inc;
    this.out.write(`--- incarnation ${inc.index} pid ${inc.pid} at ${new Date(inc.startedAt).toISOString()}\n`);
    this.err.write(`--- incarnation ${inc.index} pid ${inc.pid} at ${new Date(inc.startedAt).toISOString()}\n`);
    child.stdout?.setEncoding('utf8').on(
      'data',
      lineSplitter((line) => {
        this.out.write(`${line}\n`);
        this.options.onStdoutLine?.(line, inc);
      }),
    );
    child.stderr?.setEncoding('utf8').on(
      'data',
      lineSplitter((line) => {
        this.err.write(`${line}\n`);
        inc.stderrTail.push(line);
        if (inc.stderrTail.length > 40) inc.stderrTail.shift();
        this.options.onStderrLine?.(line, inc);
      }),
    );
    this.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        inc.endedAt = Date.now();
        inc.exitCode = code;
        inc.signal = signal;
        if (this.child === child) this.child = null;
        this.options.onExit?.(inc);
        resolve();
      });
    });
    return inc;
  }

  /** SIGKILL now (synchronously sends the signal); `waitExit` resolves once it is reaped. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): boolean {
    const child = this.child;
    const inc = this.current;
    if (child === null || inc === null || inc.endedAt !== null) return false;
    inc.killedByRunner = true;
    return child.kill(signal);
  }

  waitExit(): Promise<void> {
    return this.exited;
  }

  /** Graceful stop (SIGTERM) with a SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.stop();
    await Promise.all([new Promise((r) => this.out.end(r)), new Promise((r) => this.err.end(r))]);
  }
}

/** A data directory read as the store reads it at start-up. */
export type ReadState =
  | { ok: true; state: State; journal: JournalEntry[]; journalDamagedTail: string | null }
  | { ok: false; error: string };

/**
 * Reads and validates the state file and the journal file as the store would at start-up: a state file it would
 * refuse, or a damaged journal line other than the last, is an error; a damaged last journal line (an append cut by
 * a kill, which start-up drops) is reported.
 */
export async function readState(dataDir: string): Promise<ReadState> {
  const path = join(dataDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, error: `unreadable: ${(error as Error).message}` };
  }
  try {
    const { state } = decodeState(text, path);
    const file = await readJournalFile(join(dataDir, JOURNAL_FILE));
    const tail = file.damagedTail === null ? null : `line ${file.damagedTail.line}: ${file.damagedTail.problem}`;
    return { ok: true, state, journal: [...state.journal, ...file.rows], journalDamagedTail: tail };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
