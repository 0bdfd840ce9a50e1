/**
 * An attention matrix as an SVG heat map: one row per target token, one column per source token
 * (columns as wide as the longest label), cell darkness = attention weight (0 white … 1 dark
 * blue), token labels on both axes, the weight in each cell's tooltip. Plain SVG 1.1, no
 * scripts, no external resources.
 */

/** Options of {@link attentionSvg}. */
export interface AttentionSvgOptions {
  /** Cell side in pixels. Default 28. */
  cellSize?: number;
  /** Title drawn above the map. Default none. */
  title?: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Approximate label width in pixels (12 px sans-serif). */
function labelWidth(s: string): number {
  return 7 * [...s].length + 6;
}

/**
 * Renders `weights[i][j]` (target step i attending to source position j) as an SVG document.
 *
 * @example
 * const svg = attentionSvg(h.attention, ['ein', 'hund', '<eos>'], ['a', 'dog', '<eos>']);
 * writeFileSync('attention.svg', svg);
 */
export function attentionSvg(weights: readonly ArrayLike<number>[], sourceTokens: readonly string[], targetTokens: readonly string[], opts: AttentionSvgOptions = {}): string {
  const where = 'attentionSvg';
  const rows = weights.length;
  const cols = sourceTokens.length;
  if (targetTokens.length !== rows) throw new Error(`${where}: ${rows} rows of weights but ${targetTokens.length} target tokens`);
  weights.forEach((w, i) => {
    if (w.length !== cols) throw new Error(`${where}: row ${i} has ${w.length} weights, expected one per source token (${cols})`);
  });
  const cell = opts.cellSize ?? 28;
  // Columns are as wide as the longest source label, so every label stays horizontal (rotated
  // text renders unreliably outside browsers).
  const colW = Math.max(cell, ...sourceTokens.map(labelWidth));
  const top = (opts.title ? 24 : 0) + 20;
  const left = Math.max(20, ...targetTokens.map(labelWidth));
  const width = left + cols * colW + 8;
  const height = top + rows * cell + 8;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (opts.title) out.push(`<text x="4" y="16" font-weight="bold">${esc(opts.title)}</text>`);
  sourceTokens.forEach((t, j) => {
    out.push(`<text x="${left + j * colW + colW / 2}" y="${top - 6}" text-anchor="middle">${esc(t)}</text>`);
  });
  targetTokens.forEach((t, i) => {
    out.push(`<text x="${left - 4}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(t)}</text>`);
  });
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const a = Math.min(1, Math.max(0, Number(weights[i]![j]) || 0));
      // White → dark blue (#08306b).
      const r = Math.round(255 - a * (255 - 8));
      const g = Math.round(255 - a * (255 - 48));
      const b = Math.round(255 - a * (255 - 107));
      out.push(
        `<rect x="${left + j * colW}" y="${top + i * cell}" width="${colW}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="#ddd"><title>${esc(targetTokens[i]!)} → ${esc(sourceTokens[j]!)}: ${a.toFixed(3)}</title></rect>`,
      );
    }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
