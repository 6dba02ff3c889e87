// Copyright the threading for Deno authors. MIT license.
/**
 * What a program fetches for LogTape (`src/_logtape.ts`, "Never in the program's module
 * graph"), as its users load the library: from a JSR registry (a loopback one,
 * `_registry.ts`) and by path, in real `deno run` subprocesses.
 *
 * - A program that imports the library and never uses LogTape (it starts threads, or logs
 *   through `basicConfig`) fetches no npm package: on a fresh `DENO_DIR` with the npm
 *   registry on a loopback port that refuses connections (an air-gapped CI that allows
 *   JSR but not npm), no `Download` line names LogTape or the registry, the lockfile holds
 *   no npm package, and the run takes no registry's retries. Before, every such run printed
 *   `Download http://127.0.0.1:<port>/@logtape%2flogtape` twice and waited about 2 s.
 * - A program that uses LogTape imports it itself, and its threads' records reach the
 *   LogTape configuration: from the JSR registry with the npm registry reachable (cold,
 *   warm and `--frozen`, LogTape in the lockfile), and by path with the project's cache.
 *
 * @module
 */
import assert from "node:assert/strict";
import { closedPort, serve } from "./_registry.ts";
import { runDeno } from "./_subprocess.ts";

const repo = new URL("../", import.meta.url);
const MOD = new URL("mod.ts", repo).href;

/** A program that starts a thread and never logs; `lib` imports mod.ts. */
function quietProgram(lib: string): string {
  return `import { Thread } from "${lib}";
export function work() { console.log("thread ran"); }
if (import.meta.main) {
  const t = new Thread({ target: work });
  t.start();
  t.join();
  console.log("main done");
}
`;
}

/** A program that logs through the adapter's basicConfig, in a thread and in main. */
function adapterProgram(lib: string): string {
  return `import { logging, Thread } from "${lib}";
export function work() { logging.getLogger("app").info("from %s", "a thread"); }
if (import.meta.main) {
  logging.basicConfig({ level: logging.INFO, format: "%(threadName)s %(message)s", stream: "stdout" });
  logging.info("main starts");
  const t = new Thread({ target: work, name: "worker" });
  t.start();
  t.join();
  console.log("main done");
}
`;
}

/** The files under a folder (none if it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) files.push(...await filesUnder(`${dir}/${entry.name}`));
      else files.push(`${dir}/${entry.name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

const QUIET = ["thread ran", "main done"];
const ADAPTER = ["MainThread main starts", "worker from a thread", "main done"];

/** What the npm registry on `port` or LogTape's fetch would print on stderr. */
function npmLines(stderr: string, port: number): string[] {
  return stderr.split("\n").filter((line) =>
    /logtape/i.test(line) || line.includes(`127.0.0.1:${port}`) || /\bnpm\b/.test(line)
  );
}

Deno.test("a program that never uses LogTape fetches no npm package: from a JSR registry and by path, a fresh DENO_DIR, the npm registry unreachable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_nonpm_" });
  const { server, port } = serve(dir);
  const npmPort = closedPort();
  try {
    const host = `127.0.0.1:${port}`;
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: { "@threading/threading": "jsr:@threading/threading@^0.1.0" },
      }),
    );
    await Deno.writeTextFile(`${dir}/quiet.ts`, quietProgram("@threading/threading"));
    await Deno.writeTextFile(`${dir}/adapter.ts`, adapterProgram("@threading/threading"));
    await Deno.mkdir(`${dir}/path`);
    await Deno.writeTextFile(`${dir}/path/quiet.ts`, quietProgram(MOD));
    await Deno.writeTextFile(`${dir}/path/adapter.ts`, adapterProgram(MOD));
    const env = {
      JSR_URL: `http://${host}/`,
      NPM_CONFIG_REGISTRY: `http://127.0.0.1:${npmPort}/`,
    };
    const cases: [string, string[], string[]][] = [
      ["jsr quiet", [`--allow-import=${host}`, "--allow-read=.", "quiet.ts"], QUIET],
      [
        "jsr adapter",
        [`--allow-import=${host}`, "--allow-read=.", "adapter.ts"],
        ADAPTER,
      ],
      ["path quiet", ["--no-config", "--allow-read", `${dir}/path/quiet.ts`], QUIET],
      [
        "path adapter",
        ["--no-config", "--allow-read", `${dir}/path/adapter.ts`],
        ADAPTER,
      ],
    ];
    for (const [name, args, expected] of cases) {
      const denoDir = `${dir}/deno_dir_${name.replace(" ", "_")}`;
      for (const round of ["cold", "warm"]) {
        const r = await runDeno(["run", ...args], {
          cwd: dir,
          env: { DENO_DIR: denoDir, ...env },
          timeoutMs: 60_000,
        });
        assert.equal(r.code, 0, `${name}, ${round}: ${r.stderr}`);
        assert.deepEqual(r.stdout.trim().split("\n"), expected, `${name}, ${round}`);
        assert.deepEqual(
          npmLines(r.stderr, npmPort),
          [],
          `${name}, ${round}: ${r.stderr}`,
        );
        // Generous (a loaded machine): the old code's failed fetches cost about 2 s a
        // run, and its Download lines fail the line above whatever the time.
        assert.ok(r.ms < 30_000, `${name}, ${round}: ${r.ms} ms`);
      }
      // No npm package in the module cache either (Deno makes its folder, empty).
      assert.deepEqual(await filesUnder(`${denoDir}/npm`), [], name);
    }
    // The lockfile that the JSR programs wrote pins the library and no npm package.
    const lock = await Deno.readTextFile(`${dir}/deno.lock`);
    assert.match(lock, /@threading\/threading@0\.1\.0/);
    assert.doesNotMatch(lock, /logtape|"npm"/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The app's LogTape setup, run in every thread (the README's "Using your own logger"). */
function setupModule(lib: string): string {
  return `import { configure } from "@logtape/logtape";
import { logging } from "${lib}";
await configure({
  sinks: { out: logging.pythonSink({ format: "%(threadName)s %(name)s %(message)s", stream: Deno.stdout }) },
  loggers: [
    { category: "app", sinks: ["out"], lowestLevel: "debug" },
    { category: ["logtape", "meta"], lowestLevel: "warning" },
  ],
});
logging.configureEveryThread(import.meta.url);
`;
}

/** A program whose threads log through the adapter and through LogTape's own loggers. */
function logTapeProgram(lib: string): string {
  return `import "./setup.ts";
import { getLogger } from "@logtape/logtape";
import { logging, Thread } from "${lib}";
export function work() {
  logging.getLogger("app.work").debug("adapter in %s", "a thread");
  getLogger(["app", "own"]).info("LogTape in a thread");
}
if (import.meta.main) {
  logging.getLogger("app").info("starting");
  for (const name of ["one", "two"]) {
    const t = new Thread({ target: work, name });
    t.start();
    t.join();
  }
  console.log("main done");
}
`;
}

const LOGTAPE = [
  "MainThread app starting",
  "one app.work adapter in a thread",
  "one app.own LogTape in a thread",
  "two app.work adapter in a thread",
  "two app.own LogTape in a thread",
  "main done",
];

Deno.test("a program that uses LogTape gets its threads' records: from a JSR registry (cold, warm, --frozen) and by path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_logtape_" });
  const { server, port } = serve(dir);
  try {
    const host = `127.0.0.1:${port}`;
    // What `deno add jsr:@threading/threading npm:@logtape/logtape` writes.
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: {
          "@threading/threading": "jsr:@threading/threading@^0.1.0",
          "@logtape/logtape": "npm:@logtape/logtape@^2.4.2",
        },
      }),
    );
    await Deno.writeTextFile(`${dir}/setup.ts`, setupModule("@threading/threading"));
    await Deno.writeTextFile(`${dir}/main.ts`, logTapeProgram("@threading/threading"));
    const args = [`--allow-import=${host}`, "--allow-read=.", "main.ts"];
    // A fresh DENO_DIR: LogTape comes from the npm registry, as on a user's first run.
    for (const round of ["cold", "warm", "frozen"]) {
      const r = await runDeno([
        "run",
        ...(round === "frozen" ? ["--frozen"] : []),
        ...args,
      ], {
        cwd: dir,
        env: { DENO_DIR: `${dir}/deno_dir`, JSR_URL: `http://${host}/` },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `jsr, ${round}: ${r.stderr}`);
      assert.deepEqual(
        r.stdout.trim().split("\n"),
        LOGTAPE,
        `jsr, ${round}: ${r.stderr}`,
      );
    }
    assert.match(
      await Deno.readTextFile(`${dir}/deno.lock`),
      /npm:@logtape\/logtape@\^2\.4\.2/,
    );
    // The library from JSR takes the app's copy in its Workers: a thread's own
    // configuration is reset for the next thread on the same Worker.
    await Deno.writeTextFile(
      `${dir}/self.ts`,
      selfConfiguringProgram("@threading/threading"),
    );
    const self = await runDeno(["run", "--frozen", ...args.slice(0, -1), "self.ts"], {
      cwd: dir,
      env: { DENO_DIR: `${dir}/deno_dir`, JSR_URL: `http://${host}/` },
      timeoutMs: 60_000,
    });
    assert.equal(self.code, 0, `jsr self: ${self.stderr}`);
    checkSelfConfigured(self, "jsr self");

    // By path, the project's own cache (LogTape is in it: the project's tests use it).
    await Deno.mkdir(`${dir}/path`);
    await Deno.writeTextFile(
      `${dir}/path/deno.json`,
      JSON.stringify({ imports: { "@logtape/logtape": "npm:@logtape/logtape@^2.4.2" } }),
    );
    await Deno.writeTextFile(`${dir}/path/setup.ts`, setupModule(MOD));
    await Deno.writeTextFile(`${dir}/path/main.ts`, logTapeProgram(MOD));
    const r = await runDeno(["run", "--no-lock", "--allow-read", "main.ts"], {
      cwd: `${dir}/path`,
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, `path: ${r.stderr}`);
    assert.deepEqual(r.stdout.trim().split("\n"), LOGTAPE, `path: ${r.stderr}`);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Threads that configure the app's LogTape in their own code, one after another. */
function selfConfiguringProgram(lib: string): string {
  return `import { configureSync } from "@logtape/logtape";
import { logging, Thread } from "${lib}";
let jobs = 0; // per Worker: shows that threads reused a Worker
export function work(name: string) {
  jobs++;
  const seen: string[] = [];
  configureSync({
    sinks: { mem: (record) => seen.push(record.message.join("")) },
    loggers: [
      { category: "app", sinks: ["mem"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
  });
  logging.getLogger("app").debug("%s logged", name);
  console.log(\`\${name}: \${seen.join(",")} (job \${jobs})\`);
}
if (import.meta.main) {
  for (const name of ["t1", "t2", "t3"]) {
    const t = new Thread({ target: work, args: [name], name });
    t.start();
    t.join();
  }
  console.log("main done");
}
`;
}

/** Each thread's own configuration took its record; threads reused a Worker. */
function checkSelfConfigured(r: { stdout: string; stderr: string }, what: string): void {
  assert.equal(r.stderr, "", what);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(
    lines.map((line) => line.replace(/ \(job \d+\)$/, "")),
    ["t1: t1 logged", "t2: t2 logged", "t3: t3 logged", "main done"],
    what,
  );
  assert.ok(
    lines.some((line) => / \(job [23]\)$/.test(line)),
    `${what}: no reused Worker`,
  );
}

Deno.test("the app's LogTape by another version specifier (its lockfile, --frozen): a Worker resets a thread's own configuration with the app's copy, at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_logtape_exact_" });
  try {
    // `npm:@logtape/logtape@2.4.2`: the library's `^2.4.2` is then a specifier the
    // program never resolved. A Worker resolving it would wait for the main thread's
    // event loop (the main thread is blocked in start()): 60 s, then a ThreadError. It
    // takes the app's copy instead, the same module, which it resets between threads.
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({ imports: { "@logtape/logtape": "npm:@logtape/logtape@2.4.2" } }),
    );
    await Deno.writeTextFile(`${dir}/main.ts`, selfConfiguringProgram(MOD));
    for (const round of ["first", "frozen"]) {
      if (round === "frozen") {
        // The lockfile as the app's own imports make it: no `^2.4.2` of the library's.
        const lock = JSON.parse(await Deno.readTextFile(`${dir}/deno.lock`));
        delete lock.specifiers?.["npm:@logtape/logtape@^2.4.2"];
        await Deno.writeTextFile(`${dir}/deno.lock`, JSON.stringify(lock, null, 2));
      }
      const r = await runDeno(
        ["run", ...(round === "frozen" ? ["--frozen"] : []), "--allow-read", "main.ts"],
        { cwd: dir, timeoutMs: 90_000 },
      );
      assert.equal(r.code, 0, `${round}: ${r.stderr}`);
      checkSelfConfigured(r, round);
      // Well under the 60 s of a Worker waiting for the blocked main thread.
      assert.ok(r.ms < 30_000, `${round}: ${r.ms} ms`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
