// Copyright the threading for Deno authors. MIT license.
/**
 * The bootstrap of every Worker: a loop that takes one start job at a time from the
 * Worker's channel, finds the thread's code by reference, decodes its arguments, runs
 * it, reports through shared memory, and goes idle (warm) for the next thread.
 *
 * An idle Worker blocks in `Atomics.wait` on its `C_JOB` word and takes the job with
 * `receiveMessageOnPort`, so a warm start costs a futex round trip, not an event-loop
 * turn.
 *
 * @module
 */
import process from "node:process";
import { receiveMessageOnPort } from "node:worker_threads";
import { bootData, current } from "./_runtime.ts";
import { decode, importModule, importModules } from "./_codec.ts";
import { findExport } from "./_reference.ts";
import {
  C_JOB,
  C_STATE,
  type StartJob,
  type ToWorker,
  W_BOOTING,
  W_BUSY,
  W_CLOSED,
  W_IDLE,
} from "./_protocol.ts";
import {
  bootThread,
  currentThread,
  enterJob,
  handleUncaught,
  markEnded,
  markFailed,
  markRunning,
  Thread,
} from "./thread.ts";
// Every primitive registers how it travels when its module is evaluated.
import "../mod.ts";

class StartError extends Error {
  constructor(readonly kind: "TypeError" | "ThreadError", message: string) {
    super(message);
  }
}

async function loadExport(
  modules: readonly string[],
  name: string,
  source: string | undefined,
  what: string,
): Promise<unknown> {
  const misses: string[] = [];
  for (const url of modules) {
    let ns: Record<string, unknown>;
    try {
      ns = await importModule(url);
    } catch (error) {
      throw new StartError(
        "ThreadError",
        `the module ${url} failed to load in the new thread: ${
          (error as Error)?.message ?? error
        }`,
      );
    }
    const value = findExport(ns, name, source);
    if (value !== undefined) return value;
    misses.push(
      Object.hasOwn(ns, name)
        ? `${url} exports a different ${name} (is the target a closure, or a local function that shadows the export?)`
        : `${url} does not export ${name}`,
    );
  }
  throw new StartError(
    "TypeError",
    `the ${what} ${name} cannot be found by reference: ${
      misses.join("; ")
    }; export it from the module that creates the thread (\`export ${
      what === "class" ? "class" : "function"
    } ${name}…\`), or pass module: <URL of the module that exports it>`,
  );
}

/** Makes this Worker claimable for the next thread (before its joiners wake). */
function becomeIdle(): void {
  Atomics.store(control, C_STATE, W_IDLE);
}

/** The job whose thread runs now, if any. */
let running: StartJob | undefined;

async function runJob(job: StartJob): Promise<void> {
  enterJob(job);
  let thread: Thread;
  try {
    const code = job.code;
    let target: ((...args: unknown[]) => unknown) | undefined;
    let ctor: typeof Thread | undefined;
    if (code.kind === "target" && code.name !== "") {
      target = await loadExport(
        code.modules,
        code.name,
        code.source,
        "function",
      ) as never;
    } else if (code.kind === "both") {
      target = await loadExport(
        code.targetModules,
        code.targetName,
        code.source,
        "function",
      ) as never;
    }
    if (code.kind !== "target") {
      ctor = await loadExport(
        code.modules,
        code.name,
        undefined,
        "class",
      ) as typeof Thread;
      if (typeof ctor !== "function" || !(ctor.prototype instanceof Thread)) {
        throw new StartError(
          "TypeError",
          `the export ${code.name} is not a subclass of Thread in the new thread`,
        );
      }
    }
    await importModules(job.modules);
    const payload = decode(job.payload) as Parameters<typeof bootThread>[3];
    thread = bootThread(ctor, job, target, payload);
  } catch (error) {
    becomeIdle();
    markFailed(job, {
      name: error instanceof StartError ? error.kind : "ThreadError",
      message: (error as Error)?.message ?? String(error),
    });
    return;
  }
  if (!markRunning(job)) {
    becomeIdle();
    return;
  }
  running = job;
  try {
    await thread.run();
  } catch (error) {
    await handleUncaught(error, thread);
  } finally {
    running = undefined;
    becomeIdle();
    markEnded(job);
  }
}

const control = new Int32Array(bootData?.control ?? new SharedArrayBuffer(8));

async function loop(): Promise<void> {
  const port = bootData!.port;
  // A spare Worker (spawned without a job) becomes claimable once it has booted.
  Atomics.compareExchange(control, C_STATE, W_BOOTING, W_IDLE);
  for (;;) {
    const seen = Atomics.load(control, C_JOB);
    const received = receiveMessageOnPort(port);
    if (received === undefined) {
      Atomics.wait(control, C_JOB, seen);
      continue;
    }
    const message = received.message as ToWorker;
    if (message.type === "close" || Atomics.load(control, C_STATE) === W_CLOSED) break;
    Atomics.store(control, C_STATE, W_BUSY);
    await runJob(message);
  }
  port.close();
}

/**
 * An error thrown outside `run()`'s own chain (in a timer callback, a promise nobody
 * awaits) would end the Worker, and with it the thread, silently for its joiners. It goes
 * to the excepthook of the thread that runs, and the thread goes on.
 */
function catchStray(event: Event, error: unknown): void {
  event.preventDefault();
  handleUncaught(error, current.ident === 0 ? undefined : currentThread()).catch(
    () => {},
  );
}

if (bootData !== undefined) {
  globalThis.addEventListener("error", (e) => catchStray(e, (e as ErrorEvent).error));
  globalThis.addEventListener(
    "unhandledrejection",
    (e) => catchStray(e, (e as PromiseRejectionEvent).reason),
  );
  // process.exit() in thread code ends this Worker: end the thread first, so that a
  // joiner blocked in join() wakes (the main thread may not see the exit event then).
  const endRunning = () => {
    if (running !== undefined) markEnded(running);
    running = undefined;
  };
  process.on("exit", endRunning);
  // Deno.exit() in thread code fires "unload", not process "exit".
  globalThis.addEventListener("unload", endRunning);
  await loop();
}
