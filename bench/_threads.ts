// Copyright the threading for Deno authors. MIT license.
/**
 * Starts a {@linkcode Crew} on this library's threads.
 *
 * @module
 */
import { Thread } from "../mod.ts";
import { Crew } from "./_crew.ts";

/**
 * Starts `parties` daemon threads that each run `target(...argsFor(ctl, index))`, where
 * `target` is an export of `module` that calls `crewLoop(ctl, …)`; returns once every
 * thread is in its loop. Stopping the crew joins the threads.
 *
 * @param module `import.meta.url` of the module that exports `target`.
 * @param parties Number of threads.
 * @param target The exported thread function.
 * @param argsFor The arguments of thread `index`.
 * @returns The running crew.
 */
export function launch(
  module: string,
  parties: number,
  // deno-lint-ignore no-explicit-any
  target: (...args: any[]) => void,
  argsFor: (ctl: Int32Array, index: number) => unknown[],
): Crew {
  const crew = new Crew(parties);
  const threads: Thread[] = [];
  crew.onStop(() => {
    for (const thread of threads) thread.join();
  });
  for (let i = 0; i < parties; i++) {
    const thread = new Thread({
      target,
      args: argsFor(crew.ctl, i),
      daemon: true,
      module,
    });
    thread.start();
    threads.push(thread);
  }
  crew.waitReady();
  return crew;
}
