import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { assertTelegramPhoto, pngSize, TELEGRAM_PHOTO_LIMITS } from '../../../src/charts/telegram-photo.js';
import { RejectedError } from '../../../src/domain/errors.js';

/** A PNG signature and IHDR chunk claiming `width`×`height`, padded to `bytes`: all the check reads. */
function pngHeader(width: number, height: number, bytes = 64): Buffer {
  const png = Buffer.alloc(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png, 0);
  png.writeUInt32BE(13, 8);
  png.write('IHDR', 12, 'latin1');
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  return png;
}

describe('assertTelegramPhoto', () => {
  it('reads the size of a real PNG', () => {
    const image = new PNG({ width: 7, height: 3 });
    expect(pngSize(PNG.sync.write(image))).toEqual({ width: 7, height: 3 });
  });

  it('accepts a picture within every limit, up to the limits themselves', () => {
    expect(() => assertTelegramPhoto(pngHeader(1280, 800))).not.toThrow();
    expect(() => assertTelegramPhoto(pngHeader(5000, 5000))).not.toThrow();
    expect(() => assertTelegramPhoto(pngHeader(2000, 100))).not.toThrow();
    expect(() => assertTelegramPhoto(pngHeader(10, 10, TELEGRAM_PHOTO_LIMITS.maxBytes))).not.toThrow();
  });

  it('refuses a picture past a limit, naming it', () => {
    expect(() => assertTelegramPhoto(pngHeader(10, 10, TELEGRAM_PHOTO_LIMITS.maxBytes + 1))).toThrow(/at most 10485760 bytes/);
    expect(() => assertTelegramPhoto(pngHeader(5001, 5000))).toThrow(/width \+ height is at most 10000/);
    expect(() => assertTelegramPhoto(pngHeader(2001, 100))).toThrow(/side ratio of at most 20/);
    expect(() => assertTelegramPhoto(pngHeader(0, 100))).toThrow(/side ratio/);
    expect(() => assertTelegramPhoto(Buffer.from('GIF89a not a png at all, no'))).toThrow(/Not a PNG/);
    expect(() => assertTelegramPhoto(pngHeader(5001, 5000))).toThrow(RejectedError);
  });
});
