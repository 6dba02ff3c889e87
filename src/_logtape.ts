// Copyright the threading for Deno authors. MIT license.
/**
 * LogTape, the one logging library the library builds on, loaded by the specifier each
 * runtime resolves: Deno an inline `npm:` specifier (so that the library loads the same
 * from JSR, from a file and over https, with no import map of the app's), Node and Bun
 * the bare name, from the app's `node_modules` (`npx jsr add @threading/threading`, or
 * `npm install @logtape/logtape` next to a copy of the sources). The other `src/` files
 * reach LogTape's values through here, and import its types from the `npm:` specifier
 * (types are erased: Node's type stripping and Bun never load them).
 *
 * ## Loaded when a thread uses LogTape, not by every Worker
 *
 * Every Worker loads the library (a thread's module imports `mod.ts`), and LogTape is
 * about 1 MB of each Worker's memory. A Worker loads it only once some copy of LogTape
 * made its logger tree in that Worker (LogTape 2.4 makes it when imported; `getLogger()`
 * and `configure()` make it in every version), the one state through which LogTape can
 * take a record. The tree lives on `globalThis` (`Symbol.for("logtape.rootLogger")`),
 * shared by every copy of LogTape in a thread, so its absence is a synchronous proof
 * that no configuration of LogTape exists there:
 *
 * | state of this thread | a logger call (synchronous) | the Worker between threads (asynchronous) |
 * | --- | --- | --- |
 * | no tree, this copy not loaded | LogTape takes nothing: {@linkcode findLogTapeLogger} is `undefined` | nothing to reset or drain |
 * | a tree (the thread's code or a setup module imported LogTape), this copy not loaded | the tree's logger of the category (`root.getChild(category)`, what `getLogger` returns) | {@linkcode loadLogTape}, then reset or drain its configuration |
 * | this copy loaded (the main thread starts loading it at once) | LogTape's `getLogger` | reset or drain its configuration |
 *
 * The main thread loads LogTape with the library, so that the program's module graph
 * holds it (cached before a Worker needs it, on the cold cache of a JSR install). A
 * Worker's {@linkcode loadLogTape} then imports it from the cache, between threads
 * (before a thread's code loads, or once it has ended), never inside a logger call.
 *
 * If the main thread cannot load LogTape (Deno with `--no-npm`, or offline with a cold
 * cache; Node or Bun without it in `node_modules`), the library still loads and the
 * adapter logs without LogTape. The failure is said once on stderr (what failed, how to
 * fix it) when the adapter is first used (a logger looks LogTape up), or when the load
 * fails if that came first; a program that never logs hears nothing.
 *
 * @module
 */
import type * as LogTape from "npm:@logtape/logtape@^2.4.2";
import { isMainThread } from "node:worker_threads";
import { isDeno } from "./_platform.ts";
import { writeStderr } from "./_output.ts";

let loaded: typeof LogTape | undefined;
let loading: Promise<typeof LogTape> | undefined;

/**
 * Loads this library's copy of LogTape (once per thread).
 *
 * @returns LogTape's module.
 */
export function loadLogTape(): Promise<typeof LogTape> {
  return loading ??=
    (isDeno
      ? import("npm:@logtape/logtape@^2.4.2")
      : import("@logtape/logtape") as Promise<typeof LogTape>).then((module) =>
        loaded = module
      );
}

/** The key of LogTape's logger tree on `globalThis`, the same in every copy of LogTape. */
const ROOT = Symbol.for("logtape.rootLogger");

/**
 * Whether LogTape is in use in this thread: this copy is loaded, or some copy of LogTape
 * made its logger tree here (a `getLogger()`, a `configure()`). Without either, no
 * LogTape configuration exists in this thread.
 */
export function logTapeInUse(): boolean {
  return loaded !== undefined || (globalThis as Record<symbol, unknown>)[ROOT] != null;
}

/**
 * LogTape's logger of a category, without loading LogTape: from this copy's `getLogger`
 * when loaded, else from the logger tree that another copy made; `undefined` while no
 * copy made the tree (then LogTape takes no record in this thread).
 *
 * @param category The category (`[]` for the root logger).
 * @returns The logger, or `undefined`.
 */
export function findLogTapeLogger(
  category: readonly string[],
): LogTape.Logger | undefined {
  if (loaded !== undefined) return loaded.getLogger(category);
  if (!adapterUsed) {
    adapterUsed = true;
    reportFailure();
  }
  const root = (globalThis as Record<symbol, LogTape.Logger | undefined>)[ROOT];
  if (root == null) return undefined;
  return category.length === 0 ? root : root.getChild(category as [string, ...string[]]);
}

/**
 * This copy of LogTape if LogTape is in use in this thread (loading it if need be), else
 * `undefined`: what a Worker resets or drains between threads.
 *
 * @returns LogTape's module, or `undefined`.
 */
export async function logTapeIfInUse(): Promise<typeof LogTape | undefined> {
  return logTapeInUse() ? await loadLogTape() : undefined;
}

/** @internal Whether this thread loaded this library's copy of LogTape (for tests). */
export function logTapeLoaded(): boolean {
  return loaded !== undefined;
}

/** Why the main thread's load of LogTape failed, once it has. */
let failure: unknown;
/** Whether the adapter has been used in this thread (a logger looked LogTape up). */
let adapterUsed = false;
let reported = false;

/** The words of a failed load: what failed, what still works, how to fix it. */
function failureMessage(error: unknown): string {
  const specifier = isDeno ? "npm:@logtape/logtape@^2.4.2" : "@logtape/logtape";
  const fix = isDeno
    ? "let Deno fetch it (run without --no-npm; with --cached-only, run once online or `deno install` first)"
    : "install it next to the program (`npm install @logtape/logtape`, or `npx jsr add @threading/threading`)";
  return `threading: the logging adapter cannot load LogTape (${specifier}): ${
    (error as Error)?.message ?? String(error)
  }. Records go to basicConfig's handler or, from WARNING up, to stderr; a LogTape configuration of this library's copy is not used. To fix it, ${fix}.\n`;
}

/** Says once, on stderr, that LogTape failed to load, once both it failed and the adapter was used. */
function reportFailure(): void {
  if (reported || failure === undefined || !adapterUsed) return;
  reported = true;
  writeStderr(failureMessage(failure));
}

// Started, not awaited: a top-level await would make every module that imports this one
// an async module, in every Worker too (see the entry's note in `_pool.ts`). Until it
// has loaded, logger calls find LogTape's tree as a Worker does. A failure is said once
// the program uses the adapter (not to a program that never logs).
if (isMainThread) {
  loadLogTape().catch((error) => {
    failure = error ?? new Error("unknown error");
    reportFailure();
  });
}
