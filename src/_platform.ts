// Copyright the threading for Deno authors. MIT license.
/**
 * Every runtime-specific call of the library, for Deno, Node (>= 22.18) and Bun (tested:
 * 1.4.5).
 * The rest of `src/` uses only this file, the web platform (`Atomics`,
 * `SharedArrayBuffer`, `TextEncoder`, timers) and the `node:` built-ins that all three
 * runtimes have (`node:worker_threads`, `node:process`, `node:v8`, `node:timers`,
 * `node:fs`, `node:url`, `node:util`; the last three loaded at their first use, which on
 * Deno never comes: see `nodeFs`).
 *
 * Deno stays the first runtime: each function takes Deno's own API when `Deno` is
 * there (permission checks, `Deno.stderr`, `Deno.inspect`), so Deno's behaviour is
 * the one it had before Node and Bun were supported.
 *
 * | Need | Deno | Node | Bun |
 * | --- | --- | --- | --- |
 * | main module | `Deno.mainModule` | `process.argv[1]` (real path) | `Bun.main` |
 * | stdout, stderr (sync) | `Deno.stdout`, `Deno.stderr` | `fs.writeSync(1 / 2)` | same as Node |
 * | read a file, a link | `Deno.readTextFile`, `Deno.readLinkSync` | `node:fs` | `node:fs` |
 * | permission to read / env | `Deno.permissions.querySync` | granted | granted |
 * | the library's own reads (files, env) | only what `querySync` says is granted: never a prompt | all | all |
 * | the main code has finished | `beforeunload` event | `process` `beforeExit` | same as Node |
 * | the main isolate unloads (a watch restart too) | `unload` event | not needed: the process exits | same as Node |
 * | errors outside `run()` in a Worker | `error`, `unhandledrejection` events | `process` `uncaughtException`, `unhandledRejection` | same as Node |
 * | a Worker's `console` | writes at once | posted to the main thread: replaced by sync writes | same as Node |
 * | end the process | `Deno.exit` | `process.exit` | same as Node |
 * | signals while blocked | `Deno.addSignalListener` wrapped | not wrapped | not wrapped |
 * | host objects (streams, files, sockets) | `Deno.stdin/stdout/stderr`, classes of `Deno.*` | `process.stdout/stderr` | same as Node |
 * | custom inspect | `Symbol.for("Deno.customInspect")` | `Symbol.for("nodejs.util.inspect.custom")` | same as Node |
 * | a Worker's loop starts | in its module's evaluation | after it (`setImmediate`) | same as Node |
 *
 * LogTape, the one dependency, is loaded by `_logtape.ts`: an `npm:` specifier on Deno, the
 * bare name from `node_modules` on Node and Bun.
 *
 * @module
 */
import process from "node:process";
import { setImmediate } from "node:timers";

/**
 * `node:fs`, `node:url` and `node:util`, loaded at their first use: Deno's own API serves
 * every call on Deno, where importing `node:fs` alone cost each Worker 0.5 MB of RSS
 * (30 Workers, 5 rounds); Node and Bun have them loaded already.
 */
const nodeFs = () => process.getBuiltinModule("node:fs") as typeof import("node:fs");
const nodeUrl = () => process.getBuiltinModule("node:url") as typeof import("node:url");
const nodeUtil = () =>
  process.getBuiltinModule("node:util") as typeof import("node:util");

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
/** Deno's namespace, when the library runs on Deno. */
const deno: typeof Deno | undefined = typeof scope.Deno?.version?.deno === "string"
  ? scope.Deno
  : undefined;

/** The runtime the library runs on. */
export const RUNTIME: "deno" | "bun" | "node" = deno !== undefined
  ? "deno"
  : typeof scope.Bun === "object"
  ? "bun"
  : "node";

/** Whether the library runs on Deno. */
export const isDeno: boolean = deno !== undefined;

/** Something that writes bytes synchronously, as `Deno.stderr`. */
export interface SyncWriter {
  /** Writes some of `bytes`, returning how many. */
  writeSync(bytes: Uint8Array): number;
}

/** A file descriptor written synchronously, waiting while a non-blocking pipe is full. */
function fdWriter(fd: number): SyncWriter {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return {
    writeSync(bytes: Uint8Array): number {
      for (;;) {
        try {
          return nodeFs().writeSync(fd, bytes);
        } catch (error) {
          if ((error as { code?: string }).code !== "EAGAIN") throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
    },
  };
}

/** The process's standard output, written synchronously. */
export const stdout: SyncWriter = deno?.stdout ?? fdWriter(1);
/** The process's standard error, written synchronously. */
export const stderr: SyncWriter = deno?.stderr ?? fdWriter(2);

/** The process id. */
export const pid: number = deno?.pid ?? process.pid;

/** The symbol under which an object tells how `console.log` shows it. */
export const customInspect: symbol = Symbol.for(
  isDeno ? "Deno.customInspect" : "nodejs.util.inspect.custom",
);

/** How `console.log` would show a value, without colours, 4 levels deep. */
export function inspect(value: unknown): string {
  return deno !== undefined
    ? deno.inspect(value, { colors: false, depth: 4 })
    : nodeUtil().inspect(value, { colors: false, depth: 4 });
}

/** A file path or a URL, as a URL string (Bun's stacks name modules by path). */
export function toModuleURL(pathOrUrl: string): string {
  return pathOrUrl.startsWith("/") ? nodeUrl().pathToFileURL(pathOrUrl).href : pathOrUrl;
}

/**
 * Whether a module URL as a formatted stack shows it (`shown`) is the module `url`.
 * Deno shows a file URL with the path segments past the working directory
 * percent-decoded (`file:///tmp/odd%20path/main %20.ts` for
 * `file:///tmp/odd%20path/main%20%2520.ts`), so each segment is compared as it is and
 * decoded. For words and filters only: a shown URL cannot be read back into a module's
 * (use {@linkcode exactFrames}).
 */
export function shownAs(shown: string, url: string): boolean {
  if (shown === url) return true;
  const a = shown.split("/");
  const b = url.split("/");
  return a.length === b.length && a.every((segment, i) => sameSegment(segment, b[i]));
}

/** Whether a shown module URL (see {@linkcode shownAs}) lies in `folder` (ending in `/`). */
export function shownUnder(shown: string, folder: string): boolean {
  if (shown.startsWith(folder)) return true;
  const a = shown.split("/");
  const b = folder.split("/");
  b.pop(); // the empty segment after the last "/"
  return a.length > b.length && b.every((segment, i) => sameSegment(a[i], segment));
}

function sameSegment(shown: string, segment: string): boolean {
  if (shown === segment) return true;
  try {
    return shown === decodeURIComponent(segment);
  } catch {
    return false;
  }
}

/** One frame of a stack, read exactly (see {@linkcode exactFrames}). */
export interface ExactFrame {
  /** The function's name, `new Name` for a constructor, `""` for a module's top level. */
  fn: string;
  /** The module's URL as it was loaded (a path on Bun). */
  url: string;
  /** 1-based line and column. */
  line: number;
  column: number;
}

/** The parts of V8's `CallSite` read here. */
interface CallSite {
  getScriptNameOrSourceURL?(): unknown;
  getFileName?(): unknown;
  getFunctionName?(): string | null;
  isConstructor?(): boolean;
  getLineNumber?(): number | null;
  getColumnNumber?(): number | null;
}

/**
 * The frames of a stack that `Error.captureStackTrace(holder)` captured and nobody has
 * read yet, read from V8's call sites: each module's URL exactly as it was loaded. Deno
 * formats a stack with a file URL partly percent-decoded (the path past the working
 * directory: `main%20%2520.ts` shows as `main %20.ts`, which reads back as the module
 * `main%20%20.ts`), so the formatted text cannot name a module exactly. Reading the
 * stack this way formats it once, as an array (later reads get the same array).
 *
 * @returns The frames with a module (runtime-internal frames left out), or `undefined`
 * off Deno (Node formats file URLs exactly, Bun shows paths) or when the stack was read
 * before as text.
 */
export function exactFrames(holder: { stack?: unknown }): ExactFrame[] | undefined {
  if (deno === undefined) return undefined;
  const E = Error as { prepareStackTrace?: unknown };
  const previous = E.prepareStackTrace;
  let stack: unknown;
  E.prepareStackTrace = (_error: unknown, sites: CallSite[]): ExactFrame[] => {
    const frames: ExactFrame[] = [];
    for (const site of sites) {
      const url = site.getScriptNameOrSourceURL?.() ?? site.getFileName?.();
      if (typeof url !== "string" || !/^(?:file|https?|jsr|npm|data):|^\//.test(url)) {
        continue;
      }
      const name = site.getFunctionName?.() ?? "";
      frames.push({
        fn: site.isConstructor?.() ? `new ${name}` : name,
        url,
        line: site.getLineNumber?.() ?? 0,
        column: site.getColumnNumber?.() ?? 0,
      });
    }
    return frames;
  };
  try {
    stack = holder.stack;
  } finally {
    E.prepareStackTrace = previous;
  }
  return Array.isArray(stack) ? stack as ExactFrame[] : undefined;
}

/** The program's main module, as a URL, if there is one. */
export function mainModule(): string | undefined {
  try {
    if (deno !== undefined) return deno.mainModule;
    if (typeof scope.Bun?.main === "string") return toModuleURL(scope.Bun.main);
    const script = process.argv[1];
    if (typeof script !== "string" || script === "") return undefined;
    return nodeUrl().pathToFileURL(nodeFs().realpathSync(script)).href;
  } catch {
    return undefined;
  }
}

/** Whether the program may read the file at `url` (Deno's read permission). */
export function mayRead(url: URL | string): boolean {
  if (deno === undefined) return true;
  try {
    const path = typeof url === "string" && url.startsWith("file:") ? new URL(url) : url;
    return deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return true;
  }
}

/**
 * An environment variable, where the program may read it (Deno: `--allow-env`);
 * `undefined` when unset or not allowed.
 */
export function envVar(name: string): string | undefined {
  try {
    if (deno === undefined) return process.env[name];
    return mayReadEnv(name) ? deno.env.get(name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the program may read the file at `url` now, asked without a prompt: only
 * `"granted"` counts (Deno's `"prompt"` state, which a read would turn into a question
 * in a terminal, and an error of the query count as no). `url`: a URL, a `file:` URL's
 * text, or a path. Node and Bun: always.
 */
export function mayReadQuietly(url: URL | string): boolean {
  if (deno === undefined) return true;
  try {
    // A URL as a string would be taken for a relative path: a URL object is a file's.
    const path = typeof url === "string" && url.startsWith("file:") ? new URL(url) : url;
    return deno.permissions.querySync({ name: "read", path }).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Whether the program may read the environment variable `name` without a prompt:
 * always on Node and Bun; on Deno when `--allow-env` grants it (asked with
 * `querySync`, which never prompts).
 */
export function mayReadEnv(name: string): boolean {
  if (deno === undefined) return true;
  try {
    return deno.permissions.querySync({ name: "env", variable: name }).state ===
      "granted";
  } catch {
    return false;
  }
}

/**
 * A hint that names a setting of this library made by an environment variable:
 * `` `NAME=value does` ``, and on Deno the flag it needs (`--allow-env=NAME`), saying so
 * when this program runs without it (then the library never read the variable).
 */
export function envHint(name: string, value: string, does: string): string {
  const hint = `${name}=${value} ${does}`;
  if (deno === undefined) return hint;
  return mayReadEnv(name)
    ? `${hint} (read under --allow-env=${name})`
    : `${hint} (read only under --allow-env=${name}, which this program runs without: the variable was not read)`;
}

/** The error of a read that {@linkcode mayReadQuietly} refused, before Deno was asked. */
function notReadable(url: URL): Error {
  return new Error(`no read permission for ${url.href} (not asked, to avoid a prompt)`);
}

/**
 * Reads a text file for the library's own purposes (the import graph, a declaration's
 * text), never causing a permission prompt: a file the program may not read now
 * ({@linkcode mayReadQuietly}) is not asked for.
 * @throws If it may not or cannot be read.
 */
export function readTextFile(url: URL): Promise<string> {
  if (!mayReadQuietly(url)) return Promise.reject(notReadable(url));
  if (deno !== undefined) return deno.readTextFile(url);
  return Promise.resolve(nodeFs().readFileSync(url, "utf8"));
}

/**
 * Reads a text file synchronously, under the rule of {@linkcode readTextFile}.
 * @throws If it may not or cannot be read.
 */
export function readTextFileSync(url: URL): string {
  if (!mayReadQuietly(url)) throw notReadable(url);
  if (deno !== undefined) return deno.readTextFileSync(url);
  return nodeFs().readFileSync(url, "utf8");
}

/** The OS thread id of the calling thread, where the platform tells it. */
export function osThreadId(): number | undefined {
  try {
    if (!mayReadQuietly("/proc/thread-self")) return undefined;
    const link = deno !== undefined
      ? deno.readLinkSync("/proc/thread-self")
      : nodeFs().readlinkSync("/proc/thread-self");
    const tid = Number(link.split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Ends the process now with exit status `code` (`Deno.exit`, `process.exit`). */
export function exitProcess(code: number): never {
  if (deno !== undefined) deno.exit(code);
  return process.exit(code);
}

/** Lets the process end while `timer` is pending. */
export function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  if (deno !== undefined) deno.unrefTimer(timer as unknown as number);
  else (timer as { unref?: () => void }).unref?.();
}

/**
 * Calls `listener` each time the main thread's code has finished and its event loop
 * has nothing left to do (Deno's `beforeunload`, Node's and Bun's `beforeExit`). When
 * `listener` returns true, the process goes on: it must then schedule the work that
 * holds it open.
 */
export function onMainIdle(listener: () => boolean): void {
  if (deno !== undefined) {
    globalThis.addEventListener("beforeunload", (event) => {
      if (listener()) event.preventDefault();
    });
  } else {
    process.on("beforeExit", () => listener());
  }
}

/**
 * Main thread: calls `listener` when the main isolate unloads (Deno's `unload` event:
 * the program's end, `Deno.exit()`, a `deno run --watch` restart). Nothing on Node and
 * Bun, whose process exits then (see `_program_end.ts`).
 */
export function onMainUnload(listener: () => void): void {
  if (deno !== undefined) globalThis.addEventListener("unload", listener);
}

/**
 * In a Worker: calls `handler` for an error thrown outside any awaited chain (an
 * uncaught exception, an unhandled rejection), which then does not end the Worker;
 * unless the thread's own code handled it, as the runtime lets a program do:
 *
 * | runtime | the thread's code handled it when | then |
 * | --- | --- | --- |
 * | Deno | a listener of its own called `event.preventDefault()` (`addEventListener` or `onunhandledrejection`/`onerror`) | `handler` is not called |
 * | Node, Bun | it has a `process` listener of its own for that event | `handler` is not called |
 *
 * On Deno this listener is the first (added at the Worker's boot): it keeps the Worker
 * alive at once, gives this one event a `preventDefault` of its own that notes the
 * thread's call, and decides in a microtask, once every listener has run.
 */
export function onStrayError(handler: (error: unknown) => void): void {
  if (deno !== undefined) {
    const prevent = Event.prototype.preventDefault;
    const listen = (type: string, value: (event: Event) => unknown) => {
      globalThis.addEventListener(type, (event) => {
        prevent.call(event);
        let handled = false;
        Object.defineProperty(event, "preventDefault", {
          configurable: true,
          value(this: Event) {
            handled = true;
            prevent.call(this);
          },
        });
        // A promise job, not queueMicrotask: the thread's code may have replaced it.
        void Promise.resolve().then(() => {
          if (!handled) handler(value(event));
        });
      });
    };
    listen("error", (event) => (event as ErrorEvent).error);
    listen("unhandledrejection", (event) => (event as PromiseRejectionEvent).reason);
  } else {
    // A listener of the thread's own is how Node and Bun programs handle these.
    const own = (event: string) => process.listenerCount(event) > 1;
    process.on("uncaughtException", (error) => {
      if (!own("uncaughtException")) handler(error);
    });
    process.on("unhandledRejection", (reason) => {
      if (!own("unhandledRejection")) handler(reason);
    });
  }
}

/**
 * In a Worker: calls `handler` when `Deno.exit()` ends it (Deno dispatches `unload` and
 * runs no `exit` listener); with the way it ended. Node and Bun run the `process`
 * `exit` listeners instead, which the caller listens to.
 */
export function onDenoExit(handler: (how: string) => void): void {
  if (deno === undefined) return;
  globalThis.addEventListener("unload", () => handler(`Deno.exit(${deno.exitCode})`));
}

/**
 * In a Worker on Node and Bun: `console` writes at once to the process's stdout and
 * stderr, whole lines under `lock`. Their own Worker `console` posts each line to the
 * main thread, which prints it when its event loop turns: a line printed just before
 * the process ends would be lost, and one printed while the main thread is blocked
 * would wait. Deno's Worker `console` writes at once already: left as it is.
 */
export function syncConsole(write: (writer: SyncWriter, text: string) => void): void {
  if (deno !== undefined) return;
  const { format } = nodeUtil();
  const out = (...args: unknown[]) => write(stdout, format(...args) + "\n");
  const err = (...args: unknown[]) => write(stderr, format(...args) + "\n");
  const con = console as unknown as Record<string, unknown>;
  for (const name of ["log", "info", "debug"]) con[name] = out;
  for (const name of ["error", "warn", "trace"]) con[name] = err;
}

/**
 * Runs `fn` once the calling module has evaluated: at once on Deno; on Node and Bun from
 * the next turn of the event loop (`setImmediate`), so that a module whose `fn` blocks
 * (a Worker's loop, in `Atomics.wait`) does not block inside its own evaluation.
 */
export function afterEvaluation(fn: () => unknown): void {
  if (deno !== undefined) fn();
  else setImmediate(fn);
}

/** A signal whose listeners may run while the main thread is blocked. */
export type Signal = "SIGINT" | "SIGTERM";

/** Deno's signal listener API, to wrap; `undefined` on Node and Bun. */
export interface SignalApi {
  add(signal: Signal, handler: () => void): void;
  remove(signal: Signal, handler: () => void): void;
}

/**
 * Deno's `addSignalListener` and `removeSignalListener`, bound, with `replace` to put
 * wrappers in their place; `undefined` where there is none (Node, Bun), or where the
 * namespace is frozen.
 */
export function denoSignalApi():
  | (SignalApi & { replace(wrapper: SignalApi): void })
  | undefined {
  if (deno === undefined || typeof deno.addSignalListener !== "function") {
    return undefined;
  }
  const namespace = deno as unknown as Record<string, unknown>;
  return {
    add: deno.addSignalListener.bind(deno) as SignalApi["add"],
    remove: deno.removeSignalListener.bind(deno) as SignalApi["remove"],
    replace(wrapper: SignalApi) {
      namespace.addSignalListener = wrapper.add;
      namespace.removeSignalListener = wrapper.remove;
    },
  };
}

/** In the signal Worker's source: the calls that add and remove a signal listener. */
export const SIGNAL_WORKER_CALLS = {
  add: "Deno.addSignalListener",
  remove: "Deno.removeSignalListener",
} as const;

/**
 * Names an object of the runtime itself that holds a resource of this thread (a
 * standard stream, a file, a socket, a class of `Deno.*` or a global class whose code
 * is native): such an object cannot cross threads, and no class of the user's can be
 * made to carry it.
 * @returns How to name it (`Deno.stdout`, `a Deno.FsFile`), or undefined.
 */
export function hostObject(value: object): string | undefined {
  for (const stream of ["stdin", "stdout", "stderr"] as const) {
    if (deno !== undefined && deno[stream] === value) return `Deno.${stream}`;
  }
  // Not process.stdin: reading the getter would open standard input.
  if (deno === undefined) {
    for (const stream of ["stdout", "stderr"] as const) {
      if (process[stream] as unknown === value) return `process.${stream}`;
    }
  }
  const ctor = (value as { constructor?: unknown }).constructor;
  if (typeof ctor !== "function" || ctor.name === "") return undefined;
  // deno-lint-ignore no-explicit-any
  if (deno !== undefined && (deno as any)[ctor.name] === ctor) {
    return `a Deno.${ctor.name}`;
  }
  if (
    scope[ctor.name] === ctor && /\{\s*\[native code\]\s*\}\s*$/.test(String(ctor))
  ) {
    return `a ${ctor.name}`;
  }
  return undefined;
}
