import { RejectedError } from '../domain/errors.js';

/**
 * Telegram's limits for a photo sent with sendPhoto: at most 10 MB, width + height at most 10000 and a side ratio of
 * at most 20 (Bot API, sendPhoto). A chart that breaks one is a bug in the chart code, never the user's input.
 */
export const TELEGRAM_PHOTO_LIMITS = { maxBytes: 10 * 1024 * 1024, maxWidthPlusHeight: 10_000, maxRatio: 20 } as const;

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const isPng = png.length >= 24 && signature.every((byte, i) => png[i] === byte)
    && String.fromCharCode(...png.subarray(12, 16)) === 'IHDR';
  if (!isPng) throw new RejectedError('not_png', 'Not a PNG image (no PNG signature and IHDR chunk).');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Throws when `png` could not be sent to Telegram as a photo; names the limit it breaks. */
export function assertTelegramPhoto(png: Uint8Array): void {
  const { width, height } = pngSize(png);
  const limits = TELEGRAM_PHOTO_LIMITS;
  if (png.length > limits.maxBytes) {
    throw new RejectedError('photo_limits', `The chart PNG is ${png.length} bytes; Telegram takes photos of at most ${limits.maxBytes} bytes.`);
  }
  if (width + height > limits.maxWidthPlusHeight) {
    throw new RejectedError('photo_limits', `The chart is ${width}×${height}; Telegram takes photos whose width + height is at most ${limits.maxWidthPlusHeight}.`);
  }
  if (width === 0 || height === 0 || Math.max(width, height) / Math.min(width, height) > limits.maxRatio) {
    throw new RejectedError('photo_limits', `The chart is ${width}×${height}; Telegram takes photos with a side ratio of at most ${limits.maxRatio}.`);
  }
}
