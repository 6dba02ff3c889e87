// Copyright the threading for Deno authors. MIT license.
/**
 * threading_subclass_args: a Thread subclass with its own constructor keeps `args` and
 * `kwargs` in fields of its own; the fields travel with the thread.
 *
 * Run with `deno task example:subclass_args`.
 *
 * @module
 */
import { logging, Thread } from "../mod.ts";

/** The constructor options of {@linkcode MyThreadWithArgs}, as Python's keywords. */
export interface MyThreadWithArgsOptions {
  /** Ignored, as in Python. */
  group?: null;
  /** The function to run, if any. */
  target?: (...args: never[]) => unknown;
  /** The thread's name. */
  name?: string;
  /** The positional arguments. */
  args?: unknown[];
  /** The keyword arguments. */
  kwargs?: Record<string, unknown>;
  /** Whether the thread is a daemon. */
  daemon?: boolean;
}

/** A thread that keeps its arguments where `run()` can see them. */
export class MyThreadWithArgs extends Thread {
  /** The positional arguments. */
  args: unknown[];
  /** The keyword arguments. */
  kwargs: Record<string, unknown> | undefined;

  /** Keeps `args` and `kwargs` in fields. */
  constructor(
    { group, target, name, args = [], kwargs, daemon }: MyThreadWithArgsOptions = {},
  ) {
    super({ group, target, name, daemon });
    this.args = args;
    this.kwargs = kwargs;
  }

  /** Runs in the new thread. */
  override run(): void {
    logging.debug("running with %s and %s", this.args, this.kwargs);
  }
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "(%(threadName)-10s) %(message)s",
  });

  for (let i = 0; i < 5; i++) {
    const t = new MyThreadWithArgs({ args: [i], kwargs: { a: "A", b: "B" } });
    t.start();
  }
}
