// Copyright the threading for Deno authors. MIT license.
// The logging adapter's caller fields name this file's functions and lines, from the
// shapes of frame each runtime prints (a function, a method, a private method, a static
// method, an async function after an await, an arrow), in a thread and on the main
// thread; a logging error's "Call stack:" starts at this file's line (`log_caller` of
// `run.ts`). THREADING_FORM=modules loads the TypeScript modules instead of mod.ts (the
// bundle). Each logging call's line ends with a `// at:<name>` mark that run.ts finds.
import process from "node:process";

const lib: typeof import("../../mod.ts") = process.env.THREADING_FORM === "modules"
  ? await import("../../src/threading.ts")
  : await import("../../mod.ts");
const { logging, Thread } = lib;
const log = logging.getLogger("app");

class Job {
  #step(): void {
    log.info("private"); // at:private
  }
  run(): void {
    this.#step();
    log.info("method"); // at:method
  }
  static make(): Job {
    logging.info("static"); // at:static
    return new Job();
  }
}

async function later(): Promise<void> {
  await Promise.resolve();
  log.info("async"); // at:async
}

/** Logs from each shape of function. */
export async function work(): Promise<void> {
  log.info("function"); // at:function
  Job.make().run();
  await later();
  [0].forEach(() => log.info("arrow")); // at:arrow
}

if (import.meta.main) {
  logging.basicConfig({
    level: logging.DEBUG,
    format: "%(threadName)s|%(filename)s|%(module)s|%(funcName)s|%(lineno)d|%(message)s",
  });
  const thread = new Thread({ target: work, name: "T" });
  thread.start();
  thread.join();
  await work();
  logging.info("%d %d", 1); // at:error
}
