// Copyright the threading for Deno authors. MIT license.
/**
 * Thread cost: many starts in a row keep Python's rule (each thread runs when `start()`
 * returns), the spare Workers booted ahead stay bounded, and `shutdown()` ends every
 * Worker (the memory a thread holds is given back with its Worker).
 */
import assert from "node:assert/strict";
import { Event, shutdown, Thread } from "../src/threading.ts";
import { MAX_SPARES, poolSize } from "../src/_pool.ts";
import { runDeno } from "./_subprocess.ts";

/** Counts itself in `out[0]`, then waits for the event. */
export function arriveAndWait(out: Int32Array, event: Event) {
  Atomics.add(out, 0, 1);
  event.wait();
}

Deno.test("Thread.start() in a loop: each thread runs when start() returns, spares stay bounded, shutdown() ends every Worker", async () => {
  const out = new Int32Array(new SharedArrayBuffer(4));
  const event = new Event();
  const threads: Thread[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      const thread = new Thread({ target: arriveAndWait, args: [out, event] });
      thread.start();
      assert.equal(thread.isAlive(), true);
      threads.push(thread);
      // Every started thread has its own Worker; spares come on top, at most MAX_SPARES.
      assert.ok(poolSize() >= i + 1);
      assert.ok(
        poolSize() <= i + 1 + MAX_SPARES,
        `pool of ${poolSize()} Workers for ${i + 1} threads`,
      );
    }
  } finally {
    event.set();
    for (const thread of threads) thread.join();
  }
  assert.equal(Atomics.load(out, 0), 12);
  await shutdown();
  assert.equal(poolSize(), 0);
});

Deno.test("threads constructed and never started boot no Worker; the first start boots theirs side by side", async () => {
  const fixture = new URL("./fixtures/construct_only.ts", import.meta.url).pathname;
  const run = async (...args: string[]) => {
    const result = await runDeno(["run", "--allow-read", fixture, ...args], {
      timeoutMs: 60_000,
    });
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trim();
  };
  // Before, a microtask booted 4 spare Workers as the program ended, only to end them.
  assert.equal(await run(), "pool 0");
  assert.equal(await run("wait"), "pool 0");
  // The first start() boots the Worker it runs on and spares for the other three.
  assert.match(await run("start"), /^pool [2-5]$/);
});
