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
