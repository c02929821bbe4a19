import { RejectedError } from '../domain/errors.js';
import type { DistributionChartInput, PnlChartInput } from './types.js';

function reject(message: string): never {
  throw new RejectedError('bad_chart_input', message);
}

function checkText(name: string, value: unknown): void {
  if (typeof value !== 'string') reject(`The chart's ${name} must be text.`);
}

/** Checks what a P&L chart is drawn from; names the first thing wrong. */
export function checkPnlInput(input: PnlChartInput): void {
  checkText('title', input.title);
  checkText('subtitle', input.subtitle);
  checkText('currency', input.currency);
  if (!Number.isFinite(input.fromMs) || !Number.isFinite(input.toMs)) reject('The chart period needs finite start and end times.');
  if (input.fromMs >= input.toMs) reject(`The chart period must end after it starts (from ${input.fromMs} to ${input.toMs} ms).`);
  for (const [name, series] of [['follower', input.follower], ['master', input.master]] as const) {
    if (!Array.isArray(series)) reject(`The ${name} series must be a list of points.`);
    let previous = input.fromMs;
    series.forEach((point, i) => {
      if (!Number.isFinite(point.tMs) || !Number.isFinite(point.value)) {
        reject(`Point ${i} of the ${name} series is not a finite time and value.`);
      }
      if (point.tMs < input.fromMs) reject(`Point ${i} of the ${name} series is before the start of the period.`);
      if (point.tMs < previous) reject(`The ${name} series is not in time order (point ${i} is earlier than point ${i - 1}).`);
      if (point.tMs > input.toMs) reject(`Point ${i} of the ${name} series is after the end of the period.`);
      previous = point.tMs;
    });
  }
}

/** Checks what a distribution chart is drawn from; names the first thing wrong. */
export function checkDistributionInput(input: DistributionChartInput): void {
  checkText('title', input.title);
  checkText('subtitle', input.subtitle);
  checkText('unit', input.unit);
  if (!Array.isArray(input.samples)) reject('The distribution samples must be a list of numbers.');
  input.samples.forEach((sample, i) => {
    if (typeof sample !== 'number' || !Number.isFinite(sample)) reject(`Sample ${i} of the distribution is not a finite number.`);
  });
}
