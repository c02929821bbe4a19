/**
 * Exact lot arithmetic (design.md §3, Planning: "integer arithmetic on steps, never float drift").
 *
 * A volume is held as an integer count of the symbol's `volumeStep`. Lots are converted to integer "units" of
 * 10^-d lots, where d is the number of decimals the step (and minimum) need, so `0.3 / 0.1` is computed as `30 / 10`.
 * Converting back divides an integer by a power of ten; IEEE division is correctly rounded, so the result is the same
 * double that parsing the decimal text gives (`7 / 100 === 0.07`), never `0.07000000000000001`.
 */
import type { Reason } from './reasons.js';
import { reason } from './reasons.js';

/** The three volume fields of a `SymbolSpec`. */
export interface VolumeSpec {
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
}

/** What to do with a computed lot below `volumeMin` (`RiskLimits.belowMin`). */
export type BelowMinPolicy = 'skip' | 'round_up';

/** A volume grid derived from a spec: everything as integers of `10^-decimals` lots. */
export interface VolumeGrid {
  decimals: number;
  /** 10^decimals */
  scale: number;
  stepUnits: number;
  /** Smallest valid step count (≥ 1). */
  minSteps: number;
  /** Largest valid step count (≥ minSteps, or 0 when the spec allows nothing). */
  maxSteps: number;
}

/** Result of normalising a raw lot to the grid. */
export type VolumeResult =
  | { ok: true; volume: number; steps: number; reasons: Reason[] }
  | { ok: false; reason: 'below_min_volume' | 'zero_volume'; detail: Record<string, number | string> };

const MAX_DECIMALS = 10;
/** Fallback when a bridge reports a zero or broken step: the usual forex lot step. */
const FALLBACK_STEP = 0.01;

/**
 * Decimal places a positive number needs (0.01 → 2, 0.05 → 2, 1 → 0, 0.001 → 3, 2.5 → 1), capped at 10.
 * Tolerates binary noise such as 0.30000000000000004.
 */
export function decimalsOf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return 0;
  const a = Math.abs(x);
  for (let d = 0; d < MAX_DECIMALS; d++) {
    const scaled = a * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, scaled)) return d;
  }
  return MAX_DECIMALS;
}

/** Floor with a tiny relative tolerance, so 2.9999999999999996 (from 0.3 / 0.1) floors to 3, not 2. */
function floorTolerant(x: number): number {
  return Math.floor(x + Math.max(1e-9, Math.abs(x) * 1e-12));
}

function ceilTolerant(x: number): number {
  return Math.ceil(x - Math.max(1e-9, Math.abs(x) * 1e-12));
}

function sanitizeStep(spec: VolumeSpec): number {
  if (Number.isFinite(spec.volumeStep) && spec.volumeStep > 0) return spec.volumeStep;
  // A missing step is read as "the minimum is the step", the common broker setup; else the forex default.
  if (Number.isFinite(spec.volumeMin) && spec.volumeMin > 0) return spec.volumeMin;
  return FALLBACK_STEP;
}

/** Builds the integer grid of a spec. */
export function volumeGrid(spec: VolumeSpec): VolumeGrid {
  const step = sanitizeStep(spec);
  const min = Number.isFinite(spec.volumeMin) && spec.volumeMin > 0 ? spec.volumeMin : step;
  const decimals = Math.max(decimalsOf(step), decimalsOf(min));
  const scale = 10 ** decimals;
  const stepUnits = Math.max(1, Math.round(step * scale));
  const minUnits = Math.round(min * scale);
  // The minimum is normally a multiple of the step; if not, the smallest valid volume is the next multiple.
  const minSteps = Math.max(1, ceilTolerant(minUnits / stepUnits));
  const maxSteps =
    Number.isFinite(spec.volumeMax) && spec.volumeMax > 0 ? floorTolerant((spec.volumeMax * scale) / stepUnits) : Number.MAX_SAFE_INTEGER;
  return { decimals, scale, stepUnits, minSteps, maxSteps: maxSteps >= minSteps ? maxSteps : 0 };
}

/** Lots of a step count, as the exact double of the decimal (3 steps of 0.01 → 0.03). */
export function stepsToLots(steps: number, grid: VolumeGrid): number {
  return (steps * grid.stepUnits) / grid.scale;
}

/** Whole steps contained in `lots`, rounded down (tolerant of binary noise). */
export function lotsToStepsFloor(lots: number, grid: VolumeGrid): number {
  if (!(lots > 0) || !Number.isFinite(lots)) return 0;
  return floorTolerant((lots * grid.scale) / grid.stepUnits);
}

/** Nearest step count of `lots`: for volumes that are already on the grid (from the broker or the ledger). */
export function lotsToStepsRound(lots: number, grid: VolumeGrid): number {
  if (!(lots > 0) || !Number.isFinite(lots)) return 0;
  return Math.round((lots * grid.scale) / grid.stepUnits);
}

/** Rounds any lot value to the grid's decimals, removing binary noise (0.1 + 0.2 → 0.3). */
export function exactLots(lots: number, grid: VolumeGrid): number {
  return Math.round(lots * grid.scale) / grid.scale;
}

/** Rounds a lot value to at most `decimals` places (default 8), removing binary noise. */
export function roundLots(lots: number, decimals = 8): number {
  const scale = 10 ** decimals;
  return Math.round(lots * scale) / scale;
}

/** Formats lots as an exact decimal string: `0.07`, `1`, `0.125` — never `0.07000000000000001`. */
export function formatLots(lots: number, decimals?: number): string {
  const d = decimals ?? Math.min(MAX_DECIMALS, decimalsOf(lots));
  const fixed = lots.toFixed(d);
  return d > 0 ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * Turns a raw computed lot into a volume the broker accepts: floor to step, clamp to `volumeMax`, then apply the
 * below-minimum policy. Never returns more than the input unless the policy is `round_up`.
 *
 * Reasons on success: `volume_rounded` (floored to step), `volume_max` (clamped), `rounded_up_to_min`.
 */
export function normalizeVolume(rawLots: number, spec: VolumeSpec, policy: BelowMinPolicy = 'skip'): VolumeResult {
  if (!Number.isFinite(rawLots) || rawLots <= 0) {
    return { ok: false, reason: 'zero_volume', detail: { lots: Number.isFinite(rawLots) ? rawLots : 0 } };
  }
  const grid = volumeGrid(spec);
  const reasons: Reason[] = [];
  let steps = lotsToStepsFloor(rawLots, grid);
  const floored = stepsToLots(steps, grid);
  if (Math.abs(floored - rawLots) > 1e-9 * Math.max(1, rawLots)) {
    reasons.push(reason('volume_rounded', { from: roundLots(rawLots), to: floored, step: stepsToLots(1, grid) }));
  }
  if (steps > grid.maxSteps) {
    reasons.push(reason('volume_max', { from: floored, to: stepsToLots(grid.maxSteps, grid), max: spec.volumeMax }));
    steps = grid.maxSteps;
  }
  if (steps < grid.minSteps) {
    const min = stepsToLots(grid.minSteps, grid);
    if (policy === 'round_up' && grid.maxSteps >= grid.minSteps) {
      reasons.push(reason('rounded_up_to_min', { from: roundLots(rawLots), to: min, min }));
      steps = grid.minSteps;
    } else {
      return { ok: false, reason: 'below_min_volume', detail: { lots: roundLots(rawLots), min } };
    }
  }
  return { ok: true, volume: stepsToLots(steps, grid), steps, reasons };
}

/** True when `lots` is a valid volume of the spec: on the grid, within min and max. */
export function isValidVolume(lots: number, spec: VolumeSpec): boolean {
  const grid = volumeGrid(spec);
  const steps = lotsToStepsRound(lots, grid);
  return (
    steps >= grid.minSteps &&
    steps <= grid.maxSteps &&
    Math.abs(stepsToLots(steps, grid) - lots) <= 1e-9 * Math.max(1, lots)
  );
}

/**
 * Volume to close from a position of `positionLots` for a master partial close of `fraction` (0..1]: the same
 * fraction, rounded down to step; when the remainder would fall below `volumeMin`, the whole position.
 *
 * Returns `whole: true` for a full close, `volume: 0` when the fraction is less than one step (nothing to close).
 */
export function partialCloseVolume(
  positionLots: number,
  fraction: number,
  spec: VolumeSpec,
): { volume: number; whole: boolean; remainderBelowMin: boolean } {
  const grid = volumeGrid(spec);
  const total = lotsToStepsRound(positionLots, grid);
  if (total <= 0) return { volume: 0, whole: false, remainderBelowMin: false };
  if (!(fraction < 1)) return { volume: stepsToLots(total, grid), whole: true, remainderBelowMin: false };
  if (!(fraction > 0)) return { volume: 0, whole: false, remainderBelowMin: false };
  const closeSteps = Math.min(total, floorTolerant(total * fraction));
  const remainder = total - closeSteps;
  if (closeSteps === 0) return { volume: 0, whole: false, remainderBelowMin: false };
  if (remainder === 0) return { volume: stepsToLots(total, grid), whole: true, remainderBelowMin: false };
  if (remainder < grid.minSteps) return { volume: stepsToLots(total, grid), whole: true, remainderBelowMin: true };
  return { volume: stepsToLots(closeSteps, grid), whole: false, remainderBelowMin: false };
}
