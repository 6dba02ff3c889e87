// Copyright the threading for Deno authors. MIT license.
/**
 * threading_local: the attributes of a `local` object are per thread; a value set in one
 * thread is not seen in the others.
 *
 * Run with `deno task example:local`.
 *
 * @module
 */
import { local, logging, Thread } from "../mod.ts";

/** Logs this thread's `value` of `data`, if it has one. */
export function showValue(data: local): void {
  const val = data.value;
  if (val === undefined) {
    logging.debug("No value yet");
  } else {
    logging.debug("value=%s", val);
  }
}

/** Sets this thread's own value. */
export function worker(data: local): void {
  showValue(data);
  data.value = Math.floor(Math.random() * 100) + 1;
  showValue(data);
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const localData = new local();
  showValue(localData);
  localData.value = 1000;
  showValue(localData);

  for (let i = 0; i < 2; i++) {
    const t = new Thread({ target: worker, args: [localData] });
    t.start();
  }
}
