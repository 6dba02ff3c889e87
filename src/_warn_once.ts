// Copyright the threading for Deno authors. MIT license.
/**
 * Warnings of the library, each printed once per process on stderr, in the words of
 * Python's `warnings` module (`<where>: RuntimeWarning: <message>`). Each has a bit in
 * the runtime's `H_WARNED` word; the thread that sets it (`Atomics.or`) prints it, so
 * that a program with many Workers prints each warning once.
 *
 * | bit | warning | printed by |
 * | --- | --- | --- |
 * | {@linkcode WARNED_MODULE_PRIMITIVE} | a primitive made at the top level of a module that a Worker evaluates for a thread | the Worker ({@linkcode notePrimitive}) |
 * | {@linkcode WARNED_MAIN_NOT_SERVING} | a thread's start that the main thread has not served for 5 s | the starting thread (`_start_wait.ts`) |
 *
 * ## The module-level primitive
 *
 * Python's tutorials make a lock and a counter at a module's top level and use them from
 * every thread. Here each Worker evaluates its own copy of the module, so each thread
 * gets a new, unshared primitive, and the program gives a wrong answer silently (4
 * threads adding 1,000 each to a module-level counter: `counter 0` in the main thread,
 * where CPython prints 4000). A primitive whose constructor runs while a Worker
 * evaluates a module for a thread (between the import of the thread's code and its
 * `run()`) is that mistake: the Worker sets {@linkcode evaluatingModule} around the
 * import, and where a primitive's shared memory is made {@linkcode notePrimitive} is
 * called (one load of a module variable when no module is being evaluated; the class
 * is read from the stack only to warn). Not warned: primitives made in
 * the main program, inside functions, or while `run()` runs; a module imported with
 * `await import()` inside `run()`.
 *
 * @module
 */
import { writeStderr } from "./_output.ts";
import { H_WARNED, runtime } from "./_runtime.ts";

/** Bit: the module-level primitive warning was printed. */
export const WARNED_MODULE_PRIMITIVE = 1;
/** Bit: the "main thread has not served a start" warning was printed. */
export const WARNED_MAIN_NOT_SERVING = 2;

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

/**
 * Called by the Worker around the import of a thread's module: `module` (a URL) for
 * `thread` (its name); `undefined` when the import is over.
 */
export function evaluatingModule(module: string | undefined, thread = ""): void {
  evaluating = module === undefined ? undefined : { module, thread };
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
 * queue's core, a JSON store): warns, once per process, when a Worker evaluates a
 * module for a thread (see the module doc).
 */
export function notePrimitive(): void {
  if (evaluating === undefined) return;
  const kind = constructedKind();
  const { module, thread } = evaluating;
  warnOnce(
    WARNED_MODULE_PRIMITIVE,
    `${module}: RuntimeWarning: a ${kind} was created at the top level of this module while a Worker evaluated it for thread "${thread}": each thread's Worker evaluates its own copy of the module, so this ${kind} is a new one, not shared with the main program or the other threads (Python's module-level lock or counter gives a wrong answer here, silently). Create it in the main program (under if (import.meta.main)) and pass it to each thread in args`,
  );
}
