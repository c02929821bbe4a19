/**
 * Which partition a follower belongs to, and which partitions a worker should own. Pure: no I/O, no clock.
 *
 * A follower's partition depends only on its id and P, never on how many workers run, so adding or losing a worker
 * moves whole partitions (their leases) and never re-hashes followers. Workers pick partitions by rendezvous hashing
 * (highest score wins), so each worker prefers a stable set and a change in worker count moves few partitions.
 */

/** FNV-1a, 32 bits: small, fast, and identical in every process (no seed). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function partitionOf(accountId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return fnv1a(accountId) % partitions;
}

/** The most partitions one of `workers` live workers should own. */
export function fairShare(partitions: number, workers: number): number {
  return Math.ceil(partitions / Math.max(1, workers));
}

/** Rendezvous score of a worker for a partition. */
export function affinity(workerId: string, partition: number): number {
  return fnv1a(`${workerId}#${partition}`);
}

/**
 * The partitions `workerId` should hold, best first: of all P, ranked by how strongly each live worker prefers it,
 * the ones this worker wins. Every worker computes the same answer from the same live set, so in a steady state the
 * assignment has no conflicts; leases settle any disagreement during a change.
 */
export function preferredPartitions(workerId: string, liveWorkers: readonly string[], partitions: number): number[] {
  const live = [...new Set([...liveWorkers, workerId])].sort();
  const cap = fairShare(partitions, live.length);
  const load = new Map(live.map((w) => [w, 0]));
  const mine: number[] = [];
  const order = Array.from({ length: partitions }, (_, p) => p);
  for (const p of order) {
    const ranked = [...live].sort((a, b) => affinity(b, p) - affinity(a, p) || (a < b ? -1 : 1));
    const winner = ranked.find((w) => (load.get(w) ?? 0) < cap);
    if (winner === undefined) continue;
    load.set(winner, (load.get(winner) ?? 0) + 1);
    if (winner === workerId) mine.push(p);
  }
  return mine;
}
