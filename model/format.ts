/** How the model's reports print numbers, durations and tables. */

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** A whole number with thousands separators; "no limit" for infinity. */
export function count(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "no limit";
}

export function percent(part: number, whole: number): string {
  return `${(((part - whole) / whole) * 100).toFixed(1)} %`;
}

/** Columns padded to their widest cell, for a terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** A Markdown table; `numeric` marks the right-aligned columns. */
export function markdownTable(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const rule = header.map((_, i) => (numeric[i] ? "---:" : "---"));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
