import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulator } from '../simulator.js';
import type { Terminal } from '../terminal.js';
import { canSee, type KeyGrant } from './auth.js';
import { validIdempotencyKey } from './idempotency.js';
import { canonicalJson, header, parseJson, sendJson } from './respond.js';

/** Stable JSON of a request body's text, for comparing idempotent requests (key order does not matter). */
function canonicalBody(text: string): string {
  return canonicalJson(parseJson(text));
}

/** Resolves every leg's account; answers 400 `unknown_account` / `unreachable_account` and returns undefined on failure. */
export function resolveAccounts(
  sim: Simulator,
  res: ServerResponse,
  grant: KeyGrant,
  ids: readonly string[],
  requireReachable: boolean,
): Terminal[] | undefined {
  const out: Terminal[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const t = sim.terminals.get(id);
    if (!t || !canSee(grant, t.account)) unknown.push(id);
    else out.push(t);
  }
  if (unknown.length > 0) {
    sendJson(res, 400, { error: 'unknown_account', detail: `unknown account(s): ${[...new Set(unknown)].join(', ')}`, account_ids: [...new Set(unknown)] });
    return undefined;
  }
  if (requireReachable) {
    const now = sim.clock.now();
    const down = [...new Set(out.filter((t) => !t.reachable(now)).map((t) => t.id))];
    if (down.length > 0) {
      sendJson(res, 400, { error: 'unreachable_account', detail: `account(s) without a reachable terminal: ${down.join(', ')}`, account_ids: down });
      return undefined;
    }
  }
  return out;
}

/**
 * Runs a batch under the Idempotency-Key rules of §2.4: replay with `idempotent_replay: true`, 422 on a reused
 * key with another body, 409 while the first call runs, 503 when the guarantee is switched off. Nothing is sent
 * in any of those cases. `bodyText` is the request body as received: its canonical form (key order ignored) is
 * only computed when the key is seen again, so a first request does not pay for it.
 */
export async function withIdempotency(
  sim: Simulator,
  req: IncomingMessage,
  res: ServerResponse,
  grant: KeyGrant,
  route: string,
  bodyText: string,
  run: () => Promise<Record<string, unknown>>,
): Promise<void> {
  const key = header(req, 'idempotency-key');
  if (key === undefined) {
    sendJson(res, 200, await run());
    return;
  }
  if (!validIdempotencyKey(key)) {
    sendJson(res, 400, { error: 'invalid_batch', detail: 'Idempotency-Key must be 1-128 characters' });
    return;
  }
  if (!sim.idempotency.available) {
    sendJson(res, 503, { error: 'idempotency_unavailable', detail: 'idempotency cannot be guaranteed right now; retry later or send without a key' });
    return;
  }
  const check = sim.idempotency.check(`${grant.key}\u0000${route}`, key, bodyText, canonicalBody);
  switch (check.kind) {
    case 'in_flight':
      sendJson(res, 409, { error: 'idempotency_in_flight', detail: 'a request with this Idempotency-Key is still running' });
      return;
    case 'reused':
      sendJson(res, 422, { error: 'idempotency_key_reused', detail: 'this Idempotency-Key was used with a different body' });
      return;
    case 'replay':
      sendJson(res, 200, { ...check.reply, idempotent_replay: true });
      return;
    case 'new': {
      let reply: Record<string, unknown>;
      try {
        reply = await run();
      } catch (err) {
        check.abandon();
        throw err;
      }
      check.complete(reply);
      sendJson(res, 200, reply);
    }
  }
}

/**
 * Runs positional legs grouped by account: legs of one account run in order, accounts run in parallel. A leg that
 * answers synchronously (no latency fault) is finished on the spot, so a batch without faults runs in one pass with
 * no promise per leg; a leg that returns a promise holds back only the later legs of its own account.
 */
export async function runGrouped<L, R>(
  legs: readonly L[],
  accountOf: (leg: L) => string,
  run: (leg: L, index: number) => R | Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(legs.length);
  /** Accounts with a leg still running (or failed): their later legs queue behind it. */
  const busy = new Map<string, Promise<void>>();
  const chains: Promise<void>[] = [];
  let failure: { error: unknown } | null = null;
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i] as L;
    const id = accountOf(leg);
    const tail = busy.get(id);
    if (tail !== undefined) {
      const next = tail.then(async () => {
        results[i] = await run(leg, i);
      });
      busy.set(id, next);
      chains.push(next);
      continue;
    }
    let answer: R | Promise<R>;
    try {
      answer = run(leg, i);
    } catch (error) {
      // As before: the batch fails with the first error, the account's later legs do not run, other accounts do.
      failure ??= { error };
      busy.set(id, Promise.reject(error));
      continue;
    }
    if (answer instanceof Promise) {
      const next = answer.then((r) => {
        results[i] = r;
      });
      busy.set(id, next);
      chains.push(next);
    } else {
      results[i] = answer;
    }
  }
  // Rejections of skipped chains are reported through `failure` or Promise.all below, never left unhandled.
  for (const p of busy.values()) p.catch(() => undefined);
  if (chains.length > 0) await Promise.all(chains);
  if (failure !== null) throw failure.error;
  return results;
}

export function elapsedMs(start: number): number {
  return Math.max(0, Math.round(performance.now() - start));
}
