/** Reading a chart's SVG the way a test needs: its paths by colour, their vertices, and its text. */

export interface SvgPath {
  d: string;
  attrs: Record<string, string>;
}

/** Every `<path>` with its attributes. */
export function svgPaths(svg: string): SvgPath[] {
  return [...svg.matchAll(/<path\s([^>]*?)\/?>/g)].map((match) => {
    const attrs: Record<string, string> = {};
    for (const [, name, value] of match[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[name!] = value!;
    return { d: attrs.d ?? '', attrs };
  });
}

/** The series line drawn in `color` (stroked, not filled, not a legend icon); fails unless there is exactly one. */
export function lineByColor(svg: string, color: string): SvgPath {
  const lines = svgPaths(svg).filter((p) => p.attrs.stroke === color && p.attrs.fill === 'none'
    && p.attrs['stroke-opacity'] !== '0' && p.attrs.transform === undefined);
  if (lines.length !== 1) throw new Error(`Expected one line in ${color}, found ${lines.length}.`);
  return lines[0]!;
}

/** Filled areas in `color` inside the plot (legend icons carry a transform and are left out). */
export function areasByColor(svg: string, color: string): SvgPath[] {
  return svgPaths(svg).filter((p) => p.attrs.fill === color && p.attrs.transform === undefined);
}

export type Vertex = readonly [x: number, y: number];

/** The vertices of a path made of M, L, H, V (absolute or relative) and Z commands; anything else fails. */
export function pathVertices(d: string): Vertex[] {
  const tokens = d.match(/[a-zA-Z]|-?\d*\.?\d+(?:e[-+]?\d+)?/g) ?? [];
  const vertices: Vertex[] = [];
  let x = 0;
  let y = 0;
  let command = '';
  for (let i = 0; i < tokens.length;) {
    const token = tokens[i]!;
    if (/^[a-zA-Z]$/.test(token)) {
      command = token;
      i++;
      if (command === 'Z' || command === 'z') continue;
    }
    const next = (): number => Number(tokens[i++]);
    switch (command) {
      case 'M': case 'L': x = next(); y = next(); break;
      case 'm': case 'l': x += next(); y += next(); break;
      case 'H': x = next(); break;
      case 'h': x += next(); break;
      case 'V': y = next(); break;
      case 'v': y += next(); break;
      default: throw new Error(`Path command '${command}' is not a straight line: ${d.slice(0, 80)}`);
    }
    vertices.push([x, y]);
  }
  return vertices;
}

/** The text content of every `<text>`, entities decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decodeEntities(m[1]!));
}

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** A text with the point it is anchored at (its `translate` transform), as axis labels are written. */
export interface SvgText {
  text: string;
  x: number;
  y: number;
  /** The `text-anchor`: axis labels are `end` on a vertical axis, `middle` on a horizontal one. */
  anchor: string;
}

/** Every `<text>` placed by a translate transform, with its anchor point. */
export function svgTextItems(svg: string): SvgText[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].flatMap((m) => {
    const at = /transform="translate\(([-\d.e]+)[ ,]([-\d.e]+)\)"/.exec(m[1]!);
    const anchor = /text-anchor="(\w+)"/.exec(m[1]!)?.[1] ?? 'start';
    return at === null ? [] : [{ text: decodeEntities(m[2]!), x: Number(at[1]), y: Number(at[2]), anchor }];
  });
}

/** The anchor of the one text that reads exactly `text`; fails unless there is exactly one. */
export function textAt(svg: string, text: string): SvgText {
  const found = svgTextItems(svg).filter((t) => t.text === text);
  if (found.length !== 1) throw new Error(`Expected one text '${text}', found ${found.length}.`);
  return found[0]!;
}

/** A linear map fitted through two (data, pixel) pairs. */
export function linearMap(d0: number, p0: number, d1: number, p1: number): (value: number) => number {
  const slope = (p1 - p0) / (d1 - d0);
  return (value) => p0 + (value - d0) * slope;
}

/** A numeric axis label ("−100", "1,250", "2.5") as a number, or null. */
export function labelNumber(text: string): number | null {
  if (!/^−?[\d,]+(\.\d+)?$/.test(text)) return null;
  return Number(text.replace('−', '-').replace(/,/g, ''));
}

/** The value → pixel map of the vertical axis, fitted through its numeric tick labels (right-aligned, left of `maxX`). */
export function verticalAxisMap(svg: string, maxX = 200): (value: number) => number {
  const ticks = svgTextItems(svg).flatMap((t) => {
    const value = labelNumber(t.text);
    return value === null || t.x > maxX || t.anchor !== 'end' ? [] : [{ value, y: t.y }];
  });
  if (ticks.length < 2) throw new Error('The vertical axis has fewer than two numeric labels.');
  const first = ticks[0]!;
  const last = ticks[ticks.length - 1]!;
  return linearMap(first.value, first.y, last.value, last.y);
}

/** The value → pixel map of the horizontal axis, through its numeric tick labels (centred, below `minY`). */
export function horizontalAxisMap(svg: string, minY = 650): (value: number) => number {
  const ticks = svgTextItems(svg).flatMap((t) => {
    const value = labelNumber(t.text);
    return value === null || t.y < minY || t.anchor !== 'middle' ? [] : [{ value, x: t.x }];
  });
  if (ticks.length < 2) throw new Error('The horizontal axis has fewer than two numeric labels.');
  const first = ticks[0]!;
  const last = ticks[ticks.length - 1]!;
  return linearMap(first.value, first.x, last.value, last.x);
}

/** Drops a vertex equal to the one before it (to 0.05 px), as a renderer may or may not repeat one. */
export function dedupe(vertices: readonly Vertex[]): Vertex[] {
  return vertices.filter((v, i) => {
    const previous = vertices[i - 1];
    return previous === undefined || Math.abs(previous[0] - v[0]) > 0.05 || Math.abs(previous[1] - v[1]) > 0.05;
  });
}
