/**
 * World variants: the points where the FxSocket contract (`fxsocket-api.md`) is silent or hedged, each with the two
 * readings a faithful FxSocket could take. The simulator answers by one reading per point; the copier must be right
 * under every combination. docs/copy-semantics.md ("Silent points") lists them with what the copier does about each.
 */
import { Rng, deriveSeed } from './rng.js';

/** One reading per silent point. */
export interface WorldVariant {
  /**
   * MT4 partial close: `'new_ticket'` closes the order and reopens the rest under a new ticket commented
   * `from #<old>` (MetaTrader 4's own behaviour); `'same_ticket'` keeps the ticket with the smaller volume and its
   * comment, as some bridges report it.
   */
  mt4PartialClose: 'new_ticket' | 'same_ticket';
  /** On subscribe: the `subscribed` ack before the snapshot (`'ack_first'`) or the snapshot first. */
  subscribeOrder: 'ack_first' | 'snapshot_first';
  /** A subscribe to a topic already subscribed: a second ack alone, or a second ack and a fresh snapshot. */
  duplicateSubscribe: 'ack_only' | 'ack_and_snapshot';
  /** Only a change of the rows pushes a `positions` frame (`'on_change'`), or price moves do too (`'on_price'`). */
  positionsFrames: 'on_price' | 'on_change';
  /** `/OrderClose` with `volume: 0`: a full close, or refused as an invalid volume (10014). */
  closeVolumeZero: 'full' | 'invalid';
  /** Order comments: truncated to 31 characters as MetaTrader stores them, or kept whole by the bridge. */
  comment: 'truncate31' | 'keep';
}

/** The readings the simulator has always taken (the default world). */
export const DEFAULT_VARIANT: Readonly<WorldVariant> = Object.freeze({
  mt4PartialClose: 'new_ticket',
  subscribeOrder: 'ack_first',
  duplicateSubscribe: 'ack_only',
  positionsFrames: 'on_change',
  closeVolumeZero: 'full',
  comment: 'keep',
});

/** The other reading of every point: with {@link DEFAULT_VARIANT}, both readings of each point are exercised. */
export const OTHER_VARIANT: Readonly<WorldVariant> = Object.freeze({
  mt4PartialClose: 'same_ticket',
  subscribeOrder: 'snapshot_first',
  duplicateSubscribe: 'ack_and_snapshot',
  positionsFrames: 'on_price',
  closeVolumeZero: 'invalid',
  comment: 'truncate31',
});

const READINGS: { [K in keyof WorldVariant]: readonly WorldVariant[K][] } = {
  mt4PartialClose: ['new_ticket', 'same_ticket'],
  subscribeOrder: ['ack_first', 'snapshot_first'],
  duplicateSubscribe: ['ack_only', 'ack_and_snapshot'],
  positionsFrames: ['on_change', 'on_price'],
  closeVolumeZero: ['full', 'invalid'],
  comment: ['keep', 'truncate31'],
};

/** Every silent point's name. */
export const SILENT_POINTS = Object.keys(READINGS) as (keyof WorldVariant)[];

/** A mixed variant chosen by a seed: each point's reading drawn independently (reproducible for the seed). */
export function variantFromSeed(seed: number): WorldVariant {
  const rng = new Rng(deriveSeed(seed, 'variant'));
  const pick = <K extends keyof WorldVariant>(k: K): WorldVariant[K] => {
    const options = READINGS[k];
    return options[rng.int(options.length)] as WorldVariant[K];
  };
  return {
    mt4PartialClose: pick('mt4PartialClose'),
    subscribeOrder: pick('subscribeOrder'),
    duplicateSubscribe: pick('duplicateSubscribe'),
    positionsFrames: pick('positionsFrames'),
    closeVolumeZero: pick('closeVolumeZero'),
    comment: pick('comment'),
  };
}

/**
 * Reads a variant from a string: `default`, `other`, `seed:<n>`, or `point=reading,…` over the default (for
 * `FXMIRROR_SIM_VARIANT` and the chaos trial's `--variant`). Throws a message naming what was wrong.
 */
export function parseVariant(text: string): WorldVariant {
  const t = text.trim();
  if (t === '' || t === 'default') return { ...DEFAULT_VARIANT };
  if (t === 'other') return { ...OTHER_VARIANT };
  const seeded = /^seed:(\d+)$/.exec(t);
  if (seeded) return variantFromSeed(Number(seeded[1]));
  const out: WorldVariant = { ...DEFAULT_VARIANT };
  for (const part of t.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key === undefined || value === undefined || !(key in READINGS)) {
      throw new Error(`unknown world variant point "${key ?? part}" (known: ${SILENT_POINTS.join(', ')})`);
    }
    const k = key as keyof WorldVariant;
    const options = READINGS[k] as readonly string[];
    if (!options.includes(value)) throw new Error(`world variant ${k}: "${value}" is not one of ${options.join(', ')}`);
    (out as unknown as Record<string, string>)[k] = value;
  }
  return out;
}

/** `point=reading,…` for logs and test names. */
export function describeVariant(v: WorldVariant): string {
  return SILENT_POINTS.map((k) => `${k}=${v[k]}`).join(',');
}
