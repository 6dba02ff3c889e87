// Copyright the threading for Deno authors. MIT license.
// Process-level behaviour, in real subprocesses: exit rules, the excepthook's output,
// threads that cannot start.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

async function run(
  file: string,
  flags: string[] = ["--allow-read"],
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return await runDeno(
    ["run", "--no-lock", ...flags, new URL(file, fixtures).pathname, ...args],
    { timeoutMs: 30_000 },
  );
}

Deno.test("the process waits for non-daemon threads and kills daemon threads", async () => {
  const { code, stdout, ms } = await run("exit_daemon.ts");
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n");
  assert.ok(lines.includes("main exiting"));
  assert.equal(lines.filter((l) => l === "non-daemon exiting").length, 2, stdout);
  assert.ok(lines.includes("starter exiting"));
  assert.ok(lines.includes("daemon starting"));
  assert.ok(!lines.includes("daemon exiting"), "the daemon died with the process");
  assert.ok(ms < 3000 + 2000, `ended before the daemon's 3 s sleep would (${ms} ms)`);
});

Deno.test("an uncaught error goes to the excepthook: default output, then a hook set in main", async () => {
  const { code, stdout, stderr } = await run("excepthook.ts");
  assert.equal(code, 0);
  assert.match(
    stderr,
    /^Exception in thread first:\nRangeError: bad value in thread\n\s+at fails/m,
  );
  // The printed traceback ends in the user's frames (as CPython's): none of the
  // library's job loop or the runtime's below them; error.stack itself keeps them.
  const traceback = stderr.slice(stderr.indexOf("Exception in thread first:"));
  const frames = traceback.split("\n").filter((line) => /^\s+at /.test(line));
  assert.ok(frames.length > 0, stderr);
  assert.ok(frames.every((line) => line.includes("excepthook.ts")), traceback);
  assert.ok(!/_worker\.ts|src\/thread\.ts|_bundle|ext:|node:/.test(traceback), traceback);
  assert.ok(stdout.includes("joined first, alive=false"));
  // The cause chain, as CPython prints __cause__: the deepest cause first.
  assert.match(
    stderr,
    /^Exception in thread caused:\nTypeError: root cause\n(?:\s+at [^\n]*\n)+\nThe above exception was the direct cause of the following exception:\n\nError: middle\n(?:\s+at [^\n]*\n)+\nThe above exception was the direct cause of the following exception:\n\nRangeError: outer\n\s+at failsWithCause/m,
  );
  assert.ok(stdout.includes("hook: RangeError: bad value in thread in second"), stdout);
  assert.match(stdout, /hook stack has the library's frames: true/);
  assert.ok(!stderr.includes("Exception in thread second"));
  assert.ok(stdout.indexOf("hook:") < stdout.indexOf("joined second"));
});

Deno.test("start() fails with how to fix it when the target's module fails to load", async () => {
  const { code, stdout } = await run("bad_import.ts");
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^ThreadError: Cannot start thread "Thread-1 \(worker\)": the module .*_throws_in_worker\.ts failed to load in the new thread: .*refuses to load in a Worker/m,
  );
});

Deno.test("start() without --allow-read fails fast and says to add it", async () => {
  const { code, stdout, ms } = await run("no_read.ts", []);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /^ThreadError: Cannot start thread .*needs read permission.*--allow-read/m,
  );
  assert.ok(ms < 10_000);
});

Deno.test("a thread starts a thread while the main thread is blocked in join()", async () => {
  const { code, stdout } = await run("nested_while_blocked.ts");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "leaf wrote 42");
});

Deno.test("errors outside run()'s chain go to the excepthook; process.exit() in a thread ends only it", async () => {
  const { code, stdout, stderr } = await run("stray_errors.ts");
  assert.equal(code, 0);
  assert.deepEqual(stdout.trim().split("\n"), [
    "detached still running after the errors",
    "joined stray; alive=false",
    "joined quitter; alive=false",
  ]);
  assert.match(stderr, /Exception in thread stray:\nError: thrown in a timer/);
  assert.match(stderr, /Exception in thread stray:\nError: rejected and never handled/);
});

Deno.test("a stray error the thread's own listener handled (preventDefault) is not the excepthook's; one it only looked at is", async () => {
  const { code, stdout, stderr } = await run("handled_rejections.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  for (
    const line of [
      "looked at: rejection nobody handles",
      "handled rejection: rejection the thread handles",
      "handled error: error the thread handles",
      "handles goes on",
    ]
  ) assert.ok(lines.includes(line), `${line}\nstdout: ${stdout}`);
  assert.equal(lines.at(-1), "main done");
  assert.match(stderr, /Exception in thread looks:\nError: rejection nobody handles/);
  assert.doesNotMatch(stderr, /Exception in thread handles/);
});

Deno.test("every way a thread's Worker ends makes join() return, whatever the main thread is blocked in", async () => {
  const { code, stdout, stderr } = await run("thread_exits.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.pop(), "main done");
  assert.equal(lines.length, 16);
  for (const line of lines) {
    const r = JSON.parse(line);
    assert.equal(r.aliveAfter, false, line);
    // Within 1 s on a quiet machine (120 to 400 ms here, thread start included); today
    // Deno.exit() and close() hang forever. Generous for a loaded machine.
    assert.ok(r.joinedMs >= 0 && r.joinedMs < 3000, line);
  }
  // Deno.exit(n) in a thread ends that thread only (as Python's sys.exit in a thread).
  assert.ok(!stderr.includes("Deno.exit"), stderr);
});

for (const form of ["bundle", "modules"]) {
  Deno.test(`Deno.exit()/process.exit() in a thread unwind it as Python's SystemExit: finally blocks run, lock.with() releases, the thread ends silently (${form})`, async () => {
    const { code, stdout, stderr } = await run("exit_unwinds.ts", ["--allow-read"], [
      form,
    ]);
    assert.equal(code, 0, stderr);
    // Before: no "finally ran", and "lock held true" from the first thread on (the
    // Worker ended at once; the Lock stayed held for ever).
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "Deno.exit: finally ran",
      "inWith: alive false, lock held false",
      "process.exit: finally ran",
      "inWith: alive false, lock held false",
      "async: finally ran",
      "afterAwait: alive false, lock held false",
      "caught: SystemExit",
      "catchesAll: alive false, lock held false",
      "inTimer: alive false, lock held false",
      "main done",
    ], stderr);
    assert.equal(stderr, "");
  });
}

Deno.test("a thread out of memory ends alone, at its Worker's heap limit, through the excepthook", async () => {
  const { code, stdout, stderr } = await run("thread_exits.ts", [
    "--allow-read",
    "--v8-flags=--max-old-space-size=64",
  ], ["oom"]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.pop(), "main done");
  for (const line of lines) {
    const r = JSON.parse(line);
    assert.equal(r.aliveAfter, false, line);
    assert.ok(r.joinedMs >= 0 && r.joinedMs < 10_000, line);
  }
  assert.match(stderr, /^Exception in thread oom\/join:\nRangeError: Out of memory/m);
});

const library = new URL("../mod.ts", import.meta.url).href;

/** Programs whose module fails while a thread loads it: start() must say why, at once. */
const BOOT_FAILURES: [string, string, RegExp][] = [
  [
    "exits",
    `import process from "node:process";\nif (!import.meta.main) process.exit(2);`,
    /main\.ts ended its Worker \(process\.exit\(2\)\) while the new thread loaded it/,
  ],
  [
    "Deno.exit",
    `if (!import.meta.main) Deno.exit(2);`,
    /main\.ts ended its Worker \(Deno\.exit\(2\)\) while the new thread loaded it/,
  ],
  [
    "throws",
    `if (!import.meta.main) throw new Error("refuses to load in a thread");`,
    /main\.ts failed to load in the new thread: .*refuses to load in a thread/,
  ],
  [
    "syntax",
    `export const options = { module: new URL("./broken.ts", import.meta.url) };`,
    /broken\.ts failed to load in the new thread: .*(SyntaxError|Expected|Unexpected)/s,
  ],
  [
    "unresolvable",
    `if (!import.meta.main) await import("./missing.ts");`,
    /main\.ts failed to load in the new thread: .*missing\.ts/s,
  ],
  [
    "permission",
    `if (!import.meta.main) Deno.readTextFileSync("/etc/hostname");`,
    /main\.ts failed to load in the new thread: .*Requires read access.*--allow-read/s,
  ],
];

Deno.test("a boot failure fails start() at once, with the real cause", async () => {
  const dir = await Deno.makeTempDir({ prefix: "threading_boot_" });
  try {
    for (const [name, prelude, expected] of BOOT_FAILURES) {
      const main = `${dir}/${name}/main.ts`;
      await Deno.mkdir(`${dir}/${name}`);
      await Deno.writeTextFile(`${dir}/${name}/broken.ts`, "export function work( {\n");
      await Deno.writeTextFile(
        main,
        `import { Thread } from "${library}";
export function work() { console.log("work ran"); }
${prelude}
${name === "syntax" ? "" : "const options = {};"}
if (import.meta.main) {
  const t0 = performance.now();
  try {
    new Thread({ target: work, ...options }).start();
    console.log("started");
  } catch (error) {
    const e = error as Error;
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ error: \`\${e.name}: \${e.message}\`, ms }));
  }
}
`,
      );
      const lib = decodeURIComponent(new URL("../", import.meta.url).pathname);
      const r = await run(main, [`--allow-read=${lib},${dir}/${name}`]);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      assert.match(out.error, /^ThreadError: Cannot start thread/, name);
      assert.match(out.error, expected, `${name}: ${out.error}`);
      // Within 1 s on a quiet machine (a Worker's boot included); today 60 s for the
      // exits. Generous for a loaded machine.
      assert.ok(out.ms < 5000, `${name}: ${out.ms} ms`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a program without the import.meta.main guard is refused at once, without recursion", async () => {
  const { code, stdout, stderr, ms } = await run("unguarded.ts");
  assert.notEqual(code, 0);
  // The main thread's top level ran once, the thread's import of it once.
  assert.equal(stdout, "top-level code runs\ntop-level code runs\n");
  assert.match(
    stderr,
    /ThreadError: Cannot start thread "Thread-1 \(worker\)": the module .*unguarded\.ts failed to load in the new thread: cannot start a thread from the top-level code of .*unguarded\.ts while a new thread imports it .*Start threads from a function, or guard the program's main code with `if \(import\.meta\.main\) \{ … \}` .*in a test or bench module \(deno test, deno bench\) import\.meta\.main is false, so that guard never runs: there, start threads inside the test or bench function, or guard with `if \(currentThread\(\) === mainThread\(\)\) \{ … \}`/,
  );
  // No thread the user never created is named (the copy of the top level's thread).
  assert.doesNotMatch(stderr, /Thread-2/);
  // Today: 134 nested threads and 2.2 GB in 10 s, and no end.
  assert.ok(ms < 10_000, `${ms} ms`);
});

Deno.test("mainThread().join() in a thread returns once the main thread's code has finished", async () => {
  const { code, stdout, stderr } = await run("join_main.ts");
  assert.equal(code, 0, stderr);
  // Today the process hangs forever after main's last line.
  assert.deepEqual(stdout.trim().split("\n"), [
    "waiter: main alive=true",
    "main: last line",
    "waiter: main joined, alive=false",
    "enumerate: MainThread,Thread-1 (waiter); activeCount: 2",
  ]);
});

Deno.test("an async target awaiting a promise that nothing can settle ends with a clear ThreadError, not as out of memory", async () => {
  const { code, stdout, stderr } = await run("never_settles.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.pop(), "main done");
  assert.equal(lines.length, 6, stdout);
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(JSON.parse(lines[2 * round]), {
      round,
      alive: false,
      joinedFast: true,
    });
    // The Worker is lost (its event loop ended); the pool serves the next thread.
    assert.equal(lines[2 * round + 1], "next thread wrote 42");
    assert.match(
      stderr,
      new RegExp(
        `^Exception in thread never-${round}:\\nThreadError: the thread's async target awaits a promise that nothing can settle: its event loop ran empty`,
        "m",
      ),
    );
  }
  assert.ok(!stderr.includes("Out of memory"), stderr);
  assert.ok(!stderr.includes("its Worker ended"), stderr);
});

for (const form of ["bundle", "modules"]) {
  Deno.test(`a thread's own Atomics.waitAsync keeps it alive until notified or timed out; a promise nothing can settle after it is still reported (${form})`, async () => {
    const { code, stdout, stderr } = await run("raw_wait_async.ts", ["--allow-read"], [
      form,
    ]);
    assert.equal(code, 0, stderr);
    // Before: "Exception in thread Thread-1 (untimed): ThreadError: ... nothing can
    // settle" at once for the first two threads, and no "untimed: ok"/"timed: timed-out".
    assert.deepEqual(stdout.trimEnd().split("\n"), [
      "untimed: ok",
      "timed: timed-out",
      "timed alive after join: false",
      "thenNever: timed-out",
      "thenNever alive after join: false",
      "main done",
    ], stderr);
    assert.match(
      stderr,
      /^Exception in thread thenNever:\nThreadError: the thread's async target awaits a promise that nothing can settle/,
    );
    assert.equal(stderr.match(/Exception in thread/g)?.length, 1, stderr);
  });
}

Deno.test("a hook set with setExcepthook gets the report of a thread whose event loop ran empty", async () => {
  const { code, stdout, stderr } = await run("never_settles.ts", ["--allow-read"], [
    "hook",
  ]);
  assert.equal(code, 0, stderr);
  for (let round = 0; round < 3; round++) {
    assert.ok(
      stdout.includes(
        `hook: ThreadError in never-${round}: the thread's async target awaits a promise that`,
      ),
      stdout,
    );
  }
  assert.equal(stderr, "");
});
