/**
 * Rewrites zrender's `style="font: normal bold 22px DejaVu Sans"` (which it writes for rich-text labels, such as
 * time-axis ticks) into separate font properties. resvg ignores the `font` shorthand and would draw that text at
 * its default 12 px.
 */
export function expandFontShorthand(svg: string): string {
  return svg.replace(/style="font: ([^"]*)"/g, (whole, shorthand: string) => {
    const tokens = shorthand.trim().split(/\s+/);
    const sizeAt = tokens.findIndex((token) => /^\d+(?:\.\d+)?px$/.test(token));
    if (sizeAt < 0) return whole;
    const family = tokens.slice(sizeAt + 1).join(' ');
    let declarations = `font-size:${tokens[sizeAt]};font-family:${family};`;
    for (const token of tokens.slice(0, sizeAt)) {
      if (/^(italic|oblique)$/.test(token)) declarations += `font-style:${token};`;
      else if (/^(bold|bolder|lighter|[1-9]00)$/.test(token)) declarations += `font-weight:${token};`;
    }
    return `style="${declarations}"`;
  });
}
