// Copyright the threading for Deno authors. MIT license.
/**
 * Warnings of the library, each printed once per process on stderr, in the words of
 * Python's `warnings` module (`<where>: RuntimeWarning: <message>`). Each has a bit in
 * the runtime's `H_WARNED` word; the thread that sets it (`Atomics.or`) prints it, so
 * that a program with many Workers prints each warning once.
 *
 * | bit | warning | printed by |
 * | --- | --- | --- |
 * | {@linkcode WARNED_MODULE_PRIMITIVE} | a primitive made at the top level of a module that a Worker evaluates for a thread | the Worker, when a thread that used it ends ({@linkcode checkModulePrimitives}) |
 * | {@linkcode WARNED_MAIN_NOT_SERVING} | a thread's start that the main thread has not served for 5 s | the starting thread (`_start_wait.ts`) |
 * | {@linkcode WARNED_MAIN_SERVER_BLOCKED} | the main thread blocked in this library for 5 s while a server of its own is open and another thread lives | the main thread (`_main_servers.ts`) |
 *
 * ## The module-level primitive
 *
 * Python's tutorials make a lock and a counter at a module's top level and use them from
 * every thread. Here each Worker evaluates its own copy of the module, so each thread
 * gets a new, unshared primitive, and the program gives a wrong answer silently (4
 * threads adding 1,000 each to a module-level counter: `counter 0` in the main thread,
 * where CPython prints 4000). A primitive whose constructor runs while a Worker
 * evaluates a module for a thread (between the import of the thread's code and its
 * `run()`) is that mistake only if the thread then uses that copy: a top-level
 * `const lock = new Lock()` that only the main thread uses (a bench file's, or one used
 * under `if (import.meta.main)`) is harmless, and is not warned about.
 *
 * So: the Worker sets {@linkcode evaluatingModule} around the import; where a
 * primitive's shared memory is made, {@linkcode notePrimitive} records its words (one
 * load of a module variable when no module is being evaluated; the class is read from
 * the stack only then); when the evaluation ends their values are kept, and when a
 * thread of the Worker ends, {@linkcode checkModulePrimitives} warns if a word of one
 * changed since (every primitive writes a word when used: a Lock its last acquirer, a
 * counter its value, a queue its indexes). Not warned: primitives made in the main
 * program, inside functions, or while `run()` runs; a module imported with
 * `await import()` inside `run()`; a copy no thread has changed (read only, or used
 * only by a thread that never ends: a daemon thread's endless loop).
 *
 * @module
 */
import { writeStderr } from "./_output.ts";
import { H_WARNED, runtime } from "./_runtime.ts";

/** Bit: the module-level primitive warning was printed. */
export const WARNED_MODULE_PRIMITIVE = 1;
/** Bit: the "main thread has not served a start" warning was printed. */
export const WARNED_MAIN_NOT_SERVING = 2;
/** Bit: the "main thread blocked while its server is open" warning was printed. */
export const WARNED_MAIN_SERVER_BLOCKED = 4;

/**
 * Prints `text` (a line, without its end) on stderr unless the warning `bit` was
 * printed already by any thread.
 * @returns Whether this call printed it.
 */
export function warnOnce(bit: number, text: string): boolean {
  if ((Atomics.or(runtime.i32, H_WARNED, bit) & bit) !== 0) return false;
  writeStderr(`${text}\n`);
  return true;
}

/** The module this Worker evaluates for a thread now, and that thread's name. */
let evaluating: { module: string; thread: string } | undefined;

/** A primitive made while a module was evaluated for a thread: its words, as made. */
interface ModulePrimitive {
  module: string;
  thread: string;
  kind: string;
  words: Int32Array;
  /** The words' values when the evaluation ended; `undefined` until then. */
  made?: Int32Array;
}

/** The primitives made at a module's top level in this Worker, not warned about yet. */
let modulePrimitives: ModulePrimitive[] = [];

/**
 * Called by the Worker around the import of a thread's module: `module` (a URL) for
 * `thread` (its name); `undefined` when the import is over.
 */
export function evaluatingModule(module: string | undefined, thread = ""): void {
  evaluating = module === undefined ? undefined : { module, thread };
  if (module === undefined) {
    for (const p of modulePrimitives) p.made ??= p.words.slice();
  }
}

/** Internal classes that make a primitive's shared memory, by the class users see. */
const SHOWN: Record<string, string> = { Core: "Queue", JSONStore: "SharedJSON" };

/** The class of the primitive being constructed: the first `new X` frame of the stack. */
function constructedKind(): string {
  const name = /\bat new (\w+)/.exec(new Error().stack ?? "")?.[1];
  return name === undefined ? "primitive" : SHOWN[name] ?? name;
}

/**
 * Called where a primitive's shared memory is made (`carve`, the shared cells, a
 * queue's core, a JSON store), with its words (`length` words of `buffer` from word
 * `index`): while a Worker evaluates a module for a thread, records them, to warn if
 * the thread uses them (see the module doc).
 */
export function notePrimitive(
  buffer: ArrayBufferLike,
  index: number,
  length: number,
): void {
  if (evaluating === undefined) return;
  if ((Atomics.load(runtime.i32, H_WARNED) & WARNED_MODULE_PRIMITIVE) !== 0) return;
  const { module, thread } = evaluating;
  modulePrimitives.push({
    module,
    thread,
    kind: constructedKind(),
    words: new Int32Array(buffer, index << 2, length),
  });
}

/**
 * Called by the Worker when a thread ends: warns, once per process, if a primitive made
 * at the top level of a module that the Worker evaluated for a thread has been used
 * since (a word of it changed; see the module doc).
 */
export function checkModulePrimitives(): void {
  for (const p of modulePrimitives) {
    const made = p.made;
    if (made === undefined) continue;
    let used = false;
    for (let i = 0; i < made.length && !used; i++) {
      used = Atomics.load(p.words, i) !== made[i];
    }
    if (!used) continue;
    modulePrimitives = [];
    warnOnce(
      WARNED_MODULE_PRIMITIVE,
      `${p.module}: RuntimeWarning: a ${p.kind} was created at the top level of this module while a Worker evaluated it for thread "${p.thread}", and a thread used it: each thread's Worker evaluates its own copy of the module, so this ${p.kind} is a new one, not shared with the main program or the other threads (Python's module-level lock or counter gives a wrong answer here, silently). Create it in the main program and pass it to each thread in args: under \`if (import.meta.main)\`, or, in a test or bench module (where import.meta.main is false), inside the test or bench function or under \`if (currentThread() === mainThread())\``,
    );
    return;
  }
}
