// Copyright the threading for Deno authors. MIT license.
/**
 * threading_barrier: threads block at a Barrier until all of its parties have arrived,
 * then all go on together; `wait()` returns each one's arrival index.
 *
 * Run with `deno task example:barrier`.
 *
 * @module
 */
import { Barrier, currentThread, sleep, Thread } from "../mod.ts";

/** Waits at the barrier, then says which party it was. */
export function worker(barrier: Barrier): void {
  console.log(
    currentThread().name,
    `waiting for barrier with ${barrier.nWaiting} others`,
  );
  const workerId = barrier.wait();
  console.log(currentThread().name, "after barrier", workerId);
}

const NUM_THREADS = 3;

if (import.meta.main) {
  const barrier = new Barrier(NUM_THREADS);

  const threads = Array.from(
    { length: NUM_THREADS },
    (_, i) =>
      new Thread({
        name: `worker-${i}`,
        target: worker,
        args: [barrier],
      }),
  );

  for (const t of threads) {
    console.log(t.name, "starting");
    t.start();
    sleep(100);
  }

  for (const t of threads) {
    t.join();
  }
}
