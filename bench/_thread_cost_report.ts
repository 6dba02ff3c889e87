// Copyright the threading for Deno authors. MIT license.
/**
 * The thread-cost part of `bench/report.ts`: runs `bench/thread_cost.ts` (this library,
 * bare web Workers, bare `node:worker_threads` Workers) and `bench/thread_cost.py`
 * (CPython) in fresh processes, round after round with the order of the
 * implementations rotated each round, and renders the section of `results.md` and the
 * panel of `chart.svg` from the figures.
 *
 * The floors: bare web Workers are the platform's floor (the cheapest isolate Deno
 * starts); bare `node:worker_threads` Workers are the floor of this library's design (it
 * needs their `unref()`, which web Workers lack in Deno, so that no Worker keeps the
 * process alive by itself). The issue's goal is judged against the web floor, and the
 * node floor is shown beside it.
 *
 * @module
 */
import { median, spreadText } from "./_stats.ts";

/** One measurement, as `thread_cost.ts` and `thread_cost.py` print it. */
export interface Cost {
  impl: string;
  threads: number;
  ms: number;
  msPerThread: number;
  mbPerThread: number;
  mbKept: number;
}

/** Measurements by implementation, then thread count (as a string key). */
export type ThreadCosts = Record<string, Record<string, Cost[]>>;

/** The implementations measured at every count, in table order. */
export const IMPLS = [
  "threading",
  "threading-loop",
  "threading-modules",
  "web",
  "web-serial",
  "node",
  "node-serial",
  "node-library",
  "node-modules",
  "cpython",
] as const;

/** The implementations measured at the large counts of the linearity check. */
export const LINEAR_IMPLS = ["threading", "web", "node", "cpython"] as const;

const LABELS: Record<string, string> = {
  "threading": "this library (n `new Thread`, then `start()` each)",
  "threading-loop": "this library (`new Thread(…).start()` in a loop)",
  "threading-modules": "this library through its TypeScript modules (as the first row)",
  "web": "bare web Workers, all at once",
  "web-serial": "bare web Workers, one after another",
  "node": "bare node:worker_threads Workers, all at once",
  "node-serial": "bare node:worker_threads Workers, one after another",
  "node-library": "bare node:worker_threads Workers that import the library",
  "node-modules": "bare node:worker_threads Workers that import the TypeScript modules",
  "cpython": "CPython 3.11 `threading`",
};

/** The goal of the issue: within this factor of the bare-Worker floor. */
const GOAL = 1.2;

/** This library's entries, whose memory per thread is judged against the node floor. */
const ENTRIES = [
  ["threading", "`mod.ts` (one minified JavaScript file)"],
  ["threading-modules", "the TypeScript modules (`src/threading.ts`)"],
] as const;

/**
 * The memory goal of each entry of this library at `n` threads: its RSS per thread over
 * the node floor's (the floor of its design), judged on the medians; one line each,
 * for the entries measured.
 */
export function memoryGoalLines(costs: ThreadCosts, n: number): string[] {
  const floor = costs.node?.[String(n)];
  if (floor === undefined) return [];
  const lines: string[] = [];
  for (const [impl, label] of ENTRIES) {
    const list = costs[impl]?.[String(n)];
    if (list === undefined || list.length === 0) continue;
    const x = med(list, (c) => c.mbPerThread) / med(floor, (c) => c.mbPerThread);
    lines.push(
      `- Memory per thread at ${n} threads through ${label}: ${
        fmt(med(list, (c) => c.mbPerThread), "MB")
      }, ${times(x)} the bare node:worker_threads Worker (${
        fmt(med(floor, (c) => c.mbPerThread), "MB")
      }); goal ${GOAL}×: ${x <= GOAL ? "met" : "**missed**"}.`,
    );
  }
  return lines;
}

type Runner = (cmd: string, args: string[]) => Promise<string>;

/**
 * Measures every implementation at every count, `rounds` times, then the large counts
 * `linearRounds` times, the order of implementations rotated each round.
 *
 * @param run Runs a subprocess in the repository and returns its stdout.
 * @param extra Flags for every `deno` subprocess.
 */
export async function measureThreadCost(
  run: Runner,
  extra: string[],
  rounds: number,
  counts: readonly number[],
  linearCounts: readonly number[],
  linearRounds: number,
): Promise<ThreadCosts> {
  const costs: ThreadCosts = {};
  const one = async (impl: string, n: number) => {
    const out = impl === "cpython"
      ? await run("python3", ["bench/thread_cost.py", `--threads=${n}`])
      : await run("deno", [
        "run",
        ...extra,
        "--allow-read",
        "bench/thread_cost.ts",
        `--impl=${impl}`,
        `--threads=${n}`,
      ]);
    try {
      const cost = JSON.parse(out.trim().split("\n").pop()!) as Cost;
      ((costs[impl] ??= {})[String(n)] ??= []).push(cost);
    } catch {
      console.error(`  no thread-cost figures for ${impl} × ${n}`);
    }
  };
  const pass = async (impls: readonly string[], ns: readonly number[], round: number) => {
    for (const n of ns) {
      for (let i = 0; i < impls.length; i++) {
        await one(impls[(i + round) % impls.length], n);
      }
    }
  };
  for (let round = 0; round < rounds; round++) {
    console.error(`thread cost, round ${round + 1} of ${rounds}`);
    await pass(IMPLS, counts, round);
  }
  for (let round = 0; linearCounts.length > 0 && round < linearRounds; round++) {
    console.error(`thread cost (linearity), round ${round + 1} of ${linearRounds}`);
    await pass(LINEAR_IMPLS, linearCounts, round);
  }
  return costs;
}

function fmt(x: number, unit: "ms" | "MB"): string {
  if (Number.isNaN(x)) return "—";
  const digits = x < 0.1 ? 3 : x < 10 ? 2 : 1;
  return `${x.toFixed(digits)} ${unit}`;
}

function times(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : "—";
}

function cell(list: Cost[] | undefined, pick: (c: Cost) => number, unit: "ms" | "MB") {
  const values = (list ?? []).map(pick);
  return `${fmt(median(values), unit)} ${spreadText(values)}`.trim();
}

function med(list: Cost[] | undefined, pick: (c: Cost) => number): number {
  return median((list ?? []).map(pick));
}

/** Whether this library met the goal at `n` threads, judged on medians (or undefined). */
export function goalMet(
  costs: ThreadCosts,
  n: number,
  impl = "threading",
): boolean | undefined {
  const ours = costs[impl]?.[String(n)];
  const floor = costs.web?.[String(n)];
  if (ours === undefined || floor === undefined) return undefined;
  return med(ours, (c) => c.ms) <= GOAL * med(floor, (c) => c.ms) &&
    med(ours, (c) => c.mbPerThread) <= GOAL * med(floor, (c) => c.mbPerThread);
}

/** The markdown section: one table of every count, then the linearity check. */
export function threadCostMarkdown(costs: ThreadCosts): string[] {
  const lines: string[] = [];
  const counts = [
    ...new Set(Object.values(costs).flatMap((byN) => Object.keys(byN).map(Number))),
  ].sort((a, b) => a - b);
  if (counts.length === 0) return lines;
  lines.push("", "## Thread cost: start n threads, all alive waiting on an Event", "");
  lines.push(
    "Each figure is the median of its rounds (each in a fresh process, the order of the " +
      "implementations rotated each round), with the spread (half the range, of the " +
      "median) and the number of rounds. **× web floor** / **× node floor**: this " +
      "library over bare web Workers / bare `node:worker_threads` Workers started at " +
      "once in the same run. Goal (issue 15): time and memory within " +
      `${GOAL}× the bare-Worker (web) floor; judged on the medians. This library runs ` +
      "its threads on `node:worker_threads` Workers (their `unref()` lets the process " +
      "end under running daemon threads; Deno's web Workers have none), so the node " +
      "floor is the floor of its design.",
    "",
    "| threads | implementation | time to start all | per thread | × web floor | × node floor | RSS per thread | × web floor | × node floor | kept after the end | goal met |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
  );
  for (const n of counts) {
    const key = String(n);
    const web = costs.web?.[key];
    const node = costs.node?.[key];
    for (const impl of IMPLS) {
      const list = costs[impl]?.[key];
      if (list === undefined || list.length === 0) continue;
      const ours = impl.startsWith("threading");
      // The library's share of a Worker shows in node-library's ratios too.
      const ratio = (floor: Cost[] | undefined, pick: (c: Cost) => number) =>
        ours || impl.startsWith("node-") && impl !== "node-serial"
          ? times(med(list, pick) / med(floor, pick))
          : "";
      const met = ours ? goalMet(costs, n, impl) : undefined;
      lines.push(
        `| ${n} | ${LABELS[impl]} | ${cell(list, (c) => c.ms, "ms")} | ${
          cell(list, (c) => c.msPerThread, "ms")
        } | ${ratio(web, (c) => c.ms)} | ${ratio(node, (c) => c.ms)} | ${
          cell(list, (c) => c.mbPerThread, "MB")
        } | ${ratio(web, (c) => c.mbPerThread)} | ${
          ratio(node, (c) => c.mbPerThread)
        } | ${cell(list, (c) => c.mbKept, "MB")} | ${
          met === undefined ? "" : met ? "yes" : "**no**"
        } |`,
      );
    }
  }
  const judged = memoryGoalLines(costs, counts.includes(100) ? 100 : counts.at(-1)!);
  if (judged.length > 0) lines.push("", ...judged);
  lines.push("", "Linearity (per-thread figures of this library, median):", "");
  lines.push(
    "| threads | ms per thread | MB per thread | MB per thread kept after `shutdown()` |",
    "| ---: | ---: | ---: | ---: |",
  );
  for (const n of counts) {
    const list = costs.threading?.[String(n)];
    if (list === undefined) continue;
    lines.push(
      `| ${n} | ${fmt(med(list, (c) => c.msPerThread), "ms")} | ${
        fmt(med(list, (c) => c.mbPerThread), "MB")
      } | ${fmt(med(list, (c) => c.mbKept), "MB")} |`,
    );
  }
  lines.push(
    "",
    "- Time: from before the first thread object is made until every thread runs (this " +
      "library: until the last `start()` returned; `start()` returns once the thread " +
      "runs, as in Python). Memory: RSS growth per thread with every thread alive, " +
      "after 300 ms; kept: what is left 500 ms after the threads ended and their " +
      "Workers were closed (`shutdown()`; bare Workers: `terminate()`).",
    "- Bare Workers run a `data:` URL module that counts itself in and waits in " +
      "`Atomics.wait`; each is posted one message. Source: `bench/thread_cost.ts`, " +
      "`bench/thread_cost.py`.",
  );
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A chart panel (an SVG fragment placed at `top`, `width` wide): time and RSS per
 * thread at the largest count that every implementation ran, medians, linear scale.
 *
 * @returns The fragment and its height.
 */
export function threadCostPanel(
  costs: ThreadCosts,
  top: number,
  width: number,
): { svg: string; height: number } {
  const counts = Object.keys(costs.threading ?? {}).map(Number).sort((a, b) => a - b)
    .filter((n) => IMPLS.every((impl) => costs[impl]?.[String(n)] !== undefined));
  if (counts.length === 0) return { svg: "", height: 0 };
  const n = counts.includes(100) ? 100 : counts[counts.length - 1];
  const key = String(n);
  const rowH = 22, labelW = 330, half = (width - labelW - 40) / 2;
  const out: string[] = [];
  out.push(
    `<text x="${width / 2}" y="${
      top + 20
    }" text-anchor="middle" font-size="15" font-weight="bold">Cost of a thread: ${n} threads started, all alive (median of rounds)</text>`,
    `<text x="${labelW + 10 + half / 2}" y="${
      top + 42
    }" text-anchor="middle" fill="#333">ms per thread to start</text>`,
    `<text x="${labelW + 30 + half * 1.5}" y="${
      top + 42
    }" text-anchor="middle" fill="#333">MB RSS per thread</text>`,
  );
  const maxMs = Math.max(...IMPLS.map((i) => med(costs[i][key], (c) => c.msPerThread)));
  const maxMb = Math.max(...IMPLS.map((i) => med(costs[i][key], (c) => c.mbPerThread)));
  IMPLS.forEach((impl, i) => {
    const y = top + 52 + i * rowH;
    const ms = med(costs[impl][key], (c) => c.msPerThread);
    const mb = med(costs[impl][key], (c) => c.mbPerThread);
    const color = impl === "threading"
      ? "#2a6fdb"
      : impl === "cpython"
      ? "#999"
      : "#f0a030";
    out.push(
      `<text x="${labelW}" y="${y + 14}" text-anchor="end">${
        escapeXml(LABELS[impl].replaceAll("`", ""))
      }</text>`,
    );
    const bar = (x0: number, v: number, max: number, text: string) => {
      const w = Math.max((v / max) * (half - 60), 1);
      out.push(
        `<rect x="${x0}" y="${y + 3}" width="${
          w.toFixed(1)
        }" height="14" fill="${color}"/>`,
        `<text x="${(x0 + w + 4).toFixed(1)}" y="${
          y + 14
        }" font-size="10" fill="#222">${text}</text>`,
      );
    };
    bar(labelW + 10, ms, maxMs, fmt(ms, "ms"));
    bar(labelW + 30 + half, mb, maxMb, fmt(mb, "MB"));
  });
  return { svg: out.join("\n"), height: 52 + IMPLS.length * rowH + 20 };
}

/**
 * The compact thread-cost table for the README: this library and the floors at each
 * count of every round (medians, with the spread of the time).
 */
export function threadCostSummary(costs: ThreadCosts): string[] {
  const counts = Object.keys(costs.threading ?? {}).map(Number).sort((a, b) => a - b);
  const shown = [
    "threading",
    "threading-loop",
    "threading-modules",
    "web",
    "node",
    "cpython",
  ];
  const lines = [
    "| threads | implementation | ms per thread to start | MB RSS per thread | kept after the end |",
    "| ---: | --- | ---: | ---: | ---: |",
  ];
  for (const n of counts) {
    for (const impl of shown) {
      const list = costs[impl]?.[String(n)];
      if (list === undefined || list.length === 0) continue;
      lines.push(
        `| ${n} | ${LABELS[impl]} | ${cell(list, (c) => c.msPerThread, "ms")} | ${
          fmt(med(list, (c) => c.mbPerThread), "MB")
        } | ${fmt(med(list, (c) => c.mbKept), "MB")} |`,
      );
    }
  }
  const judged = counts.length === 0
    ? []
    : memoryGoalLines(costs, counts.includes(100) ? 100 : counts.at(-1)!);
  if (judged.length > 0) lines.push("", ...judged);
  return lines;
}
