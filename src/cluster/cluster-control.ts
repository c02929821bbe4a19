/**
 * The control API in cluster mode: everything the single-process control API does (same validation, same refusals,
 * same replies), over the control process's engine, except what sends orders. Reconcile and close-all are forwarded
 * to the worker that owns the follower's partition (one writer per follower), and so are /positions and /risk, whose
 * facts (the ledger, the day's mark) live there. /status gains the cluster view and the owners' follower views.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RejectedError } from '../domain/errors.js';
import type { AccountView, CloseAllResult, ClusterStatusView, ControlApi, PositionView, RiskBudgetView, SizingPreviewRow, StatusView } from '../engine/control-types.js';
import type { ReconcileReport } from '../engine/events.js';
import type { FollowerCaches } from './follower-caches.js';
import type { FollowerView } from './follower-views.js';
import type { ClusterKeys } from './keys.js';
import type { CommandReply, PartitionCommand } from './partition-commands.js';
import { partitionOf } from './partitioning.js';
import { duplicateConnection } from './redis.js';

export interface ClusterControlDeps {
  inner: ControlApi;
  redis: Redis;
  keys: ClusterKeys;
  partitions: () => number;
  /** Partitions that have followers now. */
  activePartitions: () => number[];
  cluster: () => ClusterStatusView;
  /** How long a forwarded command may take before the caller is told it has no answer. */
  commandTimeoutMs: number;
  /** The control process's follower caches: started for the views that read a follower's symbols and specs. */
  caches: FollowerCaches;
  /** The followers as their partitions' owners published them (stream up, open copies). */
  followerViews: () => ReadonlyMap<string, FollowerView>;
}

/** How long a view waits for the owner's answer. */
const VIEW_TIMEOUT_MS = 15_000;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Views change nothing, so a caller waits less for one, and may simply ask again. */
const VIEWS = new Set<PartitionCommand['op']>(['positions', 'riskBudget']);

async function forward(deps: ClusterControlDeps, partition: number, command: DistributiveOmit<PartitionCommand, 'id'>): Promise<unknown> {
  const id = randomUUID();
  const replies = duplicateConnection(deps.redis);
  const view = VIEWS.has(command.op);
  const timeoutS = Math.max(1, Math.ceil((view ? Math.min(deps.commandTimeoutMs, VIEW_TIMEOUT_MS) : deps.commandTimeoutMs) / 1000));
  try {
    await deps.redis.lpush(deps.keys.commands(partition), JSON.stringify({ ...command, id }));
    const got = await replies.blpop(deps.keys.reply(id), timeoutS);
    if (got === null) {
      throw new RejectedError(
        'worker_no_answer',
        view
          ? `No worker answered for partition ${partition} within ${timeoutS} s (starting, or gone). Try again shortly; /status shows who owns it.`
          : `No worker answered for partition ${partition} within ${timeoutS} s (starting, or gone). Whether it ran is unknown: check /positions and /status before trying again.`,
      );
    }
    const reply = JSON.parse(got[1]) as CommandReply;
    if (!reply.ok) throw new RejectedError(reply.code, reply.message);
    return reply.value;
  } finally {
    replies.disconnect();
  }
}

export function createClusterControl(deps: ClusterControlDeps): ControlApi {
  const inner = deps.inner;
  const overrides: Partial<ControlApi> = {
    async reconcile(options): Promise<ReconcileReport> {
      if (options.followerId !== undefined) {
        inner.follower(options.followerId);
        return (await forward(deps, partitionOf(options.followerId, deps.partitions()), { op: 'reconcile', followerId: options.followerId, apply: options.apply })) as ReconcileReport;
      }
      const reports = (await Promise.all(deps.activePartitions().map((p) => forward(deps, p, { op: 'reconcile', apply: options.apply })))) as ReconcileReport[];
      return { dryRun: !options.apply, followers: reports.flatMap((r) => r.followers) };
    },
    async closeAll(followerId): Promise<CloseAllResult> {
      inner.follower(followerId);
      return (await forward(deps, partitionOf(followerId, deps.partitions()), { op: 'closeAll', followerId })) as CloseAllResult;
    },
    status(): StatusView {
      const view = inner.status();
      const owners = deps.followerViews();
      // The control process streams no follower: the owner's stream and ledger say what /status shows.
      const followers = view.followers.map((f) => ({ ...f, streaming: owners.get(f.id)?.streaming ?? false, openCopies: owners.get(f.id)?.openCopies ?? 0 }));
      return { ...view, followers, cluster: deps.cluster() };
    },
    async listAccounts(): Promise<AccountView[]> {
      const owners = deps.followerViews();
      return (await inner.listAccounts()).map((a) => (a.role === 'follower' ? { ...a, streaming: owners.get(a.id)?.streaming ?? false } : a));
    },
    async positions(followerId): Promise<PositionView[]> {
      if (followerId !== undefined) {
        inner.follower(followerId);
        return (await forward(deps, partitionOf(followerId, deps.partitions()), { op: 'positions', followerId })) as PositionView[];
      }
      const lists = (await Promise.all(deps.activePartitions().map((p) => forward(deps, p, { op: 'positions' })))) as PositionView[][];
      // In the configuration's follower order, as the single process lists them.
      const order = new Map(inner.status().followers.map((f, i) => [f.id, i] as const));
      return lists.flat().sort((a, b) => (order.get(a.followerId) ?? 0) - (order.get(b.followerId) ?? 0));
    },
    async previewSizing(followerId, sizing, lastN): Promise<SizingPreviewRow[]> {
      await deps.caches.ensure([inner.follower(followerId).accountId]);
      return inner.previewSizing(followerId, sizing, lastN);
    },
    async setSymbolMapping(followerId, from, to): Promise<Record<string, string>> {
      await deps.caches.ensure([inner.follower(followerId).accountId]);
      return inner.setSymbolMapping(followerId, from, to);
    },
    async riskBudget(followerId, patch): Promise<RiskBudgetView> {
      // The settings as this process has them: the owner may apply a change just made up to a second later.
      const risk = { ...inner.follower(followerId).risk, ...(patch ?? {}) };
      return (await forward(deps, partitionOf(followerId, deps.partitions()), { op: 'riskBudget', followerId, patch: risk })) as RiskBudgetView;
    },
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof ControlApi];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
