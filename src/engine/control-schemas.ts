/**
 * Validation of what the control API accepts: sizing, filter and risk patches. A refusal names the field and the
 * allowed range in a sentence the user can act on.
 */
import { z } from 'zod';
import { RejectedError } from '../domain/errors.js';

const positive = (name: string, max: number) =>
  z.number({ error: `${name} must be a number` }).refine((v) => Number.isFinite(v) && v > 0 && v <= max, { message: `${name} must be greater than 0 and at most ${max}` });

/** Validation of sizing settings; exported for the bot's argument parsing. */
export const sizingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('multiplier'), multiplier: positive('multiplier', 100) }),
  z.object({ mode: z.literal('fixed'), lots: positive('lots', 1000) }),
  z.object({ mode: z.literal('balance_ratio'), multiplier: positive('multiplier', 100) }),
  z.object({ mode: z.literal('equity_ratio'), multiplier: positive('multiplier', 100) }),
  z.object({ mode: z.literal('risk_percent'), percent: positive('percent', 100) }),
]);

/** A partial update of a follower's filters; unknown keys are refused. */
export const filtersPatchSchema = z
  .object({
    symbolsAllow: z.array(z.string().min(1).max(40)).max(500),
    symbolsDeny: z.array(z.string().min(1).max(40)).max(500),
    sides: z.enum(['both', 'buy', 'sell']),
    reverse: z.boolean(),
    copySlTp: z.boolean(),
    copyPending: z.boolean(),
  })
  .partial()
  .strict();

const nullablePositive = (name: string, max: number) => positive(name, max).nullable();

/** A partial update of a follower's risk limits; unknown keys are refused. */
export const riskPatchSchema = z
  .object({
    maxLot: nullablePositive('maxLot', 1000),
    maxOpenPositions: z.number().int().min(1).max(10_000).nullable(),
    marginCheck: z.enum(['skip', 'reduce', 'off']),
    marginUsageMax: positive('marginUsageMax', 1),
    maxPriceDeviationPoints: z.number().int().min(0).max(1_000_000).nullable(),
    dailyLossLimit: nullablePositive('dailyLossLimit', 1e12),
    noStopLoss: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('skip') }).strict(),
      z.object({ mode: z.literal('fallback'), lots: positive('noStopLoss.lots', 1000) }).strict(),
    ], { error: "noStopLoss must be { mode: 'skip' } or { mode: 'fallback', lots }" }),
    closeOnly: z.boolean(),
    belowMin: z.enum(['skip', 'round_up']),
  })
  .partial()
  .strict();

/** A `RejectedError` with `code`, listing each failed field and why. */
export function invalid(code: string, error: z.ZodError): RejectedError {
  const message = error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return new RejectedError(code, message);
}
