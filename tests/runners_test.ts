// Copyright the threading for Deno authors. MIT license.
// The library under Deno's other runners, in real subprocesses: `deno test`,
// `deno bench`, `deno run --watch`, and Ctrl-C. A test or bench module's
// import.meta.main is false, so the advice of the library's errors must be one that
// works there.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const runners = new URL("./fixtures/runners/", import.meta.url);
const fixture = (name: string) => new URL(name, runners).pathname;

Deno.test("deno bench: a top-level start is refused with advice that works in a bench module, and following it works with no warning", async () => {
  const bad = await runDeno(
    ["bench", "--no-lock", "--allow-read", fixture("unguarded.bench.ts")],
    { timeoutMs: 60_000 },
  );
  assert.notEqual(bad.code, 0);
  const out = bad.stdout + bad.stderr;
  // Before: only "Guard the program's main code with `if (import.meta.main)`", which is
  // false in a bench module: following it never started the thread (a DeadlockError).
  assert.match(
    out,
    /ThreadError: Cannot start thread "Thread-1 \(echo\)": .*in a test or bench module \(deno test, deno bench\) import\.meta\.main is false, so that guard never runs: there, start threads inside the test or bench function, or guard with `if \(currentThread\(\) === mainThread\(\)\) \{ … \}`/,
  );
  const good = await runDeno(
    ["bench", "--no-lock", "--allow-read", fixture("guarded.bench.ts")],
    { timeoutMs: 120_000 },
  );
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /queue ping-pong/);
  // Before: "RuntimeWarning: a Lock was created at the top level of this module …" for
  // a Lock that only the main thread's benches use.
  assert.doesNotMatch(good.stdout + good.stderr, /RuntimeWarning|Error/);
});

Deno.test("deno test: threads started in the test or under currentThread() === mainThread() run, with no warning", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["test", "--no-lock", "--allow-read", fixture("guarded_tests.ts")],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /squares 1 4 9/);
  assert.match(stdout, /ok \| 2 passed \| 0 failed/);
  assert.doesNotMatch(stdout + stderr, /RuntimeWarning/);
});
