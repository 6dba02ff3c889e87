// Copyright the threading for Deno authors. MIT license.
// What a thread's Worker holds beyond a bare Worker, through the bundle: V8's used heap
// when the thread's code runs, against a bare node:worker_threads Worker's when its code
// runs, in a real subprocess (tests/fixtures/worker_heap.ts). The README's "The cost of
// a thread" gives the RSS figures (bench/thread_cost.ts).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

/**
 * Most heap a thread's Worker may hold beyond a bare Worker, in KiB: 1.26 MiB measured
 * (1.12 MiB before the fixes of 2026-11-30's fresh user tests added 20 KB to the bundle,
 * 204.7 -> 224.6 KB, and its short lines 15 KiB; RSS a thread at 60 threads 14.20 ->
 * 14.28 MB, the node floor 12.15; 1.5 MiB before the Worker's bookkeeping stopped
 * reading `globalThis.Temporal`, 170 KiB, and before the bundle stopped naming its
 * internal functions at boot, 200 KiB).
 */
const BOUND_KIB = 1350;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

Deno.test("a thread's Worker through the bundle holds at most 1.35 MiB of heap more than a bare Worker", async () => {
  const { code, stdout, stderr } = await runDeno(
    [
      "run",
      "--no-lock",
      "--allow-read",
      new URL("./fixtures/worker_heap.ts", import.meta.url).pathname,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(code, 0, stderr);
  const { thread, bare } = JSON.parse(stdout) as { thread: number[]; bare: number[] };
  assert.ok(thread.every((kb) => kb > 0) && bare.every((kb) => kb > 0), stdout);
  const beyond = median(thread) - median(bare);
  assert.ok(
    beyond <= BOUND_KIB,
    `a thread's Worker holds ${beyond} KiB of heap more than a bare Worker (bound ${BOUND_KIB}): ${stdout}`,
  );
});

Deno.test("the bundle keeps the names of its exported classes and functions, and of the logging namespace's", async () => {
  // tools/build.ts drops the naming of internal functions only (see dropInternalNames).
  const bundle = new URL("../src/_bundle/threading.js", import.meta.url).href;
  const code = `const lib = await import(${JSON.stringify(bundle)});
const wrong = [];
for (const [space, ns] of [["", lib], ["logging.", lib.logging]]) {
  for (const [key, value] of Object.entries(ns)) {
    if (typeof value === "function" && value.name !== key) wrong.push(space + key + " is named " + value.name);
  }
}
console.log(JSON.stringify(wrong));`;
  const { code: status, stdout, stderr } = await runDeno(
    ["eval", "--no-lock", code],
    { timeoutMs: 60_000 },
  );
  assert.equal(status, 0, stderr);
  assert.deepEqual(JSON.parse(stdout), []);
});
