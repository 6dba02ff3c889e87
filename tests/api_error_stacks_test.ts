// Copyright the threading for Deno authors. MIT license.
// The stack of every error a public call throws starts at the user's call: no frame of
// the library above it (finding 3 of ut7: the codec's recursive walk filled V8's 10
// frames with the library's; findings 4 of ut8 and 1 of h2: a refused start(), a bad
// timeout, a DeadlockError from the wait machinery showed minified frames `Cr`, `ct`,
// `gE` above the user's, and Deno's report of it uncaught the bundle's line as its code
// frame). Through mod.ts (the bundle) and the TypeScript modules, in real subprocesses:
// caught errors, Deno's report of an uncaught one (its code frame too), and the
// excepthook's report of a thread's. A function other threads must import by name,
// declared without export, is refused at the call (finding 5 of ut8: setExcepthook).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixture = new URL("./fixtures/api_error_stacks.ts", import.meta.url).pathname;

async function run(...args: string[]) {
  return await runDeno(["run", "--no-lock", "--allow-read", fixture, ...args], {
    timeoutMs: 120_000,
  });
}

for (const form of ["bundle", "modules"]) {
  const flags = form === "modules" ? ["--modules"] : [];
  Deno.test(`every public call that throws starts its stack at the user's line (${form})`, async () => {
    const { code, stdout, stderr } = await run(...flags);
    assert.equal(code, 0, stderr);
    const missing = stdout.split("\n").filter((l) => / (MISSING|DID-NOT-THROW)/.test(l));
    assert.deepEqual(missing, [], stdout);
    assert.match(stdout, /^all ok$/m);
    // The walk covers the deep refusals (the codec's, JSON data's) and the shallow ones.
    for (
      const label of [
        "Thread deep arg",
        "Queue.put deep",
        "SharedJSON deep",
        "Lock.release unlocked",
        "Thread closure target",
        "Lock.acquire bad timeout",
        "Queue.put shut down",
        "Barrier.wait broken",
        "Lock.acquire self-deadlock",
        "Thread.join deadlock",
        "setExcepthook hidden",
      ]
    ) {
      assert.match(stdout, new RegExp(`^${label} ok`, "m"));
    }
  });

  for (
    const [kind, call] of [
      ["start", "t.start();"],
      ["timeout", "new Lock().acquire(true, -5);"],
      ["deadlock", "t.join();"],
    ]
  ) {
    Deno.test(`an uncaught error of ${call} Deno's report shows the user's line first (${form})`, async () => {
      const { code, stderr } = await run("uncaught", kind, ...flags);
      assert.notEqual(code, 0);
      const report = stderr.slice(stderr.indexOf("error: Uncaught"));
      const lines = report.split("\n");
      const first = lines.findIndex((l) => /^\s+at /.test(l));
      assert.match(lines[first], /api_error_stacks\.ts:\d+:\d+$/, stderr);
      // Deno's code frame is the user's source line, not the library's `throw`.
      assert.ok(report.includes(`${call} // the line Deno's report must show`), stderr);
      assert.doesNotMatch(report, /throw new|_bundle|src\//, stderr);
    });
  }

  Deno.test(`start() refused for want of read permission names the user's line (${form})`, async () => {
    const { code, stdout, stderr } = await runDeno(
      ["run", "--no-lock", fixture, "noread", ...flags],
      { timeoutMs: 120_000 },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Thread\.start without read permission ok/m, stdout);
  });

  Deno.test(`a refused put() in a thread: the excepthook's report shows the thread's frame (${form})`, async () => {
    const { code, stderr } = await run("thread", ...flags);
    assert.equal(code, 0, stderr);
    assert.match(stderr, /^Exception in thread Thread-\d+ \(badPut\):$/m);
    assert.match(stderr, /^TypeError: Cannot put into the queue: /m);
    assert.match(
      stderr,
      /^\s+at badPut \(file:.*api_error_stacks\.ts:\d+:\d+\)$/m,
      stderr,
    );
  });
}
