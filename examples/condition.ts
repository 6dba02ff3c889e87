// Copyright the threading for Deno authors. MIT license.
/**
 * threading_condition: consumers wait on a Condition until the producer notifies them
 * all.
 *
 * Run with `deno task example:condition`.
 *
 * @module
 */
import { Condition, logging, sleep, Thread } from "../mod.ts";

/** wait for the condition and use the resource */
export function consumer(cond: Condition): void {
  logging.debug("Starting consumer thread");
  cond.with(() => {
    cond.wait();
    logging.debug("Resource is available to consumer");
  });
}

/** set up the resource to be used by the consumer */
export function producer(cond: Condition): void {
  logging.debug("Starting producer thread");
  cond.with(() => {
    logging.debug("Making resource available");
    cond.notifyAll();
  });
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "%(asctime)s (%(threadName)-2s) %(message)s",
  });

  const condition = new Condition();
  const c1 = new Thread({ name: "c1", target: consumer, args: [condition] });
  const c2 = new Thread({ name: "c2", target: consumer, args: [condition] });
  const p = new Thread({ name: "p", target: producer, args: [condition] });

  c1.start();
  sleep(200);
  c2.start();
  sleep(200);
  p.start();
}
