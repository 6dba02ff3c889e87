// Copyright the threading for Deno authors. MIT license.
/**
 * threading_barrier_abort: `abort()` breaks the barrier; every thread waiting at it gets
 * a BrokenBarrierError.
 *
 * Run with `deno task example:barrier_abort`.
 *
 * @module
 */
import { Barrier, BrokenBarrierError, currentThread, sleep, Thread } from "../mod.ts";

/** Waits at the barrier, which is aborted before it fills. */
export function worker(barrier: Barrier): void {
  console.log(
    currentThread().name,
    `waiting for barrier with ${barrier.nWaiting} others`,
  );
  let workerId: number;
  try {
    workerId = barrier.wait();
  } catch (error) {
    if (!(error instanceof BrokenBarrierError)) throw error;
    console.log(currentThread().name, "aborting");
    return;
  }
  console.log(currentThread().name, "after barrier", workerId);
}

const NUM_THREADS = 3;

if (import.meta.main) {
  const barrier = new Barrier(NUM_THREADS + 1);

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

  barrier.abort();

  for (const t of threads) {
    t.join();
  }
}
