/**
 * A chart of a simulation as a standalone SVG: stacked panels sharing the time axis, one line per
 * series. Plain SVG text, so it renders on GitHub and in any browser and diffs as text.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly series: readonly Series[];
  /**
   * A logarithmic axis from `logFloor` up, for values spanning orders of magnitude (a backlog of
   * millions beside queues of tens); values below the floor sit on it.
   */
  readonly logFloor?: number;
}

const WIDTH = 960;
const PANEL_HEIGHT = 190;
const MARGIN = { left: 78, right: 170, top: 34, bottom: 30 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];

/** The smallest of 1, 2, 2.5, 5 × a power of ten that is at least `value`. */
function nice(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value * (1 - 1e-9))!;
}

/** Where a panel draws a value: linear from 0, or logarithmic from the panel's floor. */
function yAxis(panel: Panel, top: number, plotHeight: number) {
  const values = panel.series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite);
  const highest = Math.max(...values, 0);
  if (panel.logFloor === undefined) {
    const max = nice(highest);
    const at = (v: number) => top + plotHeight - (Math.min(Math.max(v, 0), max) / max) * plotHeight;
    return { at, ticks: [0, 1, 2, 3, 4].map((i) => (max * i) / 4) };
  }
  const low = Math.log10(panel.logFloor);
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(highest, panel.logFloor))));
  const at = (v: number) =>
    top + plotHeight - ((Math.min(Math.log10(Math.max(v, panel.logFloor!)), high) - low) / (high - low)) * plotHeight;
  const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
  return { at, ticks };
}

function label(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return `${+value.toFixed(2)}`;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function svgChart(title: string, xUnit: string, panels: readonly Panel[]): string {
  const xStep = nice(Math.max(...panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))), 1) / 8);
  const xMax =
    xStep * Math.ceil(Math.max(...panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))), 1) / xStep);
  // One colour per series name across panels, so a service keeps its colour.
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const colourOf = (name: string) => COLOURS[names.indexOf(name) % COLOURS.length];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const height = panels.length * PANEL_HEIGHT + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, index) => {
    const top = 20 + index * PANEL_HEIGHT + MARGIN.top;
    const axis = yAxis(panel, top, plotHeight);
    const x = (v: number) => MARGIN.left + (v / xMax) * plotWidth;
    const y = axis.at;
    parts.push(
      `<text x="${MARGIN.left}" y="${top - 8}" font-size="12" font-weight="bold">${escape(panel.title)} (${escape(panel.unit)}${panel.logFloor !== undefined ? ", log scale" : ""})</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    );
    for (const v of axis.ticks) {
      parts.push(
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`,
        `<text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${label(v)}</text>`,
      );
    }
    for (let v = 0; v <= xMax + 1e-9; v += xStep) {
      parts.push(`<text x="${x(v)}" y="${top + plotHeight + 14}" text-anchor="middle">${label(v)}</text>`);
    }
    panel.series.forEach((series, s) => {
      const colour = colourOf(series.name);
      const path = series.points
        .filter(([, v]) => Number.isFinite(v))
        .map(([px, py], i) => `${i === 0 ? "M" : "L"}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
        .join("");
      if (path) parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
      const legendY = top + 12 + s * 15;
      parts.push(
        `<line x1="${WIDTH - MARGIN.right + 12}" x2="${WIDTH - MARGIN.right + 30}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2"/>`,
        `<text x="${WIDTH - MARGIN.right + 34}" y="${legendY}">${escape(series.name)}</text>`,
      );
    });
  });
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 6}" text-anchor="middle">${escape(xUnit)}</text>`,
    "</svg>",
    "",
  );
  return parts.join("\n");
}
