// Copyright the threading for Deno authors. MIT license.
/**
 * threading_local_defaults: a `local` subclass's constructor runs again, with the same
 * arguments, the first time each thread touches the object, so that every thread starts
 * with the same value.
 *
 * Run with `deno task example:local_defaults`.
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

/** Thread-local data whose every thread starts with `value`. */
export class MyLocal extends local {
  /** This thread's value. */
  declare value: number;

  /** Runs once in each thread that uses the object. */
  constructor(value: number) {
    super(value);
    logging.debug("Initializing %r", this);
    this.value = value;
  }
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  const localData = new MyLocal(1000);
  showValue(localData);

  for (let i = 0; i < 2; i++) {
    const t = new Thread({ target: worker, args: [localData] });
    t.start();
  }
}
