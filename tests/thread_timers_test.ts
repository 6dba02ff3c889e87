// Copyright the threading for Deno authors. MIT license.
// A thread's pending timers end with it, in a real subprocess: nothing of an ended
// thread runs in the next thread of its reused Worker, or while the Worker is idle.
import assert from "node:assert/strict";

Deno.test("timers a thread leaves pending are cleared when it ends (not run in the next thread)", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("./fixtures/left_timers.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(stdout, "end\n", `stdout: ${stdout}\nstderr: ${stderr}`);
  assert.equal(stderr, "");
});
