// Copyright the threading for Deno authors. MIT license.
/**
 * The chart of `bench/report.ts` (`bench/results/chart.svg`), hand-written SVG: the
 * speed-ups over CPython, log scale, and under them the thread-cost panel.
 *
 * @module
 */
import type { Workload } from "./_workloads.ts";
import { threadCostPanel, type ThreadCosts } from "./_thread_cost_report.ts";

/** What the chart needs of a row of the report's table. */
export interface ChartRow {
  workload: Workload;
  /** CPython's time over ours. */
  speedup?: number;
  /** CPython's time over the peer's. */
  peerSpeedup?: number;
  /** Whether the goal was met (undefined: no goal or no figure). */
  met?: boolean;
}

/** A ratio as the report prints it ("1.54×"; "—" when unknown). */
export function ratio(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x) || !Number.isFinite(x)) return "—";
  return x >= 10 ? `${x.toFixed(0)}×` : x >= 1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A horizontal bar chart of speed-ups over CPython, log scale, with the thread-cost panel
 * under it.
 */
export function chart(
  table: readonly ChartRow[],
  machine: Record<string, string>,
  threadCost: ThreadCosts,
  peer: string,
): string {
  const shown = table.filter((r) =>
    r.workload.unit !== "MB" && r.speedup !== undefined && Number.isFinite(r.speedup)
  );
  const labelW = 330, plotW = 520, rowH = 26, top = 70, left = labelW + 10;
  const width = left + plotW + 30;
  const panel = threadCostPanel(threadCost, top + shown.length * rowH + 60, width);
  const height = top + shown.length * rowH + 60 + panel.height;
  const min = 0.001, max = 100;
  const x = (v: number) =>
    left + (Math.log10(Math.min(Math.max(v, min), max)) - Math.log10(min)) /
      (Math.log10(max) - Math.log10(min)) * plotW;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${
      width / 2
    }" y="22" text-anchor="middle" font-size="15" font-weight="bold">Speed-up over CPython 3.11 threading (log scale; right of 1× is faster)</text>`,
    `<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">${
      escapeXml(`${machine["Deno"]} · ${machine["CPU"]} · ${machine["Python"]}`)
    }</text>`,
  );
  for (const tick of [0.001, 0.01, 0.1, 1, 10, 100]) {
    const tx = x(tick);
    out.push(
      `<line x1="${tx}" y1="${top - 8}" x2="${tx}" y2="${
        top + shown.length * rowH
      }" stroke="${tick === 1 ? "#000" : "#ddd"}" stroke-width="${
        tick === 1 ? 1.5 : 1
      }"/>`,
      `<text x="${tx}" y="${top - 12}" text-anchor="middle" fill="#333">${tick}×</text>`,
    );
  }
  shown.forEach((r, i) => {
    const y = top + i * rowH;
    const base = x(1);
    out.push(
      `<text x="${labelW}" y="${y + 16}" text-anchor="end">${
        escapeXml(r.workload.label)
      }</text>`,
    );
    const bar = (v: number, dy: number, h: number, color: string) => {
      const end = x(v);
      out.push(
        `<rect x="${Math.min(base, end).toFixed(1)}" y="${(y + dy).toFixed(1)}" width="${
          Math.max(Math.abs(end - base), 1).toFixed(1)
        }" height="${h}" fill="${color}"/>`,
      );
    };
    if (r.workload.goalVsCpython !== undefined) {
      const gx = x(r.workload.goalVsCpython);
      out.push(
        `<line x1="${gx}" y1="${y + 1}" x2="${gx}" y2="${
          y + 23
        }" stroke="#090" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
    bar(r.speedup!, 3, 12, r.met === undefined ? "#999" : r.met ? "#2a6fdb" : "#d9534f");
    if (r.peerSpeedup !== undefined) bar(r.peerSpeedup, 16, 6, "#f0a030");
    out.push(
      // The figure sits right of the bar's end, or right of the 1× line for a bar below 1×.
      `<text x="${(Math.max(x(r.speedup!), base) + 4).toFixed(1)}" y="${
        y + 13
      }" font-size="10" fill="#222">${ratio(r.speedup)}</text>`,
    );
  });
  const ly = top + shown.length * rowH + 25;
  out.push(
    `<line x1="${left - 300}" y1="${ly}" x2="${left - 300}" y2="${
      ly + 12
    }" stroke="#090" stroke-width="2" stroke-dasharray="3,2"/>`,
    `<text x="${left - 294}" y="${ly + 10}">goal</text>`,
    `<rect x="${left - 240}" y="${ly}" width="12" height="12" fill="#2a6fdb"/>`,
    `<text x="${left - 224}" y="${ly + 10}">threading: goal met</text>`,
    `<rect x="${left - 90}" y="${ly}" width="12" height="12" fill="#d9534f"/>`,
    `<text x="${left - 74}" y="${ly + 10}">goal missed</text>`,
    `<rect x="${left + 30}" y="${ly}" width="12" height="12" fill="#999"/>`,
    `<text x="${left + 46}" y="${ly + 10}">no goal</text>`,
    `<rect x="${left + 130}" y="${ly + 3}" width="12" height="6" fill="#f0a030"/>`,
    `<text x="${left + 146}" y="${ly + 10}">multithreading (npm ${
      peer.split("@")[1]
    })</text>`,
    panel.svg,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}
