// Copyright the threading for Deno authors. MIT license.
// The stack of every error a public call throws shows the user's call (finding 3 of
// ut7: the codec's recursive walk filled V8's 10 frames with the library's, so that
// `start()` and `put()` refusals named no line of the program). Through mod.ts (the
// bundle) and the TypeScript modules, in real subprocesses: caught errors, Deno's report
// of an uncaught one (its code frame too), and the excepthook's report of a thread's.
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
  Deno.test(`every public call that refuses its input names the user's line (${form})`, async () => {
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
      ]
    ) {
      assert.match(stdout, new RegExp(`^${label} ok`, "m"));
    }
  });

  Deno.test(`an uncaught refusal of start(): Deno's report shows the user's line first (${form})`, async () => {
    const { code, stderr } = await run("uncaught", ...flags);
    assert.notEqual(code, 0);
    const lines = stderr.split("\n");
    const first = lines.findIndex((l) => /^\s+at /.test(l));
    assert.match(lines[first], /api_error_stacks\.ts:\d+:\d+$/, stderr);
    // Deno's code frame is the user's source line, not the library's `throw`.
    assert.match(stderr, /t\.start\(\); \/\/ the line Deno's report must show/);
    assert.doesNotMatch(stderr, /throw new TypeError/);
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
