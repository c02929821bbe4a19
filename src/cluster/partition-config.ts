/**
 * The part of the cluster's configuration one partition runs, and applying a new version to its running engine.
 * Config objects are updated in place (the engine reads sizing, maps, filters and risk live from them); followers and
 * masters that appear or leave are started or stopped through the engine runtime, as the control API does.
 */
import type { FollowerConfig, MasterConfig } from '../domain/config.js';
import type { CopyEngine } from '../engine/engine.js';
import type { ConfigDocument } from './config-doc.js';
import { partitionOf } from './partitioning.js';

export interface PartitionConfig {
  masters: MasterConfig[];
  followers: FollowerConfig[];
}

/** Followers hashed to `partition`, and the masters at least one of them follows. */
export function partitionConfig(doc: ConfigDocument, partition: number): PartitionConfig {
  const followers = doc.followers.filter((f) => partitionOf(f.accountId, doc.partitions) === partition);
  const followed = new Set(followers.flatMap((f) => f.masters));
  const masters = doc.masters.filter((m) => followed.has(m.accountId));
  return { masters: structuredClone(masters), followers: structuredClone(followers) };
}

function assignInPlace<T extends object>(target: T, source: T): void {
  for (const key of Object.keys(target)) if (!(key in source)) delete (target as Record<string, unknown>)[key];
  Object.assign(target, structuredClone(source));
}

/** Applies `next` to the engine's live config; resolves once added accounts are started and removed ones stopped. */
export async function applyPartitionConfig(runtime: CopyEngine, next: PartitionConfig): Promise<{ started: string[]; stopped: string[] }> {
  const data = runtime.state.data;
  const started: string[] = [];
  const stopped: string[] = [];
  const nextFollowers = new Map(next.followers.map((f) => [f.accountId, f]));
  const nextMasters = new Map(next.masters.map((m) => [m.accountId, m]));
  const unknown = [...nextFollowers.keys(), ...nextMasters.keys()].some((id) => !runtime.accounts.has(id));
  if (unknown) for (const a of await runtime.broker.listAccounts()) runtime.accounts.set(a.id, a);

  for (const f of [...data.followers]) {
    const n = nextFollowers.get(f.accountId);
    if (n) assignInPlace(f, n);
  }
  for (const m of [...data.masters]) {
    const n = nextMasters.get(m.accountId);
    if (n) assignInPlace(m, n);
  }
  const goneFollowers = data.followers.filter((f) => !nextFollowers.has(f.accountId)).map((f) => f.accountId);
  const goneMasters = data.masters.filter((m) => !nextMasters.has(m.accountId)).map((m) => m.accountId);
  const newFollowers = next.followers.filter((f) => !data.followers.some((x) => x.accountId === f.accountId));
  const newMasters = next.masters.filter((m) => !data.masters.some((x) => x.accountId === m.accountId));

  if (goneFollowers.length > 0) data.followers.splice(0, data.followers.length, ...data.followers.filter((f) => nextFollowers.has(f.accountId)));
  if (goneMasters.length > 0) data.masters.splice(0, data.masters.length, ...data.masters.filter((m) => nextMasters.has(m.accountId)));
  data.followers.push(...structuredClone(newFollowers));
  data.masters.push(...structuredClone(newMasters));

  for (const id of goneFollowers) {
    await runtime.stopFollower(id);
    stopped.push(id);
  }
  for (const id of goneMasters) {
    await runtime.stopMaster(id);
    stopped.push(id);
  }
  // Followers first: a master's first event must find its followers' caches.
  for (const f of newFollowers) {
    await runtime.startFollower(f.accountId);
    started.push(f.accountId);
  }
  for (const m of newMasters) {
    await runtime.startMaster(m.accountId);
    started.push(m.accountId);
  }
  return { started, stopped };
}
