/**
 * Contract anomalies: what a terminal stream sent that the FxSocket contract does not describe (an unknown frame
 * type, a frame the client cannot read, a master ticket that changed without a deal). They are reported, never acted
 * on: the frame changes no state and the changed ticket is not copied. One `contract_anomaly` event per account, kind
 * and ticket per process, so a bridge that sends a new frame type every second is one alert, not thousands.
 */
import type { TicketChange } from '../domain/ticket-change.js';
import type { ContractAnomalyKind, CopierEvent } from './events.js';
import type { Clock, Logger, StreamEvent } from './ports.js';

/** One anomaly as a stream consumer (master feed, follower cache) reports it. */
export interface StreamAnomaly {
  kind: ContractAnomalyKind;
  ticket: number | null;
  detail: string;
}

/**
 * Frame types of §4.4 that the stream client passes through as `other`: acks, the subscription list, and `bar` frames
 * (a topic the copier does not subscribe to, but part of the contract).
 */
const PASS_THROUGH_TYPES: ReadonlySet<string> = new Set(['subscribed', 'unsubscribed', 'subscriptions', 'bar']);

/** Longest frame excerpt an anomaly's detail quotes. */
const EXCERPT_MAX = 120;

function excerpt(text: string): string {
  return text.length > EXCERPT_MAX ? `${text.slice(0, EXCERPT_MAX)}…` : text;
}

/**
 * The anomaly a stream event is, or null: an `other` event whose type the contract does not list is `unknown_frame`;
 * a `malformed` event (not a JSON object with a string type, or a known type whose payload fails its schema) is
 * `malformed_frame`. Every other event is the contract's.
 */
export function frameAnomaly(event: StreamEvent): StreamAnomaly | null {
  if (event.type === 'other') {
    const type = event.frame['type'];
    if (typeof type === 'string' && PASS_THROUGH_TYPES.has(type)) return null;
    let text: string;
    try {
      text = JSON.stringify(event.frame);
    } catch {
      text = '(unprintable frame)';
    }
    return { kind: 'unknown_frame', ticket: null, detail: `frame type ${JSON.stringify(type)} is not in the contract: ${excerpt(text)}` };
  }
  if (event.type === 'malformed') {
    return { kind: 'malformed_frame', ticket: null, detail: `${event.error.message}; frame: ${excerpt(event.raw)}` };
  }
  return null;
}

/** The anomaly of a master ticket that changed without a deal. */
export function ticketChangeAnomaly(change: TicketChange): StreamAnomaly {
  return {
    kind: 'ticket_changed_without_deal',
    ticket: change.from,
    detail:
      `#${change.from} (${change.side} ${change.fromLots} ${change.symbol}) left the positions list and #${change.to} ` +
      `(${change.side} ${change.toLots} ${change.symbol}) appeared, with no trade frame for either; #${change.to} is not copied as a new open`,
  };
}

/** Counters of {@link ContractAnomalies}. */
export interface ContractAnomalyStats {
  /** Anomalies reported (one event each). */
  reported: number;
  /** Anomalies seen again for an (account, kind, ticket) already reported: logged at debug, no event. */
  repeated: number;
}

/** What {@link ContractAnomalies} needs from the engine. */
export interface ContractAnomalyDeps {
  clock: Clock;
  log: Logger;
  accountName(accountId: string): string;
  emit(event: CopierEvent): void;
}

/** Keys reported before the set is cleared (a safety bound: a bridge renumbering every ticket must not grow memory). */
const MAX_KEYS = 10_000;

/** Reports each (account, kind, ticket) once per process as a `contract_anomaly` event. */
export class ContractAnomalies {
  readonly #deps: ContractAnomalyDeps;
  readonly #reported = new Set<string>();
  readonly #stats: ContractAnomalyStats = { reported: 0, repeated: 0 };

  constructor(deps: ContractAnomalyDeps) {
    this.#deps = deps;
  }

  stats(): ContractAnomalyStats {
    return { ...this.#stats };
  }

  /** Reports `anomaly` of `accountId` unless already reported; true when an event went out. */
  report(accountId: string, role: 'master' | 'follower', anomaly: StreamAnomaly): boolean {
    const key = `${accountId}\u0000${anomaly.kind}\u0000${anomaly.ticket ?? ''}`;
    if (this.#reported.has(key)) {
      this.#stats.repeated += 1;
      this.#deps.log.debug({ accountId, kind: anomaly.kind, ticket: anomaly.ticket, detail: anomaly.detail }, 'contract anomaly seen again');
      return false;
    }
    if (this.#reported.size >= MAX_KEYS) this.#reported.clear();
    this.#reported.add(key);
    this.#stats.reported += 1;
    this.#deps.log.warn({ accountId, role, kind: anomaly.kind, ticket: anomaly.ticket, detail: anomaly.detail }, 'contract anomaly: reported, not acted on');
    this.#deps.emit({
      type: 'contract_anomaly',
      at: this.#deps.clock.now(),
      accountId,
      accountName: this.#deps.accountName(accountId),
      role,
      kind: anomaly.kind,
      ticket: anomaly.ticket,
      detail: anomaly.detail,
    });
    return true;
  }
}
