/**
 * What the cluster puts on Redis streams, versioned: a master's terminal events (the feed's lease holder writes,
 * every partition reads) and CopierEvents (workers write, the control process reads). An entry this version cannot
 * read goes to the dead-letter stream with its id and the reason; it never stops a consumer.
 */
import type { CopierEvent } from '../engine/events.js';
import type { StreamEvent } from '../engine/ports.js';

/** Version of every entry this build writes. A reader refuses entries of another version (dead-letter). */
export const WIRE_VERSION = '1';

/** Flat field list of one stream entry, as XADD takes it and XREAD returns it. */
export type EntryFields = string[];

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

function fieldMap(fields: EntryFields): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) m.set(fields[i] as string, fields[i + 1] as string);
  return m;
}

/** A terminal event made plain JSON: an Error becomes its message. */
function plainStreamEvent(event: StreamEvent): unknown {
  switch (event.type) {
    case 'gave_up':
      return { type: 'gave_up', error: event.error.message };
    case 'auth_failed':
      return { ...event, error: event.error.message };
    case 'malformed':
      return { type: 'malformed', error: event.error.message, raw: event.raw.slice(0, 2_000) };
    default:
      return event;
  }
}

export function encodeMasterEvent(event: StreamEvent, receivedAtMs: number): EntryFields {
  return ['v', WIRE_VERSION, 'k', event.type, 't', String(receivedAtMs), 'e', JSON.stringify(plainStreamEvent(event))];
}

const STREAM_TYPES = new Set(['account', 'positions', 'trade', 'tick', 'terminal', 'warning', 'lag', 'open', 'closed', 'gave_up', 'auth_failed', 'stream_error', 'malformed', 'other']);

export function decodeMasterEvent(fields: EntryFields): Decoded<{ event: StreamEvent; receivedAtMs: number }> {
  const m = fieldMap(fields);
  const v = m.get('v');
  if (v !== WIRE_VERSION) return { ok: false, reason: `unknown version ${v === undefined ? '(none)' : JSON.stringify(v)}; this build reads ${WIRE_VERSION}` };
  const raw = m.get('e');
  if (raw === undefined) return { ok: false, reason: 'no event field' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `event is not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || !STREAM_TYPES.has(String((parsed as { type?: unknown }).type))) {
    return { ok: false, reason: 'event has no known type' };
  }
  const e = parsed as { type: string; error?: unknown };
  let event = parsed as StreamEvent;
  if ((e.type === 'gave_up' || e.type === 'auth_failed' || e.type === 'malformed') && typeof e.error === 'string') {
    event = { ...(parsed as object), error: new Error(e.error) } as StreamEvent;
  }
  const t = Number(m.get('t'));
  return { ok: true, value: { event, receivedAtMs: Number.isFinite(t) ? t : 0 } };
}

/** An alert from a worker: the CopierEvent and the partition that produced it. */
export interface AlertEntry {
  partition: number;
  worker: string;
  event: CopierEvent;
}

export function encodeAlert(entry: AlertEntry): EntryFields {
  return ['v', WIRE_VERSION, 'p', String(entry.partition), 'w', entry.worker, 'e', JSON.stringify(entry.event)];
}

export function decodeAlert(fields: EntryFields): Decoded<AlertEntry> {
  const m = fieldMap(fields);
  const v = m.get('v');
  if (v !== WIRE_VERSION) return { ok: false, reason: `unknown version ${v === undefined ? '(none)' : JSON.stringify(v)}; this build reads ${WIRE_VERSION}` };
  const partition = Number(m.get('p'));
  if (!Number.isInteger(partition) || partition < 0) return { ok: false, reason: 'no partition' };
  let event: unknown;
  try {
    event = JSON.parse(m.get('e') ?? '');
  } catch (error) {
    return { ok: false, reason: `event is not JSON: ${(error as Error).message}` };
  }
  if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') return { ok: false, reason: 'event has no type' };
  return { ok: true, value: { partition, worker: m.get('w') ?? '?', event: event as CopierEvent } };
}
