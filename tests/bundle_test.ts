// Copyright the threading for Deno authors. MIT license.
/**
 * The bundle that `mod.ts` loads (`src/_bundle/threading.js`, and the logging entry
 * `src/_bundle/logging.js`): that the committed files are what `deno task build` makes
 * from the sources now, and that programs run the same through the bundle as through
 * the TypeScript modules (`src/threading.ts`), in subprocesses with real Workers.
 *
 * Two copies of the project in a temporary folder, with the examples and the fixtures
 * as they are (importing `mod.ts`):
 *
 * | copy | `mod.ts` | `src/*.ts` |
 * | --- | --- | --- |
 * | `bundle` | the real one (it re-exports the bundle) | each replaced by a module that throws ("the TypeScript module ... was loaded") |
 * | `source` | `export * from "./src/threading.ts"` | the real ones (no bundle) |
 *
 * A program, or a thread's Worker, of the `bundle` copy that loaded any TypeScript
 * module of the library would fail, and say which.
 */
import assert from "node:assert/strict";
import { build, LINE_LIMIT } from "../tools/build.ts";
import { runDeno } from "./_subprocess.ts";

const ROOT = new URL("../", import.meta.url);
const BUNDLE_DIR = new URL("src/_bundle/", ROOT);
const BUNDLE = new URL("threading.js", BUNDLE_DIR);

/** What a replaced TypeScript module of the library throws when it is loaded. */
const LOADED = "bundle_test: the TypeScript module";

/** The fixtures the copies hold (beside the examples). */
const FIXTURES = [
  "bundle_roads.ts",
  "deadlock_two_locks.ts",
  "two_copies.ts",
  "two_copies_thread.ts",
  "logging_entry_thread.ts",
];

type Form = "bundle" | "source";

let copies: Promise<Record<Form, URL>> | undefined;

/** The two copies' folders (made once, removed by the last test). */
function projectCopies(): Promise<Record<Form, URL>> {
  return copies ??= (async () => ({
    bundle: await makeCopy("bundle"),
    source: await makeCopy("source"),
  }))();
}

async function makeCopy(form: Form): Promise<URL> {
  const root = new URL(
    `file://${await Deno.makeTempDir({ prefix: `threading-${form}-` })}/`,
  );
  const stub = (path: string) =>
    `throw new Error(${JSON.stringify(`${LOADED} ${path} was loaded`)});\n`;
  for (const folder of ["src/_bundle/", "examples/", "tests/fixtures/"]) {
    await Deno.mkdir(new URL(folder, root), { recursive: true });
  }
  if (form === "bundle") {
    await Deno.copyFile(new URL("mod.ts", ROOT), new URL("mod.ts", root));
    for await (const entry of Deno.readDir(BUNDLE_DIR)) {
      await Deno.copyFile(
        new URL(entry.name, BUNDLE_DIR),
        new URL(`src/_bundle/${entry.name}`, root),
      );
    }
  } else {
    await Deno.writeTextFile(
      new URL("mod.ts", root),
      'export * from "./src/threading.ts";\n',
    );
  }
  for await (const entry of Deno.readDir(new URL("src/", ROOT))) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      const to = new URL(`src/${entry.name}`, root);
      if (form === "bundle") await Deno.writeTextFile(to, stub(`src/${entry.name}`));
      else await Deno.copyFile(new URL(`src/${entry.name}`, ROOT), to);
    }
  }
  for await (const entry of Deno.readDir(new URL("examples/", ROOT))) {
    if (entry.isFile) {
      await Deno.copyFile(
        new URL(`examples/${entry.name}`, ROOT),
        new URL(`examples/${entry.name}`, root),
      );
    }
  }
  for (const name of FIXTURES) {
    await Deno.copyFile(
      new URL(`tests/fixtures/${name}`, ROOT),
      new URL(`tests/fixtures/${name}`, root),
    );
  }
  return root;
}

/** Runs a fixture of `tests/fixtures/` in a copy of the project. */
async function runFixture(name: string, form: Form, args: string[] = []) {
  const root = (await projectCopies())[form];
  return await runDeno(["run", "--allow-read=.", `tests/fixtures/${name}`, ...args], {
    cwd: root,
    stdin: "null",
    timeoutMs: 60_000,
  });
}

Deno.test("the committed bundle is what `deno task build` makes from the sources now", async () => {
  const built = await build();
  const committed = [];
  for await (const entry of Deno.readDir(BUNDLE_DIR)) committed.push(entry.name);
  assert.deepEqual(committed.sort(), Object.keys(built).sort());
  for (const [name, text] of Object.entries(built)) {
    const fresh = new TextEncoder().encode(text);
    const file = await Deno.readFile(new URL(name, BUNDLE_DIR));
    const same = fresh.length === file.length && fresh.every((b, i) => b === file[i]);
    assert.ok(
      same,
      `src/_bundle/${name} is not what tools/build.ts makes from src/ now ` +
        `(${file.length} bytes committed, ${fresh.length} built): run deno task build ` +
        "and commit src/_bundle/",
    );
  }
});

Deno.test("the bundle has the types of src/threading.ts, its exports, and imports only cheap node: built-ins and LogTape", async () => {
  const text = await Deno.readTextFile(BUNDLE);
  assert.ok(text.startsWith('// @ts-self-types="../threading.ts"\n'), text.slice(0, 200));
  assert.match(text.split("\n")[1], /^\/\/ Generated by `deno task build`/);
  // No LogTape inside (it is loaded at its first use, as by mod.ts), no source map.
  assert.ok(!text.includes("logtape.levelFilters"), "LogTape's code is bundled in");
  assert.ok(!text.includes("sourceMappingURL"), "the bundle has a source map");
  // esbuild breaks a long string with a line continuation (`\` and a line break).
  const joined = text.replaceAll("\\\n", "");
  const specifiers = new Set(
    [
      ...joined.matchAll(
        /\bimport\s*(?:[\w$]+|\{[^}]*\}|\*\s*as\s+[\w$]+)\s*from\s*"([^"]+)"|\bimport\s*\(\s*"([^"]+)"\s*\)/g,
      ),
    ]
      .map((m) => m[1] ?? m[2]),
  );
  assert.ok(specifiers.has("node:worker_threads"), [...specifiers].join(", "));
  // The same cheap node: built-ins as the modules (see worker_modules_test.ts): node:fs,
  // node:url and node:util are loaded at their first use, never statically.
  const cheap = [
    "node:async_hooks",
    "node:module",
    "node:process",
    "node:timers",
    "node:v8",
    "node:worker_threads",
  ];
  for (const specifier of specifiers) {
    assert.ok(
      cheap.includes(specifier) || /^(npm:)?@logtape\/logtape(@|$)/.test(specifier),
      `the bundle imports ${specifier}`,
    );
  }
  // The exports of mod.ts (the bundle) and of the logging entry are those of the
  // TypeScript modules.
  const keys = async (entry: string) => {
    const out = await runDeno([
      "eval",
      `const m = await import(${JSON.stringify(new URL(entry, ROOT).href)});` +
      `console.log(Object.keys(m).sort().join(","))`,
    ], { stdin: "null", timeoutMs: 60_000 });
    assert.equal(out.stderr, "", entry);
    assert.ok(out.stdout.split(",").length > 10, `${entry}: ${out.stdout}`);
    return out.stdout;
  };
  assert.equal(await keys("mod.ts"), await keys("src/threading.ts"));
  assert.equal(await keys("src/_bundle/logging.js"), await keys("src/logging.ts"));
});

Deno.test("the bundle's lines are short: Node and Bun print the line an uncaught error was thrown at", async () => {
  const lines = (await Deno.readTextFile(BUNDLE)).split("\n");
  assert.ok(lines.length > 1000, `${lines.length} lines`);
  const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
  // About LINE_LIMIT (120) characters; esbuild breaks a line at the first place it can
  // past the limit, and the header's comment lines are longer.
  assert.ok(longest.length <= 4 * LINE_LIMIT, `a line of ${longest.length}: ${longest}`);
});

Deno.test("every example prints the same shape through the bundle, loading no TypeScript module of the library", async () => {
  const root = (await projectCopies()).bundle;
  const out = await runDeno([
    "test",
    "--allow-read",
    "--allow-run",
    "--allow-env",
    "--filter",
    "every example prints",
    new URL("tests/examples_test.ts", ROOT).pathname,
  ], {
    cwd: ROOT,
    stdin: "null",
    timeoutMs: 300_000,
    env: { THREADING_EXAMPLES_ROOT: root.pathname },
  });
  assert.ok(out.success, out.stdout + out.stderr);
  assert.match(
    out.stdout,
    /every example prints the shape of its seed's output \.\.\. ok/,
  );
  assert.ok(!out.stdout.includes(LOADED), out.stdout);
});

Deno.test("a thread through the bundle: a library target, local, shared data, a Lock and a Queue, threads starting threads, logging, the excepthook", async () => {
  const modules = await runFixture("bundle_roads.ts", "source");
  const bundle = await runFixture("bundle_roads.ts", "bundle");
  const source = await Deno.readTextFile(new URL("tests/fixtures/bundle_roads.ts", ROOT));
  const lineOf = (mark: string) =>
    source.split("\n").findIndex((line) => line.includes(`// ${mark}`)) + 1;
  for (const [through, run] of [["modules", modules], ["bundle", bundle]] as const) {
    const context = `through ${through}:\n${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, context);
    assert.ok(!(run.stdout + run.stderr).includes(LOADED), context);
    const stdout = run.stdout.split("\n");
    for (
      const line of [
        "sleep as a target: slept",
        "a library function as an argument: true caller",
        "a library function as an argument: true callee",
        "kid-0 done",
        "kid-1 done",
        "parent saw 2",
        "list: kid-0,kid-1; count: 2",
        "local in thread: none",
        "local in thread after set: thread's",
        "local in main: main's",
        "end",
      ]
    ) {
      assert.ok(stdout.includes(line), `${line}: ${context}`);
    }
    const stderr = run.stderr.split("\n");
    // The logging adapter: the thread's name, and the caller's file and line.
    assert.ok(
      stderr.includes(
        `log: logger bundle_roads.ts:${lineOf("the log call")} a record from a thread`,
      ),
      context,
    );
    // The excepthook: the thread's name, the error, the frame of the throw.
    const at = stderr.indexOf("Exception in thread failing:");
    assert.ok(at >= 0, context);
    assert.equal(stderr[at + 1], "Error: raised in a thread", context);
    assert.match(
      stderr[at + 2],
      new RegExp(
        `^ {4}at fails \\(file:.*/tests/fixtures/bundle_roads\\.ts:${
          lineOf("the throw")
        }:`,
      ),
      context,
    );
  }
});

Deno.test("the deadlock report through the bundle names the user's lines, never the bundle's", async () => {
  const run = await runFixture("deadlock_two_locks.ts", "bundle");
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^main: DeadlockError true after \d+ ms$/m,
    run.stdout + run.stderr,
  );
  assert.match(run.stderr, /^Deadlock: every thread is blocked/m);
  const source = await Deno.readTextFile(
    new URL("tests/fixtures/deadlock_two_locks.ts", ROOT),
  );
  const lineOf = (mark: string) =>
    source.split("\n").findIndex((l) => l.includes(`// ${mark} waits here`)) + 1;
  for (const [fn, mark] of [["left ", "left"], ["right ", "right"], ["", "main"]]) {
    const at = `${fn}${fn ? "\\(" : ""}file:[^\\n]*deadlock_two_locks\\.ts:${
      lineOf(mark)
    }:`;
    assert.match(run.stderr, new RegExp(`at ${at}`), `${mark}: ${run.stderr}`);
  }
  assert.ok(!run.stderr.includes("threading.js"), run.stderr);
  assert.ok(!run.stderr.includes(LOADED), run.stderr);
});

Deno.test("two copies of the library in one thread are a ThreadError, not a hang", async () => {
  // Before the check, the main thread ran both copies silently, and the thread's start
  // hung: the second copy's Worker bootstrap ran a second job loop in its Worker.
  const run = (args: string[]) =>
    runDeno(["run", "--allow-read=.", "tests/fixtures/two_copies.ts", ...args], {
      cwd: ROOT,
      stdin: "null",
      timeoutMs: 60_000,
    });
  const main = await run(["main"]);
  assert.equal(main.code, 0, main.stderr);
  assert.match(
    main.stdout,
    /^main: ThreadError: Cannot load file:.*\/src\/threading\.ts: this thread already loaded another copy of @threading\/threading, file:.*\/src\/_bundle\/threading\.js\./m,
    main.stdout + main.stderr,
  );
  const thread = await run(["thread"]);
  assert.equal(thread.code, 0, thread.stderr);
  assert.ok(!thread.killed, "the start hung");
  assert.match(
    thread.stdout,
    /^start: ThreadError: Cannot start thread "Thread-1 \(work\)": the module file:.*\/two_copies_thread\.ts failed to load in the new thread: Cannot load file:.*\/src\/threading\.ts: this thread already loaded another copy/m,
    thread.stdout + thread.stderr,
  );
});

Deno.test("mod.ts and the logging entry are one copy of the library, in the main thread and in threads", async () => {
  // With the logging entry on the TypeScript modules and mod.ts on the bundle, this
  // program was refused as two copies.
  for (const form of ["repository", "bundle"] as const) {
    const args = ["run", "--allow-read=.", "tests/fixtures/two_copies.ts", "logging"];
    const cwd = form === "bundle" ? (await projectCopies()).bundle : ROOT;
    const run = await runDeno(args, { cwd, stdin: "null", timeoutMs: 60_000 });
    assert.equal(run.code, 0, `${form}: ${run.stdout}${run.stderr}`);
    assert.match(run.stdout, /^logging entry: same copy$/m, `${form}: ${run.stdout}`);
    assert.match(
      run.stderr,
      /logging-thread: from the thread$/m,
      `${form}: ${run.stderr}`,
    );
    assert.ok(!(run.stdout + run.stderr).includes(LOADED), run.stdout + run.stderr);
  }
});

Deno.test("the project copies are removed", async () => {
  if (copies === undefined) return;
  for (const root of Object.values(await copies)) {
    await Deno.remove(root, { recursive: true });
  }
});
