// Copyright the threading for Deno authors. MIT license.
// A thread's pending timers end with it, in a real subprocess: nothing of an ended
// thread runs in the next thread of its reused Worker, or while the Worker is idle.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

Deno.test("timers a thread leaves pending are cleared when it ends (not run in the next thread)", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("./fixtures/left_timers.ts", import.meta.url).pathname,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "end\n", `stdout: ${stdout}\nstderr: ${stderr}`);
  assert.equal(stderr, "");
});

Deno.test("no road leaves an ended thread's timers or late errors to the next thread of its Worker (node:timers, node:timers/promises, setImmediate, microtasks, rejections)", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("./fixtures/left_node_timers.ts", import.meta.url).pathname,
    ],
    { timeoutMs: 90_000 },
  );
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.deepEqual(stdout.trimEnd().split("\n"), [
    // A rejection with no handler is its own thread's, before its end or after it (I/O).
    "excepthook: Error: early rejection in earlyRejection",
    "excepthook: NotFound: No such file or directory (os error 2): readfile '/nonexistent/file' in ioRejection",
    // A microtask chain runs out before the next thread starts (a macrotask between),
    // and currentThread() there is still its own thread.
    "microtask chain of microtasks ran in microtasks",
    // Every thread ran in one reused Worker: what did not print did not run there.
    "this Worker ran 31 threads",
    "end",
  ]);
});
