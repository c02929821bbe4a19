import { FatalError } from '../domain/errors.js';

/**
 * Advance widths read from a TrueType font, so ECharts lays text out with the metrics of the font resvg draws it
 * with. Without a canvas, zrender falls back to a fixed table of Helvetica-like widths and one em for every
 * non-ASCII character, which puts legends and axis names where the DejaVu glyphs do not fit.
 */
export interface FontMetrics {
  /** The advance width of `text` at `sizePx`, without kerning (resvg kerns a little tighter, never wider). */
  width(text: string, sizePx: number): number;
}

/** Reads `head`, `hhea`, `hmtx` and the Unicode BMP `cmap` (format 4) of a TrueType font. */
export function readFontMetrics(font: Uint8Array): FontMetrics {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = tableOffsets(view);
  const head = requireTable(tables, 'head');
  const hhea = requireTable(tables, 'hhea');
  const hmtx = requireTable(tables, 'hmtx');
  const unitsPerEm = view.getUint16(head + 18);
  const numberOfHMetrics = view.getUint16(hhea + 34);
  const glyphOf = readCmapFormat4(view, requireTable(tables, 'cmap'));
  const advanceOf = (glyph: number): number =>
    view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));
  const cache = new Map<number, number>();
  const unitsOf = (codePoint: number): number => {
    let units = cache.get(codePoint);
    if (units === undefined) {
      units = advanceOf(glyphOf(codePoint));
      cache.set(codePoint, units);
    }
    return units;
  };
  return {
    width(text, sizePx) {
      let units = 0;
      for (const char of text) units += unitsOf(char.codePointAt(0) ?? 0);
      return (units * sizePx) / unitsPerEm;
    },
  };
}

function tableOffsets(view: DataView): Map<string, number> {
  const numTables = view.getUint16(4);
  const tables = new Map<string, number>();
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(
      view.getUint8(record), view.getUint8(record + 1), view.getUint8(record + 2), view.getUint8(record + 3),
    );
    tables.set(tag, view.getUint32(record + 8));
  }
  return tables;
}

function requireTable(tables: Map<string, number>, tag: string): number {
  const offset = tables.get(tag);
  if (offset === undefined) throw new FatalError('chart_font_unusable', `The font has no '${tag}' table; it is not a usable TrueType font.`);
  return offset;
}

/** The glyph lookup of the Windows Unicode BMP subtable; code points outside it map to glyph 0 (.notdef). */
function readCmapFormat4(view: DataView, cmap: number): (codePoint: number) => number {
  const count = view.getUint16(cmap + 2);
  let subtable = -1;
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && view.getUint16(offset) === 4) {
      subtable = offset;
      break;
    }
  }
  if (subtable < 0) throw new FatalError('chart_font_unusable', 'The font has no Unicode BMP (format 4) cmap subtable.');
  const segments = view.getUint16(subtable + 6) / 2;
  const endCodes = subtable + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const idDeltas = startCodes + 2 * segments;
  const idRangeOffsets = idDeltas + 2 * segments;
  return (codePoint) => {
    if (codePoint > 0xffff) return 0;
    for (let s = 0; s < segments; s++) {
      if (codePoint > view.getUint16(endCodes + 2 * s)) continue;
      const start = view.getUint16(startCodes + 2 * s);
      if (codePoint < start) return 0;
      const delta = view.getInt16(idDeltas + 2 * s);
      const rangeOffsetAt = idRangeOffsets + 2 * s;
      const rangeOffset = view.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = view.getUint16(rangeOffsetAt + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
}
