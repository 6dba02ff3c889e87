// Copyright the threading for Deno authors. MIT license.
/**
 * The library under `deno test`: a non-daemon thread left running by a test fails that
 * test, as Deno's sanitizers fail a test that leaves a timer or an op behind.
 *
 * Under `deno run` the process waits for its non-daemon threads (`keepAlive` in
 * `_pool.ts`, CPython's `threading._shutdown()`). `deno test` does not: once the last
 * test has run, the process ends and kills every Worker, so a thread that a test
 * started and did not join would die silently, its output and its errors lost, and the
 * run would pass. Python's unittest does not join threads either; here the test is
 * told instead:
 *
 * | when | what | how |
 * | --- | --- | --- |
 * | before each test (`Deno.test.beforeEach`) | the next thread ident is noted | `H_NEXT_IDENT` |
 * | after each test (`Deno.test.afterEach`) | the non-daemon threads started during the test and still alive get {@linkcode GRACE_MS} to end (one that has just put its result and is returning) | `Atomics.waitAsync` on `H_NON_DAEMON` |
 * | then, if some are still alive | the test fails with a `ThreadError` that names them and where they wait (`dumpThreads()`'s words) | the hook throws |
 * | at the end of the run (`unload`) | the non-daemon threads still alive (one started at a module's top level, or by a test that failed for it) are listed on stderr, as killed | `writeStderr` |
 *
 * Daemon threads are exempt, as at a program's exit: make a thread that is meant to
 * outlive its test a daemon. Registered once, when the main thread loads the library
 * on Deno (the hooks do nothing under `deno run`); not on Node and Bun.
 *
 * @module
 */
import { H_NEXT_IDENT, H_NON_DAEMON, runtime } from "./_runtime.ts";
import { describeNonDaemon } from "./dump.ts";
import { ThreadError } from "./errors.ts";
import { writeStderr } from "./_output.ts";

/** Milliseconds a test's non-daemon threads get to end after it, before it fails. */
export const GRACE_MS = 2000;

interface TestHooks {
  beforeEach(fn: () => void): void;
  afterEach(fn: () => Promise<void>): void;
}

/** `Deno.test` with its hooks (Deno 2.5 and later), on Deno's main thread only. */
function testHooks(): TestHooks | undefined {
  if (!runtime.isMain) return undefined;
  const deno = (globalThis as { Deno?: { test?: unknown } }).Deno;
  const test = deno?.test as Partial<TestHooks> | undefined;
  if (typeof test?.beforeEach !== "function" || typeof test.afterEach !== "function") {
    return undefined;
  }
  return test as TestHooks;
}

/** The first ident of the threads the current test starts. */
let testFrom = 0;
/** Set once a test has run: this is a test run. */
let testing = false;

/**
 * Resolves when the test's non-daemon threads have ended, or after `ms`: an async wait
 * on their count, with a timer that keeps the event loop alive (`Atomics.waitAsync`
 * does not).
 */
async function settle(ms: number): Promise<void> {
  const i32 = runtime.i32;
  const until = performance.now() + ms;
  while (describeNonDaemon(testFrom) !== undefined) {
    const left = until - performance.now();
    if (left <= 0) return;
    const n = Atomics.load(i32, H_NON_DAEMON);
    const step = Math.min(left, 50);
    const result = Atomics.waitAsync(i32, H_NON_DAEMON, n, step);
    if (!result.async) continue;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      result.value,
      new Promise((resolve) => timer = setTimeout(resolve, step + 5)),
    ]);
    clearTimeout(timer);
  }
}

const hooks = testHooks();
if (hooks !== undefined) {
  try {
    hooks.beforeEach(() => {
      testing = true;
      testFrom = Atomics.load(runtime.i32, H_NEXT_IDENT);
    });
    hooks.afterEach(async () => {
      await settle(GRACE_MS);
      const left = describeNonDaemon(testFrom);
      testFrom = Atomics.load(runtime.i32, H_NEXT_IDENT);
      if (left === undefined) return;
      throw new ThreadError(
        `the test left non-daemon threads running (still alive ${
          GRACE_MS / 1000
        } s after it ended):\n${left}\njoin() them before the test ends (a daemon thread is not waited for): deno test does not wait for threads, so the end of the run kills them, their output and errors lost`,
      );
    });
    globalThis.addEventListener("unload", () => {
      if (!testing) return;
      const left = describeNonDaemon(2);
      if (left === undefined) return;
      writeStderr(
        `threading: the test run ends with non-daemon threads alive, which it kills (their output and errors are lost):\n${left}\n`,
      );
    });
  } catch {
    // Hooks registered while a test runs (the library imported inside a test): none.
  }
}
