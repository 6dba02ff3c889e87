// Copyright the threading for Deno authors. MIT license.
/**
 * What a Worker's memory is made of: the resident (RSS) and the private memory that
 * one `node:worker_threads` Worker adds to the process, bare and with this library's
 * code loaded in the forms Deno can load it, so that the floor under the cost of a
 * thread (`bench/thread_cost.ts`) can be shown with figures.
 *
 *     deno run -A bench/memory_floor.ts [--workers=30] [--rounds=3]
 *
 * `-A`: private memory is read from `/proc/self/smaps_rollup`, which Deno opens only
 * with every permission; the script also runs `deno bundle` into a temporary folder.
 * Linux only.
 *
 * | case | what each Worker loads |
 * | --- | --- |
 * | `bare` | nothing (the floor of `thread_cost.ts`'s `node` row) |
 * | `bare, heap limit 2047 MB` | nothing, with `resourceLimits.maxOldGenerationSizeMb: 2047` |
 * | `library (TypeScript modules)` | `src/threading.ts`: the TypeScript modules, which Deno transpiles |
 * | `library (one JavaScript file)` | the same code bundled into one JavaScript file by `deno bundle` |
 * | `library (one minified JavaScript file)` | the same, minified (`deno bundle --minify`) |
 * | `library (mod.ts)` | `mod.ts` as users load it: `src/_bundle/threading.js` (minified, names kept, LogTape left out: `deno task build`) |
 *
 * Each case starts `--workers` Workers at once in a fresh process (after one warm-up
 * Worker, so that Deno's caches are filled), waits until every one has loaded its code
 * and sleeps in `Atomics.wait`, lets 300 ms pass, and prints the growth of RSS and of
 * private memory (`Private_Clean` + `Private_Dirty`) per Worker, in MB (10^6 bytes). The
 * cases alternate, round after round; the table gives the median of the rounds and
 * their range.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { median } from "./_stats.ts";

/** One Worker's body: loads `workerData.module` if given, counts itself in, sleeps. */
const BODY = `
import { workerData } from "node:worker_threads";
if (workerData.module) await import(workerData.module);
const w = new Int32Array(workerData.sab);
Atomics.add(w, 0, 1);
Atomics.notify(w, 0);
while (Atomics.load(w, 1) === 0) Atomics.wait(w, 1, 0);
`;

interface Memory {
  rss: number;
  private: number;
}

/** The process's resident and private memory, in bytes. */
function memory(): Memory {
  const text = Deno.readTextFileSync("/proc/self/smaps_rollup");
  const kb = (key: string) =>
    Number(text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
  return { rss: kb("Rss"), private: kb("Private_Clean") + kb("Private_Dirty") };
}

/** Starts `n` Workers loading `module`; returns the growth per Worker, in MB. */
async function measureCase(
  module: string | undefined,
  n: number,
  heapLimitMb: number | undefined,
): Promise<Memory> {
  const url = new URL(`data:text/javascript,${encodeURIComponent(BODY)}`);
  const options = (sab: SharedArrayBuffer) => ({
    workerData: { module, sab },
    ...(heapLimitMb ? { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } } : {}),
  });
  const start = (count: number) => {
    const sab = new SharedArrayBuffer(8);
    const w = new Int32Array(sab);
    const workers = Array.from({ length: count }, () => new Worker(url, options(sab)));
    return { w, workers };
  };
  const ready = async (w: Int32Array, count: number) => {
    const deadline = Date.now() + 120_000;
    while (Atomics.load(w, 0) < count) {
      if (Date.now() > deadline) throw new Error(`Workers did not start: ${module}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const end = async ({ w, workers }: ReturnType<typeof start>) => {
    Atomics.store(w, 1, 1);
    Atomics.notify(w, 1);
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  const warm = start(1);
  await ready(warm.w, 1);
  await end(warm);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = memory();
  const run = start(n);
  await ready(run.w, n);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = memory();
  await end(run);
  return {
    rss: (after.rss - before.rss) / n / 1e6,
    private: (after.private - before.private) / n / 1e6,
  };
}

/** The cases: label, module URL (or none) and heap limit. */
function cases(dir: string): [string, string | undefined, number | undefined][] {
  return [
    ["bare", undefined, undefined],
    ["bare, heap limit 2047 MB", undefined, 2047],
    [
      "library (TypeScript modules)",
      new URL("../src/threading.ts", import.meta.url).href,
      undefined,
    ],
    ["library (one JavaScript file)", `file://${dir}/threading.js`, undefined],
    [
      "library (one minified JavaScript file)",
      `file://${dir}/threading.min.js`,
      undefined,
    ],
    [
      "library (mod.ts)",
      new URL("../mod.ts", import.meta.url).href,
      undefined,
    ],
  ];
}

async function bundle(dir: string): Promise<void> {
  const entry = new URL("../src/threading.ts", import.meta.url).pathname;
  for (
    const [file, flags] of [["threading.js", []], ["threading.min.js", ["--minify"]]]
  ) {
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        ...flags,
        "--packages",
        "external",
        "--platform",
        "deno",
        "-o",
        `${dir}/${file}`,
        entry,
      ],
      stdout: "null",
    }).output();
    if (!success) throw new Error(new TextDecoder().decode(stderr));
  }
}

if (import.meta.main) {
  const arg = (name: string, fallback: number) =>
    Number(
      Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ??
        fallback,
    );
  const [, caseArg, workersArg] = Deno.args;
  if (Deno.args[0] === "--case") {
    // A child: one case, one JSON line.
    const dir = Deno.args[3];
    const [, module, limit] = cases(dir)[Number(caseArg)];
    console.log(JSON.stringify(await measureCase(module, Number(workersArg), limit)));
  } else {
    const workers = arg("workers", 30);
    const rounds = arg("rounds", 3);
    const dir = await Deno.makeTempDir({ prefix: "threading_memory_floor_" });
    try {
      await bundle(dir);
      const list = cases(dir);
      const figures: Memory[][] = list.map(() => []);
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < list.length; k++) {
          const i = (k + round) % list.length;
          const { stdout, success, stderr } = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              import.meta.filename!,
              "--case",
              `${i}`,
              `${workers}`,
              dir,
            ],
          }).output();
          if (!success) throw new Error(new TextDecoder().decode(stderr));
          figures[i].push(JSON.parse(new TextDecoder().decode(stdout)));
        }
      }
      const bare = median(figures[0].map((f) => f.rss));
      const barePrivate = median(figures[0].map((f) => f.private));
      const cell = (values: number[]) =>
        `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${
          Math.max(...values).toFixed(2)
        })`;
      console.log(
        `${workers} Workers a case, ${rounds} rounds; MB a Worker, median (range)\n`,
      );
      console.log("| case | RSS | × bare | private | × bare |");
      console.log("| --- | ---: | ---: | ---: | ---: |");
      list.forEach(([label], i) => {
        const rss = figures[i].map((f) => f.rss);
        const priv = figures[i].map((f) => f.private);
        console.log(
          `| ${label} | ${cell(rss)} | ${(median(rss) / bare).toFixed(2)}× | ${
            cell(priv)
          } | ${(median(priv) / barePrivate).toFixed(2)}× |`,
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
}
