// Copyright the threading for Deno authors. MIT license.
// Nothing of a finished thread stays reachable: many lifecycles with a fresh 1 MiB
// argument each, the heap after gc sampled in the main thread and in the reused
// Workers, in real subprocesses. Only the bound that proves no growth is asserted; the
// figures are in bench/lifecycle_bench.ts.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const fixture = new URL("./fixtures/lifecycles.ts", import.meta.url).pathname;
const MIB = 1 << 20;
/** Growth allowed after the first sample: a leak of 1 MiB a lifecycle is 250 MiB here. */
const BOUND = 24 * MIB;

async function sample(
  mode: "sync" | "chain" | "async",
  atOnce: number,
): Promise<{ main: number[]; workers: number[] }> {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      "--v8-flags=--expose-gc",
      fixture,
      mode,
      "300",
      String(atOnce),
      "50",
    ],
    { timeoutMs: 120_000 },
  );
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

function assertFlat(what: string, heaps: number[]): void {
  assert.ok(heaps.length >= 5 && heaps.every((h) => h > 0), `${what}: ${heaps}`);
  const growth = Math.max(...heaps.slice(1)) - heaps[0];
  const shown = heaps.map((h) => (h / MIB).toFixed(0)).join(", ");
  assert.ok(
    growth < BOUND,
    `${what} heap grew by ${(growth / MIB).toFixed(0)} MiB: ${shown}`,
  );
}

Deno.test("a synchronous loop of 300 thread lifecycles with 1 MiB arguments keeps nothing of them", async () => {
  const { main, workers } = await sample("sync", 1);
  assertFlat("main thread", main);
  assertFlat("reused Worker", workers);
});

Deno.test("300 lifecycles 8 at a time with 1 MiB arguments keep nothing of them", async () => {
  const { main, workers } = await sample("sync", 8);
  assertFlat("main thread", main);
  // Samples come from several Workers: no one of them may hold the threads it ran.
  assertFlat("Workers", [Math.min(...workers), ...workers]);
});

Deno.test("a started Thread keeps no arguments, even while a WeakRef keeps it (sent to the next thread)", async () => {
  const { main, workers } = await sample("chain", 1);
  assertFlat("main thread", main);
  assertFlat("reused Worker", workers);
});

Deno.test("a reused Worker keeps nothing of the Shareable objects its threads received", async () => {
  const { main, workers } = await sample("async", 1);
  assertFlat("main thread", main);
  assertFlat("reused Worker", workers);
});
