// Copyright the threading for Deno authors. MIT license.
// Idle retirement of pooled Workers (src/_pool.ts), in a real subprocess: the Workers of a
// burst of threads are ended once idle beyond the warm set, and give back their memory.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixture = new URL("./fixtures/idle_retire.ts", import.meta.url).pathname;

Deno.test("Workers idle beyond the warm set are ended after THREADING_IDLE_TIMEOUT ms, also while the main thread is blocked; a burst within it reuses them", async () => {
  const { code, stdout, stderr } = await runDeno(
    ["run", "--no-lock", "--allow-read", "--allow-env=THREADING_IDLE_TIMEOUT", fixture],
    { timeoutMs: 90_000, env: { THREADING_IDLE_TIMEOUT: "1500" } },
  );
  assert.equal(code, 0, stderr);
  const [first, last, blocked] = stdout.trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  // Every thread of the burst had its own Worker, and the second burst found them warm.
  assert.ok(first.afterBurst >= first.n, stdout);
  assert.ok(first.afterSecond <= first.afterBurst + 1, stdout);
  // Then all but the warm set were ended, after about the idle time (generous: loaded
  // machines, and the check runs every second).
  assert.equal(first.afterIdle, first.warmSet, stdout);
  assert.ok(first.retiredMs >= 500 && first.retiredMs < 30_000, stdout);
  // Their memory is given back (most of it: the allocator keeps some).
  assert.ok(first.rssIdle < first.rssBurst, stdout);
  assert.ok(last.afterLast >= 2 && last.afterLast <= first.warmSet + 1, stdout);
  // A main thread blocked past the idle time retired them all the same.
  assert.ok(blocked.beforeBlocked >= first.n, stdout);
  assert.equal(blocked.afterBlocked, first.warmSet, stdout);
});
