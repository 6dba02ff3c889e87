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
 * | this copy loaded (a Worker that reset or drained) | LogTape's `getLogger` | reset or drain its configuration |
 *
 * ## Never in the program's module graph
 *
 * Deno builds a program's module graph from its static imports and from every `import()`
 * whose specifier is a string literal, and fetches the graph before the program runs. The
 * specifier here is a constant, not a literal, so that a program that imports the
 * library never fetches LogTape: one that never logs, or logs through `basicConfig` (the
 * adapter needs no LogTape), reaches no npm registry at all (no `Download` line; offline
 * or air-gapped, no wait for a registry that does not answer). A program that uses
 * LogTape imports it itself (`deno add npm:@logtape/logtape`): that import puts LogTape in
 * the program's graph, its lockfile and a `deno compile` binary, and a Worker's
 * {@linkcode loadLogTape} takes that very module (see `importLogTape`). Types are
 * not affected: the `import type` below gives `deno check`, editors and JSR (which lists
 * LogTape as the package's dependency, so that its npm layer installs it for Node and
 * Bun) the real types.
 *
 * | what the program imports | LogTape fetched | this copy in a Worker whose thread uses LogTape |
 * | --- | --- | --- |
 * | the library only (logging or not) | never | none (no thread uses LogTape) |
 * | LogTape from npm, a version `^2.4.2` takes (`npm:@logtape/logtape@^2.4.2`, `@2.4.2`, ...) | by the program's own import | the program's module, imported by its file: reset and drained |
 * | another copy of LogTape (JSR's, an older major) | by the program's own import only | none: the adapter logs through the tree; a thread's own configuration on a reused Worker cannot be reset (said once, `_log_config.ts`) |
 *
 * The main thread never loads this copy: its logger calls reach LogTape through the
 * tree. A Worker loads it between threads (before a thread's code loads, or once it has
 * ended), never inside a logger call.
 *
 * On Node and Bun this copy is `@logtape/logtape` from `node_modules` (no module graph is
 * fetched ahead there). If it cannot load (not in `node_modules` while another copy is in
 * use), or on Deno the program's file of it cannot load, the library still works and the
 * adapter logs without this copy. The failure is said once on stderr (what failed, how to
 * fix it) when the adapter is used in a thread where the load failed; a thread that never
 * logs through the adapter hears nothing.
 *
 * @module
 */
import type * as LogTape from "npm:@logtape/logtape@^2.4.2";
import { isDeno } from "./_platform.ts";
import { writeStderr } from "./_output.ts";

/**
 * The specifier of this library's copy of LogTape: Deno's `npm:` specifier (no import map
 * needed), the bare name on Node and Bun (from `node_modules`). A constant, never a
 * literal inside `import()`: Deno's module graph must not hold it (see the module doc).
 */
export const LOGTAPE_SPECIFIER: string = isDeno
  ? "npm:@logtape/logtape@^2.4.2"
  : "@logtape/logtape";

let loaded: typeof LogTape | undefined;
let loading: Promise<typeof LogTape | undefined> | undefined;

/**
 * Imports this library's copy of LogTape, on Deno only if the program has it already:
 * `import.meta.resolve` gives its file in the npm cache when the program resolved
 * `npm:@logtape/logtape@^2.4.2` (its own import of LogTape, of that or a matching
 * version), and the `npm:` specifier itself when not. A Worker never imports an npm
 * version the program has not resolved: Deno resolves it only when the main thread's
 * event loop turns (with a lockfile), and a pending resolution holds up every other npm
 * import of that Worker, so a thread would wait for a blocked main thread (`start()`
 * failing after 60 s). The program's copy, imported by its file, is the very module the
 * program loaded (one module per URL).
 *
 * @returns LogTape's module, or `undefined` where the program does not have this copy.
 */
function importLogTape(): Promise<unknown> {
  if (!isDeno) return import(LOGTAPE_SPECIFIER);
  let url: string;
  try {
    url = import.meta.resolve(LOGTAPE_SPECIFIER);
  } catch (error) {
    return Promise.reject(error);
  }
  return url.startsWith("npm:") ? Promise.resolve(undefined) : import(url);
}

/**
 * Loads this library's copy of LogTape (once per thread). A failure is kept, and said
 * once the adapter is used in this thread (see the module doc).
 *
 * @returns LogTape's module, or `undefined` if it cannot load.
 */
export function loadLogTape(): Promise<typeof LogTape | undefined> {
  return loading ??= (importLogTape() as Promise<typeof LogTape | undefined>).then(
    (module) => loaded = module,
    (error) => {
      failure = error ?? new Error("unknown error");
      reportFailure();
      return undefined;
    },
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
  // Not loadable (see loadLogTape) is `undefined` too: the configuration in use is then
  // another copy's.
  return logTapeInUse() ? await loadLogTape() : undefined;
}

/** @internal Whether this thread loaded this library's copy of LogTape (for tests). */
export function logTapeLoaded(): boolean {
  return loaded !== undefined;
}

/** Why this thread's load of LogTape failed, once it has. */
let failure: unknown;
/** Whether the adapter has been used in this thread (a logger looked LogTape up). */
let adapterUsed = false;
let reported = false;

/** The words of a failed load: what failed, what still works, how to fix it. */
function failureMessage(error: unknown): string {
  const fix = isDeno
    ? "let Deno fetch it (run without --no-npm; with --cached-only, run once online or `deno install` first)"
    : "install it next to the program (`npm install @logtape/logtape`, or `npx jsr add @threading/threading`)";
  return `threading: the logging adapter cannot load LogTape (${LOGTAPE_SPECIFIER}): ${
    (error as Error)?.message ?? String(error)
  }. Records go to basicConfig's handler or, from WARNING up, to stderr; a LogTape configuration of this library's copy is not used. To fix it, ${fix}.\n`;
}

/** Says once, on stderr, that LogTape failed to load, once both it failed and the adapter was used. */
function reportFailure(): void {
  if (reported || failure === undefined || !adapterUsed) return;
  reported = true;
  writeStderr(failureMessage(failure));
}
