/**
 * Exact lot arithmetic. Volumes are held as integers in units of 1e-8 lot so that adding, subtracting and step
 * checks never accumulate float drift (a 0.1 step is 10_000_000 units, and 0.1 + 0.2 is exactly 0.3).
 */
export const VOLUME_SCALE = 100_000_000;

/** Lots → integer units (nearest; inputs finer than 1e-8 lot are not representable anyway). */
export function toUnits(lots: number): number {
  return Math.round(lots * VOLUME_SCALE);
}

/** Integer units → lots, the nearest double to the decimal value. */
export function toLots(units: number): number {
  return units / VOLUME_SCALE;
}

/** Volume limits of a symbol, in units. */
export interface VolumeRules {
  minUnits: number;
  maxUnits: number;
  stepUnits: number;
}

export type VolumeVerdict = 'ok' | 'not_positive' | 'below_min' | 'above_max' | 'off_step';

/** MetaTrader's volume check: within [min, max] and a whole multiple of the step. */
export function checkVolume(units: number, rules: VolumeRules): VolumeVerdict {
  if (units <= 0) return 'not_positive';
  if (units < rules.minUnits) return 'below_min';
  if (units > rules.maxUnits) return 'above_max';
  if (units % rules.stepUnits !== 0) return 'off_step';
  return 'ok';
}

/** Largest multiple of the step that is <= units. */
export function floorToStep(units: number, stepUnits: number): number {
  return Math.floor(units / stepUnits) * stepUnits;
}

/** Builds rules from lot values. */
export function volumeRules(min: number, max: number, step: number): VolumeRules {
  const rules = { minUnits: toUnits(min), maxUnits: toUnits(max), stepUnits: toUnits(step) };
  if (rules.stepUnits <= 0 || rules.minUnits <= 0 || rules.maxUnits < rules.minUnits) {
    throw new Error(`invalid volume rules min=${min} max=${max} step=${step}`);
  }
  return rules;
}
