import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

/** The golden images; `UPDATE_GOLDEN=1 npx vitest run test/unit/charts` writes them anew from the current code. */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/charts');

/** A pixel differs when one of its channels differs by more than this (of 255): anti-aliasing noise stays under. */
export const CHANNEL_THRESHOLD = 48;
/** The fraction of differing pixels a picture may have and still match its golden image. */
export const GOLDEN_TOLERANCE = 0.001;

/** The fraction of pixels whose channels differ by more than the threshold; 1 when the sizes differ. */
export function differingFraction(actual: Buffer, expected: Buffer): number {
  const a = PNG.sync.read(actual);
  const b = PNG.sync.read(expected);
  if (a.width !== b.width || a.height !== b.height) return 1;
  let differing = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(a.data[i + c]! - b.data[i + c]!) > CHANNEL_THRESHOLD) {
        differing++;
        break;
      }
    }
  }
  return differing / (a.width * a.height);
}

/** Compares a PNG with its golden image (writes it instead under UPDATE_GOLDEN=1); returns the differing fraction. */
export function compareWithGolden(png: Buffer, name: string): number {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, png);
    return 0;
  }
  if (!existsSync(file)) throw new Error(`No golden image ${file}; run with UPDATE_GOLDEN=1 to create it.`);
  return differingFraction(png, readFileSync(file));
}
