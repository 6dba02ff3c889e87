// Copyright the threading for Deno authors. MIT license.
/**
 * One command for the whole comparison: runs this library's `Deno.bench` files with
 * `deno bench --json`, the raw-Atomics and V8 `Atomics.Mutex` floors (under
 * `--v8-flags=--harmony-struct`), the `multithreading` npm peer, the thread memory
 * probe and the CPython script, then writes
 *
 * - `bench/results/results.md`: a markdown table, per operation, with ratios to the
 *   raw-Atomics floor and to CPython, the goals of the issues, machine and versions;
 * - `bench/results/chart.svg`: a bar chart of the speed-ups over CPython;
 * - `bench/results/results.json`: every figure it used;
 * - `README.md`: the compact tables between its `<!-- bench:report start -->` and
 *   `<!-- bench:report end -->` markers (the README quotes no other figures).
 *
 *     deno run --allow-read --allow-write=bench/results,README.md --allow-run=deno,python3 bench/report.ts
 *
 * Every implementation runs in each of `--rounds=N` rounds (default 5), alternated, and
 * every row shows the median of its rounds with their spread; goals are judged on the
 * median (one run on a shared VM is not a measurement). The thread-cost suite
 * (`bench/thread_cost.ts`: 1, 10, 100 threads against bare web and `node:worker_threads`
 * Workers and CPython) runs `--rounds` rounds too, and its linearity check (250 and 500
 * threads) `--linear-rounds=N` rounds (default 3). On the 2-core machine it took 14
 * minutes with `--linear-rounds=1` at a load average of 3–5 (25 at 11); each linearity
 * round adds about 3 minutes. `--quick`: one round, fewer CPython repeats, no
 * linearity check. `--thread-cost-only`: only the thread-cost suite, the other figures
 * kept from `results.json`; `--workloads-only`: the other way round. `--render`: no measuring, only `results.md` and `chart.svg` again
 * from `results.json`. Arguments after `--` are passed to every `deno` subprocess.
 *
 * @module
 */
import { chart, type ChartRow, ratio } from "./_chart.ts";
import { median, spreadText } from "./_stats.ts";
import {
  measureThreadCost,
  threadCostMarkdown,
  type ThreadCosts,
  threadCostSummary,
} from "./_thread_cost_report.ts";
import { RAW_WORKLOADS, type Workload, WORKLOADS } from "./_workloads.ts";

/**
 * The `deno bench` runs: files, and the flags each needs (least permissions). Each of
 * this library's files runs in its own process, as `deno bench bench/thread_bench.ts`
 * does: `deno bench` given several files runs them in one process, one after another, and
 * there the files that ran first slowed the later ones in some runs. Measured on the
 * 2-core machine (2026-11-30, alternated): warm start+join alone 78–95 µs in 10 runs of
 * 10; after `sync_bench.ts` in the same process 77–221 µs (2 of 10 slow); after the three
 * other files 76–212 µs (3 of 4 slow). The earlier files' Workers are ended when their
 * file ends (the process's thread count falls from 16 to 4), so it is not them.
 */
const RUNS: { label: string; args: string[] }[] = [
  ...["lock", "semaphore", "sync", "thread"].map((name) => ({
    label: `threading (${name})`,
    args: ["--allow-read", `bench/${name}_bench.ts`],
  })),
  { label: "floors", args: ["--v8-flags=--harmony-struct", "bench/baseline_bench.ts"] },
  {
    label: "multithreading",
    // Its own config and lockfile: the package is not pinned in the project's lockfile,
    // which every `deno run` of an example installs whole.
    args: ["--config", "bench/peers/deno.json", "bench/peers/multithreading_bench.ts"],
  },
];

/** Version of the `multithreading` package the peer bench imports. */
const PEER = "multithreading@0.3.52";

/** One measured figure: nanoseconds per operation (MB per thread for memory). */
interface Figure {
  value: number;
  origin?: string;
  error?: string;
}

/** Figures by implementation, then workload key. */
type Figures = Record<string, Record<string, Figure[]>>;

interface BenchJson {
  runtime: string;
  cpu: string;
  benches: {
    origin: string;
    group: string | null;
    name: string;
    results: ({ ok: { avg: number; n: number } } | { failed: unknown })[];
  }[];
}

const root = new URL("../", import.meta.url);
const outDir = new URL("bench/results/", root);
const decoder = new TextDecoder();

function opsOf(key: string): number {
  return (WORKLOADS.find((w) => w.key === key) ??
    RAW_WORKLOADS.find((w) => w.key === key))
    ?.ops ?? 1;
}

function add(figures: Figures, impl: string, key: string, figure: Figure): void {
  ((figures[impl] ??= {})[key] ??= []).push(figure);
}

async function run(cmd: string, args: string[]): Promise<string> {
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.error(`  ${cmd} ${args.join(" ")}: exit ${code}, ${seconds} s`);
  const err = decoder.decode(stderr);
  if (code !== 0) console.error(err.split("\n").slice(-30).join("\n"));
  return decoder.decode(stdout);
}

/** Extra flags for every `deno` subprocess: the arguments after `--`. */
const extra = Deno.args.includes("--")
  ? Deno.args.slice(Deno.args.indexOf("--") + 1)
  : [];

async function runBenches(figures: Figures): Promise<string> {
  let runtime = "";
  for (const { label, args } of RUNS) {
    console.error(`deno bench (${label})`);
    const out = await run("deno", ["bench", "--json", ...extra, ...args]);
    const start = out.indexOf("{");
    if (start < 0) {
      console.error(`  no JSON from the ${label} run`);
      continue;
    }
    const json = JSON.parse(out.slice(start)) as BenchJson;
    runtime = json.runtime;
    for (const bench of json.benches) {
      const match = /^([\w-]+): (\S+)$/.exec(bench.name);
      if (match === null) continue;
      const [, impl, key] = match;
      const result = bench.results[0];
      if (result !== undefined && "ok" in result) {
        add(figures, impl, key, {
          value: result.ok.avg / opsOf(key),
          origin: bench.origin,
        });
      } else {
        const failed = (result as { failed?: unknown } | undefined)?.failed;
        add(figures, impl, key, {
          value: NaN,
          origin: bench.origin,
          error: JSON.stringify(failed).slice(0, 200),
        });
      }
    }
  }
  return runtime;
}

async function runMemory(figures: Figures): Promise<void> {
  console.error("thread memory");
  const out = await run("deno", [
    "run",
    ...extra,
    "--allow-read",
    "bench/thread_bench.ts",
    "--memory",
  ]);
  try {
    const { alive, pooled } = JSON.parse(out.trim().split("\n").pop()!);
    add(figures, "threading", "thread.mem.alive", { value: alive });
    add(figures, "threading", "thread.mem.pooled", { value: pooled });
  } catch {
    console.error("  no memory figures");
  }
}

/** What the CPython script says about the machine (it reads /proc, which Deno would need --allow-all for). */
interface Host {
  kernel?: string;
  cores?: number;
  cpu?: string;
  memory_gib?: number;
  loadavg?: number;
}

async function runCpython(
  figures: Figures,
  quick: boolean,
): Promise<{ python: string; host: Host }> {
  console.error("CPython");
  const out = await run("python3", [
    "bench/cpython_bench.py",
    "--json",
    ...(quick ? ["--quick"] : []),
  ]);
  try {
    const json = JSON.parse(out) as {
      python: string;
      machine: Host;
      results: Record<string, { value: number; unit: string }>;
    };
    for (const [key, r] of Object.entries(json.results)) {
      const scale = r.unit === "µs" ? 1e3 : 1;
      add(figures, "cpython", key, { value: r.value * scale });
    }
    return { python: json.python, host: json.machine };
  } catch {
    console.error("  no CPython figures");
    return { python: "python3 (failed)", host: {} };
  }
}

/** The figure of one row over the rounds: the median, and every round's value. */
interface Summary {
  value: number;
  values: number[];
  origin?: string;
}

/**
 * The median figure of `impl` for `key` over the rounds, among those measured in
 * `origin` (the same isolate) when there are any, with the values it is the median of.
 */
function pick(
  figures: Figures,
  impl: string,
  key: string,
  origin?: string,
): Summary | undefined {
  const all = figures[impl]?.[key] ?? [];
  const valid = all.filter((f) => !Number.isNaN(f.value));
  const same = valid.filter((f) => f.origin === origin);
  const pool = same.length > 0 ? same : valid;
  if (pool.length === 0) {
    return all.length === 0
      ? undefined
      : { value: NaN, values: [], origin: all[0].origin };
  }
  const values = pool.map((f) => f.value);
  return { value: median(values), values, origin: pool[0].origin };
}

function time(ns: number | undefined, unit?: string): string {
  if (ns === undefined || Number.isNaN(ns)) return "—";
  if (unit === "MB") return `${ns.toFixed(ns < 1 ? 3 : 1)} MB`;
  if (ns < 1e3) return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

/** A row of the table, with what the chart needs. */
interface Row extends ChartRow {
  workload: Workload;
  ours?: number;
  raw?: number;
  cpython?: number;
  peer?: number;
  /** The rounds' values of ours, raw, CPython and the peer, for the spread. */
  rounds: { ours: number[]; raw: number[]; cpython: number[]; peer: number[] };
  /** cpython / ours. */
  speedup?: number;
  peerSpeedup?: number;
  /** ours / raw. */
  vsRaw?: number;
  goal: string;
  met?: boolean;
}

function rows(figures: Figures): Row[] {
  return WORKLOADS.map((w) => {
    const own = pick(figures, "threading", w.key);
    const ours = own?.value;
    const rawSummary = w.raw === undefined
      ? undefined
      : pick(figures, "raw", w.raw, own?.origin);
    const raw = rawSummary?.value;
    const cpythonSummary = pick(figures, "cpython", w.key);
    const cpython = cpythonSummary?.value;
    const peerSummary = pick(figures, "multithreading", w.key);
    const peer = peerSummary?.value;
    const speedup = cpython !== undefined && ours ? cpython / ours : undefined;
    const peerSpeedup = cpython !== undefined && peer ? cpython / peer : undefined;
    const vsRaw = raw !== undefined && ours !== undefined ? ours / raw : undefined;
    const goals: string[] = [];
    let met: boolean | undefined;
    if (w.goalVsRaw !== undefined) {
      goals.push(`≤ ${w.goalVsRaw}× raw`);
      met = vsRaw !== undefined && vsRaw <= w.goalVsRaw;
    }
    if (w.goalVsCpython !== undefined) {
      goals.push(
        w.goalVsCpython >= 1
          ? `≥ ${w.goalVsCpython}× CPython`
          : `within ${1 / w.goalVsCpython}× CPython`,
      );
      const ok = speedup !== undefined && speedup >= w.goalVsCpython;
      met = met === undefined ? ok : met && ok;
    }
    if (ours === undefined || Number.isNaN(ours)) met = undefined;
    return {
      workload: w,
      ours,
      raw,
      cpython,
      peer,
      rounds: {
        ours: own?.values ?? [],
        raw: rawSummary?.values ?? [],
        cpython: cpythonSummary?.values ?? [],
        peer: peerSummary?.values ?? [],
      },
      speedup,
      peerSpeedup,
      vsRaw,
      goal: goals.join(", ") || "—",
      met,
    };
  });
}

/** The README's block between its `bench:report` markers: medians from this report. */
function readmeBlock(
  table: Row[],
  threadCost: ThreadCosts,
  machine: Record<string, string>,
): string {
  const lines: string[] = [
    `Generated by \`deno task bench:report\` on ${machine["Date"]} (${
      machine["CPU"]
    }; load average before / after: ${
      (machine["Load average (1 min) before / after"] ?? "?").split(" (")[0]
    }). Each figure is the median of its rounds, with the spread (half the range, of ` +
    "the median) and the number of rounds; goals are judged on the medians.",
    "",
    "| workload | threading | × raw | CPython 3.11 | vs CPython | goal | met |",
    "| --- | ---: | ---: | ---: | ---: | --- | :---: |",
  ];
  for (const r of table) {
    const u = r.workload.unit === "MB" ? "MB" : undefined;
    if (u === "MB") continue;
    lines.push(
      `| ${r.workload.label} | ${time(r.ours, u)} ${spreadText(r.rounds.ours)} | ${
        ratio(r.vsRaw)
      } | ${time(r.cpython, u)} ${spreadText(r.rounds.cpython)} | ${
        ratio(r.speedup)
      } | ${r.goal} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
    );
  }
  lines.push("", ...threadCostSummary(threadCost));
  return lines.join("\n");
}

const README_START = "<!-- bench:report start -->";
const README_END = "<!-- bench:report end -->";

/** Replaces the README's block between the markers; leaves the README alone without them. */
async function updateReadme(block: string): Promise<void> {
  const url = new URL("README.md", root);
  let text: string;
  try {
    text = await Deno.readTextFile(url);
  } catch {
    return;
  }
  const start = text.indexOf(README_START), end = text.indexOf(README_END);
  if (start < 0 || end < start) return;
  await Deno.writeTextFile(
    url,
    `${text.slice(0, start + README_START.length)}\n\n${block}\n\n${text.slice(end)}`,
  );
}

function markdown(
  table: Row[],
  figures: Figures,
  threadCost: ThreadCosts,
  machine: Record<string, string>,
  errors: string[],
): string {
  const lines: string[] = [];
  lines.push("# Benchmark results", "");
  lines.push(
    "Time of one operation (the mean over `Deno.bench` iterations of a batch, divided " +
      "by the batch; lower is better), as the **median of the rounds**, with the spread " +
      "of the rounds (half their range, of the median) and their number beside it. " +
      "**× raw**: this library's time over the raw-Atomics floor of the same workload " +
      "(1.00× is the floor). **vs CPython**: CPython's time over ours (above 1× we are " +
      "faster). Goals are judged on the medians. Generated by `deno task bench:report`.",
    "",
  );
  lines.push(
    "| workload | threading | raw floor | × raw | CPython 3.11 | vs CPython | multithreading (npm) | its vs CPython | goal | met |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | :---: |",
  );
  for (const r of table) {
    const u = r.workload.unit === "MB" ? "MB" : undefined;
    const withSpread = (x: number | undefined, values: number[]) =>
      `${time(x, u)} ${spreadText(values)}`.trim();
    lines.push(
      `| ${r.workload.label} | ${withSpread(r.ours, r.rounds.ours)} | ${
        withSpread(r.raw, r.rounds.raw)
      } | ${ratio(r.vsRaw)} | ${withSpread(r.cpython, r.rounds.cpython)} | ${
        ratio(r.speedup)
      } | ${withSpread(r.peer, r.rounds.peer)} | ${ratio(r.peerSpeedup)} | ${r.goal} | ${
        r.met === undefined ? "" : r.met ? "yes" : "**no**"
      } |`,
    );
  }
  lines.push("", "## Against the CPython figures quoted in the issues", "");
  lines.push(
    "The goals were set against these earlier CPython measurements on this machine; " +
      "the table above uses CPython's figures from this run instead.",
    "",
    "| workload | CPython (issue) | threading | vs CPython (issue) |",
    "| --- | ---: | ---: | ---: |",
  );
  for (const r of table) {
    const quoted = r.workload.cpythonQuoted;
    if (quoted === undefined) continue;
    const ns = quoted * (r.workload.unit === "µs" ? 1e3 : 1);
    lines.push(
      `| ${r.workload.label} | ${time(ns)} | ${time(r.ours)} | ${
        ratio(r.ours ? ns / r.ours : undefined)
      } |`,
    );
  }
  lines.push("", "## Floors (no library)", "");
  lines.push("| floor | time (median) |", "| --- | ---: |");
  for (const w of RAW_WORKLOADS) {
    const f = pick(figures, w.key.startsWith("v8.") ? "v8" : "raw", w.key);
    lines.push(`| ${w.label} | ${time(f?.value)} ${spreadText(f?.values ?? [])} |`);
  }
  lines.push(...threadCostMarkdown(threadCost));
  lines.push("", "## Machine and versions", "");
  for (const [k, v] of Object.entries(machine)) lines.push(`- ${k}: ${v}`);
  lines.push("", "## How it is measured", "");
  lines.push(
    "- Uncontended pairs and creation run on the main thread, in batches (1,000 pairs, " +
      "100 objects) per bench iteration; the time shown is per pair or per object.",
    "- Multi-thread workloads start their threads once per bench, outside the measured " +
      "part; each iteration releases them for one batch (20,000 increments in all for the " +
      "counter, 8,000 pairs for Semaphore(2) × 4, 200 round trips, 200 barrier cycles) " +
      "through a raw-Atomics control block and waits until all are done. Each lock has " +
      "its own 64-byte slot and each counter its own 64-byte slot.",
    "- CPython runs the same batches with `threading` (bench/cpython_bench.py) in the " +
      "same run. Every implementation runs in each round (CPython once more before the " +
      "first), and the table shows each one's median round. The issues quoted earlier CPython figures on this machine (Lock 77 ns, " +
      "Semaphore 977 ns, Event ping-pong 73.5 µs, Condition 69 µs, Barrier(2) 75 µs, " +
      "start 64 µs, start+join 68 µs); the table uses the figures of this run.",
    "- The `multithreading` package runs on its own workers (its objects cannot cross " +
      "this library's threads); its blocking `Mutex.blockingLock()` and " +
      "`Semaphore.blockingAcquire()` return a guard whose `dispose()` releases.",
    "- CPython has no thread pool: its cold and warm thread starts are the same figure.",
    "- Creation includes each primitive's share of its thread's slab (one " +
      "SharedArrayBuffer of up to 64 KB every few hundred primitives) and of the garbage " +
      "collection, which varies from run to run; `raw.sab` is one `new SharedArrayBuffer(64)`.",
    "- Cold thread start: the pool emptied by `shutdown()` before each start; its floor " +
      "is the boot of a bare `node:worker_threads` Worker running a two-line module.",
    "- Memory: RSS growth per thread with 16 threads parked in a wait (live), and after " +
      "they were joined (their Workers kept warm in the pool).",
  );
  if (errors.length > 0) {
    lines.push("", "## Failed benches", "");
    for (const e of errors) lines.push(`- ${e}`);
  }
  lines.push("");
  return lines.join("\n");
}

function machineInfo(
  runtime: string,
  python: string,
  host: Host,
): Record<string, string> {
  return {
    "CPU": `${host.cpu ?? "unknown"}, ${
      host.cores ?? navigator.hardwareConcurrency
    } cores`,
    "Memory": host.memory_gib === undefined ? "unknown" : `${host.memory_gib} GiB`,
    "OS": `${host.kernel ?? Deno.build.os} (${Deno.build.arch})`,
    "Deno":
      `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript})`,
    "Bench runtime": runtime,
    "Python": python,
    "Peer": `npm:${PEER}`,
    "Date": new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  };
}

/** Runs every round and returns the figures and the machine description. */
async function measureAll(
  quick: boolean,
  rounds: number,
  keptThreadCost?: ThreadCosts,
): Promise<
  { figures: Figures; machine: Record<string, string>; threadCost: ThreadCosts }
> {
  const figures: Figures = {};
  // Other work on the machine slows some rounds down: every implementation (this
  // library, the floors, the peer, CPython) runs in every round, CPython once more
  // before the first, and the table shows each one's median round.
  const first = await runCpython(figures, quick);
  let runtime = "";
  let last = first;
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round} of ${rounds}`);
    runtime = await runBenches(figures);
    last = await runCpython(figures, quick);
  }
  await runMemory(figures);
  const threadCost = keptThreadCost ?? await threadCostSuite(quick, rounds);
  const { python, host } = last;
  const machine = machineInfo(runtime, python, host);
  machine["Load average (1 min) before / after"] = `${first.host.loadavg ?? "?"} / ${
    host.loadavg ?? "?"
  } (other work on the machine makes the multi-thread figures noisy)`;
  return { figures, machine, threadCost };
}

/** Thread counts of the thread-cost suite, every round. */
const THREAD_COUNTS = [1, 10, 100];
/** Thread counts of its linearity check. */
const LINEAR_COUNTS = [250, 500];

const numberArg = (name: string, fallback: number) =>
  Number(
    new RegExp(`^--${name}=(\\d+)$`).exec(
      Deno.args.find((a) => a.startsWith(`--${name}=`)) ?? "",
    )?.[1] ?? fallback,
  );
const linearRounds = numberArg("linear-rounds", 3);

/** The thread-cost suite: `rounds` rounds, and the linearity check unless `quick`. */
function threadCostSuite(quick: boolean, rounds: number): Promise<ThreadCosts> {
  return measureThreadCost(
    run,
    extra,
    rounds,
    THREAD_COUNTS,
    quick ? [] : LINEAR_COUNTS,
    linearRounds,
  );
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const rounds = numberArg("rounds", quick ? 1 : 5);
  const started = performance.now();
  type Saved = {
    figures: Figures;
    machine: Record<string, string>;
    threadCost?: ThreadCosts;
  };
  const saved = async () =>
    JSON.parse(await Deno.readTextFile(new URL("results.json", outDir))) as Saved;
  let results: Saved;
  if (Deno.args.includes("--render")) {
    // No measuring: only the markdown and the chart again from results.json.
    results = await saved();
  } else if (Deno.args.includes("--thread-cost-only")) {
    // Only the thread-cost suite; the other figures stay those of results.json.
    results = await saved();
    results.threadCost = await threadCostSuite(quick, rounds);
  } else if (Deno.args.includes("--workloads-only")) {
    // Every figure but the thread-cost suite, which stays that of results.json.
    results = await measureAll(quick, rounds, (await saved()).threadCost ?? {});
  } else {
    results = await measureAll(quick, rounds);
  }
  const { figures, machine } = results;
  const threadCost = results.threadCost ?? {};
  const table = rows(figures);
  const errors: string[] = [];
  for (const [impl, byKey] of Object.entries(figures)) {
    for (const [key, list] of Object.entries(byKey)) {
      for (const f of list) if (f.error) errors.push(`${impl}: ${key}: ${f.error}`);
    }
  }
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(
    new URL("results.md", outDir),
    markdown(table, figures, threadCost, machine, errors),
  );
  await Deno.writeTextFile(
    new URL("chart.svg", outDir),
    chart(table, machine, threadCost, PEER),
  );
  await Deno.writeTextFile(
    new URL("results.json", outDir),
    JSON.stringify({ machine, figures, threadCost }, null, 2) + "\n",
  );
  try {
    await updateReadme(readmeBlock(table, threadCost, machine));
  } catch (error) {
    console.error(`  could not update README.md: ${(error as Error).message}`);
  }
  // Keep `deno fmt --check` (the check task) clean on the generated files.
  try {
    await run("deno", ["fmt", "--quiet", "bench/results/", "README.md"]);
  } catch {
    console.error("  could not run deno fmt on bench/results/ (needs --allow-run=deno)");
  }
  console.error(
    `wrote bench/results/results.md, chart.svg, results.json in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s`,
  );
}
