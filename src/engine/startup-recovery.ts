/**
 * The I/O side of start-up recovery (the pure part is recovery.ts): reads a master's recent deals and open orders,
 * and replays the deals never recorded as processed through the copy path, under their original event ids.
 */
import type { MasterEvent } from '../domain/events.js';
import type { LedgerIndex } from './ledger-index.js';
import type { BrokerPort, Clock, Logger } from './ports.js';
import { sleepOn } from './clock.js';
import { recoverMissedEvents } from './recovery.js';

/** How far back start-up recovery replays unrecorded master deals (see recovery.ts). */
const RECOVERY_WINDOW_MS = 120_000;
/** Reads of the master's history before start-up falls back to reconciliation alone (0.5 + 1 + 2 s between). */
const RECOVERY_READ_ATTEMPTS = 4;

/** What recovery reads and where it replays to. */
export interface StartupRecoveryDeps {
  readonly broker: BrokerPort;
  readonly clock: Clock;
  readonly log: Logger;
  readonly ledger: LedgerIndex;
  readonly maxCopyAgeMs: number;
  platformOf(accountId: string): string | undefined;
  isProcessed(masterId: string, eventId: string): boolean;
  processEvent(event: MasterEvent, receivedAt: number): Promise<void>;
}

/** Replays the master's recent deals that were never recorded as processed (see recovery.ts). Runs on its queue. */
export async function recoverMissed(deps: StartupRecoveryDeps, masterId: string): Promise<void> {
  if (deps.platformOf(masterId) === 'mt4') return; // MT4 reports no deal tickets to key on (§4.5).
  let events: MasterEvent[] | null = null;
  // Without the history, a batch a killed process left in flight could land after reconciliation opened the same copy
  // under its own key: the read is worth a few tries before falling back to reconciliation alone.
  for (let attempt = 0; events === null; attempt++) {
    try {
      events = await readMissed(deps, masterId);
    } catch (error) {
      if (attempt + 1 >= RECOVERY_READ_ATTEMPTS) {
        deps.log.warn({ masterId, err: String(error), attempts: attempt + 1 }, 'recent master deals unavailable; reconciliation only');
        return;
      }
      await sleepOn(deps.clock)(500 * 2 ** attempt);
    }
  }
  if (events.length > 0) deps.log.info({ masterId, events: events.map((e) => e.eventId) }, 'replaying master deals not recorded as processed');
  for (const event of events) await deps.processEvent(event, performance.now());
}

async function readMissed(deps: StartupRecoveryDeps, masterId: string): Promise<MasterEvent[]> {
  const terminal = await deps.broker.terminal(masterId);
  const [deals, open, tz] = await Promise.all([terminal.orderHistory(), terminal.openedOrders(), terminal.serverTimezone()]);
  return recoverMissedEvents({
    masterId,
    deals,
    open,
    utcOffsetSeconds: tz.utcOffsetSeconds,
    now: deps.clock.now(),
    // A batch left in flight by a dead process ends within its timeouts; older missed deals are reconciliation's,
    // which opens only what is still fresh and near the master's price.
    maxAgeMs: Math.min(deps.maxCopyAgeMs, RECOVERY_WINDOW_MS),
    isProcessed: (eventId) => deps.isProcessed(masterId, eventId),
    hadPendingCopy: (ticket) => deps.ledger.ofMaster(masterId, ticket).some((l) => l.kind === 'pending'),
  });
}
