/**
 * Parent side of the simulator process: spawns the simulator script with an IPC channel and turns its messages into
 * promises. Loaded from the build (`bench/.build`), it spawns the compiled `sim-process.js` with plain node; loaded
 * from the sources, `bench/sim-process.ts` under tsx.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  BurstReply,
  BurstRequest,
  ChildMessage,
  ChildStats,
  EventReply,
  EventRequest,
  ParentMessage,
  WorldReply,
  WorldRequest,
} from './protocol.js';

const COMPILED = import.meta.url.endsWith('.js');
const SIM_SCRIPT = fileURLToPath(new URL(COMPILED ? '../sim-process.js' : '../sim-process.ts', import.meta.url));

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Outgoing = ParentMessage extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export class SimChild {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: ChildMessage) => {
      if (msg.id === -1) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`sim process: ${msg.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`sim process exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Spawns the simulator process and waits until it is ready for commands. */
  static async spawn(): Promise<SimChild> {
    const child = fork(SIM_SCRIPT, [], {
      // BENCH_SIM_CPU_PROF=<dir> profiles the simulator process too (`--cpu-prof` on the bench profiles the copier).
      execArgv: [
        ...(COMPILED ? [] : ['--import', 'tsx']),
        ...(process.env['BENCH_SIM_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_SIM_CPU_PROF']] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (msg: ChildMessage) => {
        if (msg.id === -1) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`sim process exited during start (${code})`)));
    });
    return new SimChild(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call<T>(msg: Outgoing): Promise<T> {
    if (this.exited) return Promise.reject(new Error('sim process is gone'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...msg, id } as ParentMessage);
    });
  }

  world(req: WorldRequest): Promise<WorldReply> {
    return this.call({ type: 'world', req });
  }

  event(req: EventRequest): Promise<EventReply> {
    return this.call({ type: 'event', req });
  }

  burst(req: BurstRequest): Promise<BurstReply> {
    return this.call({ type: 'burst', req });
  }

  /** Final burst count: call once the copier is idle. */
  burstFinish(): Promise<BurstReply> {
    return this.call({ type: 'burstFinish' });
  }

  stats(): Promise<ChildStats & { strayLegs: number }> {
    return this.call({ type: 'stats' });
  }

  resetCost(): Promise<void> {
    return this.call({ type: 'resetCost' });
  }

  async shutdown(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ type: 'shutdown' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
