import { PNG } from 'pngjs';

/** How many pixels of a PNG are within `tolerance` (per channel, of 255) of the colour `hex` (#rrggbb). */
export function pixelsNear(png: Buffer, hex: string, tolerance = 24): number {
  const image = PNG.sync.read(png);
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (rgb.every((channel, c) => Math.abs(image.data[i + c]! - channel) <= tolerance)) count++;
  }
  return count;
}

/** How many pixels are darker than mid-grey: text and lines on the white background. */
export function darkPixels(png: Buffer): number {
  const image = PNG.sync.read(png);
  let count = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (image.data[i]! + image.data[i + 1]! + image.data[i + 2]! < 3 * 128 && image.data[i + 3]! > 0) count++;
  }
  return count;
}
