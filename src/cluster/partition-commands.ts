/**
 * Control API calls that send orders (reconcile, close all) run on the worker that owns the follower's partition,
 * never in the control process: one writer per follower. So do the views whose facts live there: a follower's rows
 * with the master position each copies (the owner's ledger) and its daily risk budget (the owner's day mark and
 * open copies). The control process pushes a command onto the partition's
 * list; the owner pops it, runs it through its engine's control API, and pushes the reply where the caller waits.
 * A command whose owner dies before answering times out at the caller, which says so: it is not retried blindly.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { FxmirrorError } from '../domain/errors.js';
import type { RiskLimits } from '../domain/config.js';
import type { ControlApi } from '../engine/control-types.js';
import type { Logger } from '../engine/ports.js';
import type { Lease } from './lease.js';

export const commandSchema = z.discriminatedUnion('op', [
  z.strictObject({ id: z.string().min(1), op: z.literal('reconcile'), followerId: z.string().optional(), apply: z.boolean() }),
  z.strictObject({ id: z.string().min(1), op: z.literal('closeAll'), followerId: z.string() }),
  z.strictObject({ id: z.string().min(1), op: z.literal('positions'), followerId: z.string().optional() }),
  // The patch is validated where it is used, by the owner's control API, exactly as /risk validates it.
  z.strictObject({ id: z.string().min(1), op: z.literal('riskBudget'), followerId: z.string(), patch: z.record(z.string(), z.unknown()) }),
]);
export type PartitionCommand = z.infer<typeof commandSchema>;

/** A command's reply: its value, or the refusal as code and message (a RejectedError at the caller). */
export type CommandReply = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export class PartitionCommands {
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly deps: { redis: Redis; key: string; replyKey: (id: string) => string; control: ControlApi; lease: Lease; log: Logger }) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.deps.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let raw: [string, string] | null;
      try {
        raw = await this.deps.redis.brpop(this.deps.key, 1);
      } catch {
        if (!this.running) return;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (raw === null) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw[1]);
      } catch {
        parsed = null;
      }
      const command = commandSchema.safeParse(parsed);
      if (!command.success) {
        this.deps.log.error({ key: this.deps.key, raw: raw[1].slice(0, 200) }, 'unreadable partition command ignored');
        continue;
      }
      const reply = await this.execute(command.data);
      const key = this.deps.replyKey(command.data.id);
      await this.deps.redis.multi().lpush(key, JSON.stringify(reply)).pexpire(key, 120_000).exec().catch(() => undefined);
    }
  }

  private async execute(command: PartitionCommand): Promise<CommandReply> {
    if (this.deps.lease.token === null) return { ok: false, code: 'lease_lost', message: 'The worker that received this lost the partition; nothing was done. Try again.' };
    try {
      switch (command.op) {
        case 'reconcile':
          return { ok: true, value: await this.deps.control.reconcile({ ...(command.followerId === undefined ? {} : { followerId: command.followerId }), apply: command.apply }) };
        case 'closeAll':
          return { ok: true, value: await this.deps.control.closeAll(command.followerId) };
        case 'positions':
          return { ok: true, value: await this.deps.control.positions(command.followerId) };
        case 'riskBudget':
          return { ok: true, value: await this.deps.control.riskBudget(command.followerId, command.patch as Partial<RiskLimits>) };
      }
    } catch (error) {
      if (error instanceof FxmirrorError) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: 'internal', message: `The command failed on the worker: ${(error as Error).message}` };
    }
  }
}
