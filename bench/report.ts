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
 * - `bench/results/results.json`: every figure it used.
 *
 *     deno run --allow-read --allow-write=bench/results --allow-run=deno,python3 bench/report.ts
 *
 * Every implementation runs in each of `--rounds=N` rounds (default 2) and the table
 * takes each one's best round, as other work on the machine slows some rounds down.
 * Takes about a minute a round on 2 cores. `--quick`: one round, and the CPython script
 * with fewer repeats. `--render`: no measuring, only `results.md` and `chart.svg` again
 * from `results.json`. Arguments after `--` are passed to every `deno` subprocess.
 *
 * @module
 */
import { RAW_WORKLOADS, type Workload, WORKLOADS } from "./_workloads.ts";

/** The `deno bench` runs: files, and the flags each needs (least permissions). */
const RUNS: { label: string; args: string[] }[] = [
  {
    label: "threading",
    args: [
      "--allow-read",
      "bench/lock_bench.ts",
      "bench/semaphore_bench.ts",
      "bench/sync_bench.ts",
      "bench/thread_bench.ts",
    ],
  },
  { label: "floors", args: ["--v8-flags=--harmony-struct", "bench/baseline_bench.ts"] },
  { label: "multithreading", args: ["bench/peers/multithreading_bench.ts"] },
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

/**
 * The best (lowest) figure of `impl` for `key` over the rounds, among those measured in
 * `origin` (the same isolate) when there are any.
 */
function pick(
  figures: Figures,
  impl: string,
  key: string,
  origin?: string,
): Figure | undefined {
  const valid = (figures[impl]?.[key] ?? []).filter((f) => !Number.isNaN(f.value));
  const same = valid.filter((f) => f.origin === origin);
  const pool = same.length > 0 ? same : valid;
  if (pool.length === 0) return figures[impl]?.[key]?.[0];
  return pool.reduce((best, f) => f.value < best.value ? f : best);
}

function time(ns: number | undefined, unit?: string): string {
  if (ns === undefined || Number.isNaN(ns)) return "—";
  if (unit === "MB") return `${ns.toFixed(ns < 1 ? 3 : 1)} MB`;
  if (ns < 1e3) return `${ns.toFixed(ns < 10 ? 2 : 1)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  return `${(ns / 1e6).toFixed(1)} ms`;
}

function ratio(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x) || !Number.isFinite(x)) return "—";
  return x >= 10 ? `${x.toFixed(0)}×` : x >= 1 ? `${x.toFixed(2)}×` : `${x.toFixed(3)}×`;
}

/** A row of the table, with what the chart needs. */
interface Row {
  workload: Workload;
  ours?: number;
  raw?: number;
  cpython?: number;
  peer?: number;
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
    const raw = w.raw === undefined
      ? undefined
      : pick(figures, "raw", w.raw, own?.origin)?.value;
    const cpython = pick(figures, "cpython", w.key)?.value;
    const peer = pick(figures, "multithreading", w.key)?.value;
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
      speedup,
      peerSpeedup,
      vsRaw,
      goal: goals.join(", ") || "—",
      met,
    };
  });
}

function markdown(
  table: Row[],
  figures: Figures,
  machine: Record<string, string>,
  errors: string[],
): string {
  const lines: string[] = [];
  lines.push("# Benchmark results", "");
  lines.push(
    "Time of one operation (mean over `Deno.bench` iterations of a batch; lower is " +
      "better). **× raw**: this library's time over the raw-Atomics floor of the same " +
      "workload (1.00× is the floor). **vs CPython**: CPython's time over ours (above " +
      "1× we are faster). Generated by `deno task bench:report`.",
    "",
  );
  lines.push(
    "| workload | threading | raw floor | × raw | CPython 3.11 | vs CPython | multithreading (npm) | its vs CPython | goal | met |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | :---: |",
  );
  for (const r of table) {
    const u = r.workload.unit === "MB" ? "MB" : undefined;
    lines.push(
      `| ${r.workload.label} | ${time(r.ours, u)} | ${time(r.raw, u)} | ${
        ratio(r.vsRaw)
      } | ${time(r.cpython, u)} | ${ratio(r.speedup)} | ${time(r.peer, u)} | ${
        ratio(r.peerSpeedup)
      } | ${r.goal} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
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
  lines.push("| floor | time |", "| --- | ---: |");
  for (const w of RAW_WORKLOADS) {
    const f = pick(figures, w.key.startsWith("v8.") ? "v8" : "raw", w.key);
    lines.push(`| ${w.label} | ${time(f?.value)} |`);
  }
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
      "first), and the table takes each one's best round. The issues quoted earlier CPython figures on this machine (Lock 77 ns, " +
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

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A horizontal bar chart of speed-ups over CPython, log scale, hand-written SVG. */
function chart(table: Row[], machine: Record<string, string>): string {
  const shown = table.filter((r) =>
    r.workload.unit !== "MB" && r.speedup !== undefined && Number.isFinite(r.speedup)
  );
  const labelW = 330, plotW = 520, rowH = 26, top = 70, left = labelW + 10;
  const height = top + shown.length * rowH + 60;
  const width = left + plotW + 30;
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
      PEER.split("@")[1]
    })</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
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
): Promise<{ figures: Figures; machine: Record<string, string> }> {
  const figures: Figures = {};
  // Other work on the machine slows some rounds down: every implementation (this
  // library, the floors, the peer, CPython) runs in every round, CPython once more
  // before the first, and the table takes each one's best round.
  const first = await runCpython(figures, quick);
  let runtime = "";
  let last = first;
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round} of ${rounds}`);
    runtime = await runBenches(figures);
    last = await runCpython(figures, quick);
  }
  await runMemory(figures);
  const { python, host } = last;
  const machine = machineInfo(runtime, python, host);
  machine["Load average (1 min) before / after"] = `${first.host.loadavg ?? "?"} / ${
    host.loadavg ?? "?"
  } (other work on the machine makes the multi-thread figures noisy)`;
  return { figures, machine };
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const rounds = Number(
    /^--rounds=(\d+)$/.exec(Deno.args.find((a) => a.startsWith("--rounds=")) ?? "")
      ?.[1] ??
      (quick ? 1 : 2),
  );
  const started = performance.now();
  // --render: no measuring, only the markdown and the chart again from results.json.
  const { figures, machine } = Deno.args.includes("--render")
    ? JSON.parse(await Deno.readTextFile(new URL("results.json", outDir))) as {
      figures: Figures;
      machine: Record<string, string>;
    }
    : await measureAll(quick, rounds);
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
    markdown(table, figures, machine, errors),
  );
  await Deno.writeTextFile(new URL("chart.svg", outDir), chart(table, machine));
  await Deno.writeTextFile(
    new URL("results.json", outDir),
    JSON.stringify({ machine, figures }, null, 2) + "\n",
  );
  // Keep `deno fmt --check` (the check task) clean on the generated files.
  try {
    await run("deno", ["fmt", "--quiet", "bench/results/"]);
  } catch {
    console.error("  could not run deno fmt on bench/results/ (needs --allow-run=deno)");
  }
  console.error(
    `wrote bench/results/results.md, chart.svg, results.json in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s`,
  );
}
