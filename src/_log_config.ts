// Copyright the threading for Deno authors. MIT license.
/**
 * The configuration of the logging adapter: `basicConfig`, logger levels and the app's
 * setup modules, kept as JSON in the shared runtime (`SharedTextKey.LOGGING`) so that one
 * configuration holds in every thread.
 *
 * | shared field | set by | a thread applies it |
 * | --- | --- | --- |
 * | `handler` (format, datefmt, stream) | `basicConfig` | on its next logger call |
 * | `levels` (by logger name) | `basicConfig({ level })`, `setLevel` | on its next logger call |
 * | `modules` (URLs) | `configureEveryThread` | before the code of each thread it starts |
 *
 * Ordering: a change is visible to a thread's next logger call (one `Atomics.load` of
 * the text's version). In a Worker, before each thread's modules load: first a LogTape
 * configuration that the previous thread's code made (with this library's copy of
 * LogTape) is reset (its sinks disposed), then every setup module this Worker has not
 * run is imported, in the order registered; a module whose configuration was replaced
 * runs again under a new URL. When the thread's code has ended (its excepthook
 * included), the Worker drains LogTape's sinks (at most 10 s) before the thread is
 * marked ended: the thread's records are written before `join()` returns. LogTape
 * itself is never configured here. A Worker loads this library's copy of LogTape for
 * those steps only once a copy of LogTape is in use in it (`_logtape.ts`): in a Worker
 * whose threads never touched LogTape there is nothing to reset or drain.
 *
 * @module
 */
import { RangeError, TypeError } from "./_caller_stack.ts";
import { stderr, stdout } from "./_platform.ts";
import { logTapeIfInUse, logTapeInUse } from "./_logtape.ts";
import { getIdent } from "./thread_functions.ts";
import { writeStderr } from "./_output.ts";
import {
  readSharedText,
  SharedTextKey,
  sharedTextVersion,
  writeSharedText,
} from "./_runtime.ts";
import { pyRepr } from "./_format.ts";
import { compileFormat, type LineFormat } from "./_log_format.ts";
import { tracebackText } from "./_traceback.ts";
import {
  BASIC_FORMAT,
  clock,
  type Level,
  type SyncWriter,
  toLevel,
} from "./_log_record.ts";
import {
  emitLine,
  immediate,
  type LogTapeRecord,
  type LogTapeSink,
} from "./_log_logtape.ts";

/**
 * Writes the library's own notice to stderr; a failure is dropped (stderr closed): as
 * CPython's logging, the machinery around the user's logging calls never raises.
 */
function sayQuietly(text: string): void {
  try {
    writeStderr(text);
  } catch {
    // stderr is gone: nothing can be said.
  }
}

/** The options of {@linkcode basicConfig}, as Python's keyword arguments. */
export interface BasicConfigOptions {
  /** The root logger's level. */
  level?: Level;
  /** The line format, with `%(field)s` fields. @default {"%(levelname)s:%(name)s:%(message)s"} */
  format?: string;
  /** The `time.strftime` format of `%(asctime)s`; by default `2018-05-01 15:39:49,561`. */
  datefmt?: string;
  /** Where lines go. @default {"stderr"} */
  stream?: "stderr" | "stdout" | SyncWriter;
  /** Replace an existing `basicConfig` configuration. */
  force?: boolean;
  /** Only `"%"` is supported. @default {"%"} */
  style?: "%";
}

// ---------------------------------------------------------------------------------------
// The shared configuration

/** The configuration every thread applies, as JSON in the shared runtime. */
interface SharedConfig {
  /** The root handler of `basicConfig`, or null before it. */
  handler: {
    format: string;
    datefmt: string | null;
    stream: "stderr" | "stdout" | "local";
    /** The ident of the thread whose local stream `"local"` means. */
    owner: number;
  } | null;
  /** Levels set on loggers, by name (`""` for the root). */
  levels: Record<string, number>;
  /** The modules every thread runs before its code ({@linkcode configureEveryThread}). */
  modules: string[];
  /** When logging started, ms since the epoch (for `relativeCreated`). */
  start: number;
}

/** This thread's view of the logging configuration. */
export const state = {
  /** The shared text version applied (0: none was ever written). */
  version: 0,
  /** Bumped at each change applied here: loggers cache their levels against it. */
  generation: 1,
  config: { handler: null, levels: {}, modules: [], start: clock.start } as SharedConfig,
  /** The line format of the root handler. */
  line: undefined as LineFormat | undefined,
  /** The stream given to `basicConfig` in this thread, if it was an object. */
  localStream: undefined as SyncWriter | undefined,
  /** The sink of the root handler (`basicConfig`'s), or null. */
  handler: null as LogTapeSink | null,
};

function sync(): void {
  const { text, version } = readSharedText(SharedTextKey.LOGGING);
  state.version = version;
  if (text === "") return;
  apply(JSON.parse(text) as SharedConfig);
}

/** Applies a shared configuration in this thread: the levels, and the handler's sink. */
function apply(config: SharedConfig): void {
  state.config = config;
  clock.start = config.start;
  state.generation++;
  const handler = config.handler;
  if (handler === null) {
    state.line = undefined;
    state.handler = null;
    return;
  }
  const line = compileFormat(handler.format, handler.datefmt, "configure logging");
  const stream: SyncWriter = handler.stream === "stdout"
    ? stdout
    : handler.stream === "local" && handler.owner === getIdent() && state.localStream
    ? state.localStream
    : stderr;
  state.line = line;
  state.handler = immediate((record: LogTapeRecord) => {
    emitLine(stream, line, record);
  });
}

/** Reads the shared configuration if it changed since this thread last applied it. */
export function refresh(): void {
  if (sharedTextVersion(SharedTextKey.LOGGING) !== state.version) sync();
}

/** Writes a new configuration to the shared runtime (every thread) and applies it here. */
export function share(config: SharedConfig): void {
  writeSharedText(
    SharedTextKey.LOGGING,
    JSON.stringify(config),
    "the logging configuration",
  );
  sync();
}

const BASIC_KEYS = new Set(["level", "format", "datefmt", "stream", "force", "style"]);

/**
 * Python's `logging.basicConfig`: gives the root logger a handler that writes lines of
 * the given format to stderr (or `stream`), and sets the root level. It does nothing if
 * the root logger already has one, unless `force` is true. The configuration holds in
 * every thread: the threads running now, the threads started later, and the threads
 * those start.
 * It never configures LogTape: a record that the app's LogTape configuration takes goes
 * there, not to this handler. A line the stream cannot take (stdout closed by `| head`)
 * is reported on stderr as CPython's `Handler.handleError` does, and the logging call
 * returns: logging never throws into the code that logs.
 *
 * @param options The level, format, datefmt, stream and force flag.
 * @throws {TypeError} If an option has the wrong type, or a field's conversion does not fit it.
 * @throws {RangeError} If the format or datefmt is malformed, a field or level is
 * unknown, or an option is not one of Python's `basicConfig` options supported here.
 *
 * @example Python's seed configuration
 * ```ts
 * import { logging } from "@threading/threading";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const stream = {
 *   writeSync(bytes: Uint8Array) {
 *     lines.push(new TextDecoder().decode(bytes));
 *     return bytes.length;
 *   },
 * };
 * logging.basicConfig({
 *   level: logging.DEBUG,
 *   format: "(%(threadName)-10s) %(message)s",
 *   stream,
 *   force: true,
 * });
 * logging.debug("Sleeping %0.02f", 0.4712);
 * assert.deepEqual(lines, ["(MainThread) Sleeping 0.47\n"]);
 * ```
 */
export function basicConfig(options: BasicConfigOptions = {}): void {
  const action = "configure logging";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${pyRepr(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!BASIC_KEYS.has(key)) {
      throw new RangeError(
        `Cannot ${action}: unsupported option (supported: ${
          [...BASIC_KEYS].join(", ")
        }), received ${JSON.stringify(key)}`,
      );
    }
  }
  const {
    level,
    format = BASIC_FORMAT,
    datefmt,
    stream = "stderr",
    force = false,
    style = "%",
  } = options;
  if (style !== "%") {
    throw new RangeError(
      `Cannot ${action}: only the "%" style is supported, received ${pyRepr(style)}`,
    );
  }
  if (typeof force !== "boolean") {
    throw new TypeError(
      `Cannot ${action}: force must be a boolean, received ${pyRepr(force)}`,
    );
  }
  const levelno = level === undefined ? undefined : toLevel(level, action);
  compileFormat(format, datefmt, action);
  let streamName: "stderr" | "stdout" | "local";
  let local: SyncWriter | undefined;
  if (stream === "stderr" || stream === stderr) streamName = "stderr";
  else if (stream === "stdout" || stream === stdout) streamName = "stdout";
  else if (
    typeof stream === "object" && stream !== null &&
    typeof (stream as SyncWriter).writeSync === "function"
  ) {
    streamName = "local";
    local = stream;
  } else {
    throw new TypeError(
      `Cannot ${action}: stream must be "stderr", "stdout" or an object with writeSync(bytes), received ${
        pyRepr(stream)
      }`,
    );
  }
  refresh();
  if (state.config.handler !== null && !force) return;
  if (local !== undefined) state.localStream = local;
  const levels = { ...state.config.levels };
  if (levelno !== undefined) levels[""] = levelno;
  share({
    handler: {
      format,
      datefmt: datefmt ?? null,
      stream: streamName,
      owner: getIdent(),
    },
    levels,
    modules: state.config.modules,
    start: clock.start,
  });
}

// ---------------------------------------------------------------------------------------
// The app's own logger in every thread

/**
 * Makes a module (the app's logging setup: a LogTape `configure()`, an `@std/log`
 * `setup()`) run in every thread, before the thread's own code: threads started from
 * now on, by any thread, on fresh or reused Workers. Call it in that module, with its
 * own URL; the thread that calls it has run the module already.
 *
 * Each thread then has the app's configuration, with the app's sinks, which write from
 * that thread: nothing waits for the main thread, so records reach the sinks while the
 * main thread is blocked (in `join()`, say), and none is lost. A thread running already
 * keeps its configuration.
 *
 * @param module The URL of the module (`import.meta.url`).
 * @throws {TypeError} If `module` is not a URL or a string.
 * @throws {RangeError} If `module` is not an absolute URL.
 *
 * @example The one line, in the module that configures LogTape
 * ```ts ignore
 * import { configure, getConsoleSink } from "@logtape/logtape";
 * import { logging } from "@threading/threading";
 *
 * await configure({
 *   sinks: { console: getConsoleSink() },
 *   loggers: [{ category: "app", sinks: ["console"], lowestLevel: "debug" }],
 * });
 * logging.configureEveryThread(import.meta.url);
 * ```
 */
export function configureEveryThread(module: string | URL): void {
  const action = "configure logging in every thread";
  if (typeof module !== "string" && !(module instanceof URL)) {
    throw new TypeError(
      `Cannot ${action}: module must be a URL (import.meta.url), received ${
        pyRepr(module)
      }`,
    );
  }
  let url: string;
  try {
    const parsed = new URL(module);
    // A rerun in a Worker imports the module under another URL: the same module.
    parsed.searchParams.delete(RERUN);
    url = parsed.href;
  } catch {
    throw new RangeError(
      `Cannot ${action}: module must be an absolute URL (import.meta.url), received ${
        JSON.stringify(String(module))
      }`,
    );
  }
  refresh();
  ran.add(url);
  if (state.config.modules.includes(url)) return;
  share({ ...state.config, modules: [...state.config.modules, url] });
}

/** The query parameter that makes a setup module run again in a Worker. */
const RERUN = "threading-logging-run";
/** The setup modules this thread (this Worker) has run, by URL. */
const ran = new Set<string>();
/** The LogTape configuration the setup modules left in this Worker, if any. */
let setupConfig: unknown = null;
/** How many times the setup modules ran in this Worker (a rerun needs a new URL). */
let runs = 0;

/**
 * Called by the Worker bootstrap before each thread's code loads: undoes a LogTape
 * configuration that an earlier thread on this Worker made in its own code (so that
 * the next thread's `configure()` works as on a fresh Worker), then runs the setup
 * modules of {@linkcode configureEveryThread} that this Worker has not run.
 */
export async function prepareThread(): Promise<void> {
  refresh();
  // LogTape is loaded here only if a copy of it is in use (see `_logtape.ts`).
  const current = (await logTapeIfInUse())?.getConfig() ?? null;
  if (current === null && !setupLeftTree && !warnedOtherCopy && logTapeTreeHasSinks()) {
    // LogTape is configured here, but not by this library's copy of LogTape nor by a
    // setup module: an earlier thread on this Worker configured another copy, which
    // cannot be reset from here. Say so once, with what to change.
    warnedOtherCopy = true;
    sayQuietly(
      "threading: a thread on this reused Worker configured LogTape with another copy " +
        "of LogTape than this library's, which the library cannot reset for the next " +
        'thread (its configure() will throw "Already configured"). Make ' +
        '@logtape/logtape resolve to one copy (deno.json: "imports": { ' +
        '"@logtape/logtape": "npm:@logtape/logtape@^2.4.2" }), or configure once with ' +
        "logging.configureEveryThread(import.meta.url) in the module that configures.\n",
    );
  }
  if (current !== null && current !== setupConfig) {
    // An earlier thread's own configuration (or one that replaced the setup's).
    await (await logTapeIfInUse())!.reset();
    if (setupConfig !== null) ran.clear();
    setupConfig = null;
  }
  const pending = state.config.modules.filter((url) => !ran.has(url));
  if (pending.length === 0) return;
  runs++;
  for (const url of pending) {
    ran.add(url);
    let specifier = url;
    if (runs > 1) {
      // The module ran in this Worker already: a new URL makes it run again.
      const again = new URL(url);
      again.searchParams.set(RERUN, String(runs));
      specifier = again.href;
    }
    try {
      await import(specifier);
    } catch (error) {
      sayQuietly(
        `threading: cannot run the logging setup module ${url} in thread ${getIdent()}: ${
          tracebackText(error, String)
        }\n`,
      );
    }
  }
  setupConfig = (await logTapeIfInUse())?.getConfig() ?? null;
  setupLeftTree = setupConfig === null && logTapeTreeHasSinks();
}

/** The longest a thread's end waits for LogTape's sinks to write, in milliseconds. */
const DRAIN_LIMIT_MS = 10_000;

/**
 * Called by the Worker bootstrap when a thread's code has ended, before its joiners
 * wake: waits until the sinks of LogTape's configuration in this Worker have written
 * what they hold (LogTape's `drain()`: a stream sink writes asynchronously, and an idle
 * Worker's event loop does not turn), at most {@linkcode DRAIN_LIMIT_MS}. A thread's
 * records are then out before `join()` returns, and none is lost when the program ends.
 */
export async function finishThread(): Promise<void> {
  // No copy of LogTape in use in this thread: no sink holds anything (no await either).
  if (!logTapeInUse()) return;
  const logtape = await logTapeIfInUse();
  if (logtape === undefined || logtape.getConfig() === null) return;
  let settled = false;
  const drained = logtape.drain().finally(() => settled = true);
  // Sinks with nothing to write settle within a few microtasks: no timer for them.
  for (let i = 0; i < 8 && !settled; i++) await null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if (settled) await drained;
    else {
      await Promise.race([
        drained,
        new Promise((resolve) => timer = setTimeout(resolve, DRAIN_LIMIT_MS)),
      ]);
    }
  } catch (error) {
    sayQuietly(
      `threading: LogTape's sinks failed to write the records of thread ${getIdent()}: ${
        tracebackText(error, String)
      }\n`,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the setup modules configured another copy of LogTape in this Worker. */
let setupLeftTree = false;
let warnedOtherCopy = false;

/** A logger of LogTape's tree, by the fields every copy of LogTape 2 has. */
interface TreeNode {
  sinks?: unknown[];
  children?: Record<string, TreeNode | { deref(): TreeNode | undefined }>;
}

/**
 * Whether some logger of LogTape's tree has a sink. The tree lives on `globalThis`, shared
 * by every copy of LogTape in this thread, whichever configured it.
 */
function logTapeTreeHasSinks(): boolean {
  const root = (globalThis as Record<symbol, unknown>)[Symbol.for("logtape.rootLogger")];
  const walk = (node: TreeNode | undefined, depth: number): boolean => {
    if (node == null || depth > 64) return false;
    if ((node.sinks?.length ?? 0) > 0) return true;
    for (const child of Object.values(node.children ?? {})) {
      const next = typeof (child as { deref?: unknown }).deref === "function"
        ? (child as { deref(): TreeNode | undefined }).deref()
        : child as TreeNode;
      if (walk(next, depth + 1)) return true;
    }
    return false;
  };
  return walk(root as TreeNode | undefined, 0);
}
