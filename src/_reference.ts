// Copyright the threading for Deno authors. MIT license.
/**
 * Code travels by reference, as pickle does: a thread imports the module that defines
 * its target or its Thread subclass and looks the export up by name, or by identity
 * (the same source text) under another export name or as a static method of an exported
 * class ({@linkcode findExport}). This file finds that module from the call stack, so
 * that users need not name it, and words the refusals of code that cannot travel (a
 * method passed without its object: {@linkcode methodMessage}).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import {
  exactFrames,
  mainModule as platformMainModule,
  shownUnder,
  toModuleURL,
} from "./_platform.ts";
import { SOURCE_DIR } from "./_self.ts";

/** Frames under it are the library's own (its modules, or the bundle in `src/_bundle/`). */
const LIBRARY_PREFIX = SOURCE_DIR;
const FRAME =
  /^\s*at (?:async )?(?:(.*?) \()?((?:file|https?|jsr|npm|data):[^)]*?|\/[^)]*?):\d+:\d+\)?$/;

interface Frame {
  fn: string;
  url: string;
}

/**
 * A call stack captured now and read later: capturing costs about a microsecond, while
 * reading (formatting, with Deno's source maps) costs tens, so a constructor captures
 * and `start()` reads only when it must.
 */
export interface Origin {
  /** The formatted stack, computed by V8 on first read. */
  readonly stack?: string;
}

/** Captures the caller's stack (up to 64 frames) without formatting it. */
export function captureOrigin(): Origin {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const origin: { stack?: string } = {};
  Error.captureStackTrace(origin, captureOrigin);
  Error.stackTraceLimit = limit;
  return origin;
}

function frames(origin: Origin): Frame[] {
  // Deno: from V8's call sites, the modules' URLs exactly as loaded (its formatted
  // stack shows them partly decoded: `main %20.ts` for `main%20%2520.ts`).
  const exact = exactFrames(origin);
  if (exact !== undefined) {
    return exact.map((f) => ({ fn: f.fn, url: toModuleURL(f.url) }));
  }
  const out: Frame[] = [];
  for (const line of (origin.stack ?? "").split("\n").slice(1)) {
    const m = FRAME.exec(line);
    if (m) out.push({ fn: m[1] ?? "", url: toModuleURL(m[2]) });
  }
  return out;
}

function outside(all: Frame[]): string | undefined {
  return all.find((f) => !f.url.startsWith(LIBRARY_PREFIX))?.url;
}

/** The URLs of the modules that the stack shows (each once): modules that may be evaluating. */
export function stackModules(origin: Origin): Set<string> {
  return new Set(frames(origin).map((f) => f.url));
}

/** The URL of the nearest calling module outside this library, if the stack shows one. */
export function callerModule(origin: Origin = captureOrigin()): string | undefined {
  return outside(frames(origin));
}

/**
 * The URL of the module that defines the class `name`, seen as the frame `new name` of
 * the stack; else the nearest calling module outside this library.
 */
export function definingModule(
  name: string,
  origin: Origin = captureOrigin(),
): string | undefined {
  const all = frames(origin);
  return all.find((f) => f.fn === `new ${name}`)?.url ?? outside(all);
}

/** The program's main module, if there is one. */
export function mainModule(): string | undefined {
  return platformMainModule();
}

/**
 * Finds `name` among the exports of `module`, checking that it is the same code as
 * `source` when given (a closure or a different function of the same name is refused).
 * A function or class exported as the module's `default` (`export default function
 * work`) is found by its own name too, when it is the same code (for a class, when its
 * name matches: classes are looked up without source). With `source`, a function is
 * also found by identity when no export has its name: under any export name
 * (`export { hidden as visible }`), or as a static method of an exported class or a
 * method of an exported object (`Tools.run`, named so by {@linkcode exportNameOf}).
 */
export function findExport(
  namespace: Record<string, unknown>,
  name: string,
  source: string | undefined,
): unknown {
  if (Object.hasOwn(namespace, name)) {
    const value = namespace[name];
    if (source === undefined || typeof value !== "function" || String(value) === source) {
      return value;
    }
  }
  const dot = name.indexOf(".");
  if (dot > 0 && source !== undefined && Object.hasOwn(namespace, name.slice(0, dot))) {
    const member = ownValue(namespace[name.slice(0, dot)], name.slice(dot + 1));
    if (typeof member === "function" && String(member) === source) return member;
  }
  if (name !== "default" && Object.hasOwn(namespace, "default")) {
    const fallback = namespace.default;
    if (
      typeof fallback === "function" && fallback.name === name &&
      (source === undefined || String(fallback) === source)
    ) {
      return fallback;
    }
  }
  if (source === undefined) return undefined;
  const found = exportNameOf(namespace, (v) => String(v) === source);
  return found === undefined ? undefined : found.value;
}

/** An own data property of `holder` (a getter is not run), if it has one. */
function ownValue(holder: unknown, key: string): unknown {
  if ((typeof holder !== "function" && typeof holder !== "object") || holder === null) {
    return undefined;
  }
  return Object.getOwnPropertyDescriptor(holder, key)?.value;
}

/**
 * The name under which `namespace` exports a function that passes `same` (`fn ===
 * value`, or the same source text): an export name (`visible` for `export { hidden as
 * visible }`), else `Class.method` for a static method of an exported class or a method
 * of an exported object.
 */
export function exportNameOf(
  namespace: Record<string, unknown>,
  same: (value: (...args: never[]) => unknown) => boolean,
): { name: string; value: unknown } | undefined {
  const keys = Object.keys(namespace);
  for (const key of keys) {
    const value = namespace[key];
    if (typeof value === "function" && same(value as never)) return { name: key, value };
  }
  for (const key of keys) {
    const holder = namespace[key];
    // Classes and plain objects only: an array's or a typed array's members are data.
    if (
      typeof holder !== "function" &&
      (typeof holder !== "object" || holder === null ||
        (Object.getPrototypeOf(holder) !== Object.prototype &&
          Object.getPrototypeOf(holder) !== null))
    ) continue;
    for (const member of Object.getOwnPropertyNames(holder)) {
      if (member === "prototype" || member === "constructor") continue;
      const value = ownValue(holder, member);
      if (typeof value === "function" && same(value as never)) {
        return { name: `${key}.${member}`, value };
      }
    }
  }
  return undefined;
}

/**
 * The exported class whose instances have `source` as a method (`increment() {...}` of
 * `class Counter`), searched in `namespaces`: for the words of an error about
 * `target: counter.increment`.
 */
export function instanceMethodOf(
  namespaces: Iterable<[string, Record<string, unknown>]>,
  source: string,
): { module: string; className: string; method: string } | undefined {
  for (const [module, ns] of namespaces) {
    for (const key of Object.keys(ns)) {
      const value = ns[key];
      if (typeof value !== "function" || typeof value.prototype !== "object") continue;
      for (
        let p = value.prototype;
        p && p !== Object.prototype;
        p = Object.getPrototypeOf(p)
      ) {
        for (const member of Object.getOwnPropertyNames(p)) {
          if (member === "constructor") continue;
          const fn = Object.getOwnPropertyDescriptor(p, member)?.value;
          if (typeof fn === "function" && String(fn) === source) {
            return { module, className: value.name || key, method: member };
          }
        }
      }
    }
  }
  return undefined;
}

/** The source text of a method (`run(x) {...}`, `async *items() {...}`, `get x() {...}`). */
const METHOD =
  /^(?:static\s+)?(?:async\s+)?(?:\*\s*)?(?:[gs]et\s+)?(?:[\w$]+|\[[^\]]*\]|"[^"]*"|'[^']*')\s*\(/;

/** Whether `source` is a method's text (not `function ...`, not `class ...`, not an arrow). */
export function isMethodSource(source: string): boolean {
  return !/^(?:async\s+)?function\b/.test(source) && !/^class\b/.test(source) &&
    METHOD.test(source);
}

/**
 * The words for a method passed without its object (`target: counter.increment`, the
 * Python idiom `Thread(target=obj.method)`): it is a method, its object cannot travel
 * with it, and what to write instead.
 *
 * @param what How the message names the function: `"the target"`, `"args[0]"`, `"it"`.
 * @param name The method's name.
 * @param owner The exported class whose instances have the method, when known.
 */
export function methodMessage(
  what: string,
  name: string,
  owner?: { module: string; className: string },
): string {
  const Class = owner?.className ?? "MyClass";
  const object = owner === undefined
    ? "obj"
    : Class.charAt(0).toLowerCase() + Class.slice(1);
  const of = owner === undefined
    ? `a method of an object (\`${name}(\u2026) {\u2026}\` in a class or an object literal)`
    : `a method of ${Class} objects (class ${Class} of ${owner.module})`;
  return `${what} is ${name}, ${of}, passed without its object (\`${object}.${name}\`): a thread imports its code by name from its module, and the object that the method belongs to cannot travel with it. Export a function that takes the object (or the data it holds) as arguments and calls the method: \`export function ${name}(${object}: ${Class}) { ${object}.${name}(); }\` with \`new Thread({ target: ${name}, args: [${object}] })\` (to travel as an argument, ${Class} must extend Shareable: it then arrives as a ${Class}, its fields shared; else pass the data it holds), or subclass Thread and call \`this.${object}.${name}()\` in its run()${
    owner === undefined
      ? `; a static method travels when its class is exported (\`export class MyClass { static ${name}(\u2026) {\u2026} }\`, passed as \`MyClass.${name}\`)`
      : ""
  }`;
}

/** The source text of a built-in (or bound) function. */
const NATIVE = /\{\s*\[native code\]\s*\}$/;

/** The source text of an arrow function: parameters, then `=>`. */
const ARROW = /^(?:async\s*)?(?:\([^]*?\)|[\w$]+)\s*=>/;

/** Whether `source` is an arrow function's text. */
export function isArrowSource(source: string): boolean {
  return ARROW.test(source);
}

/**
 * Refuses a function that cannot travel by reference, whatever module it is in: an
 * arrow function, a bound, anonymous or built-in function, a class. Used for a
 * thread's target and a Barrier's action, with the same words.
 *
 * An arrow function travels only when a module exports it at its top level (`export
 * const work = (n) => ...`), found by identity as an exported function expression is:
 * `exported` tells (else every arrow is refused). An arrow in an object's field (`run =
 * () => ...` of a Thread subclass, `handler = (x) => ...` of a Shareable: `what` ends in
 * its name) is told to be a method.
 *
 * @param what How the message names the function: `"the target"`, `"the action"`,
 * `"this.run"`, `"args[0].handler"`.
 * @param action The message's prefix: `"Cannot start Thread-1"`.
 * @param exported Whether a module exports the (arrow) function at its top level.
 * @returns The function's source text (what a thread compares the export with).
 * @throws {TypeError} If `fn` cannot travel, saying what to pass instead.
 */
export function refuseUntravelable(
  fn: (...args: never[]) => unknown,
  what: string,
  action: string,
  exported?: () => boolean,
): string {
  const source = Function.prototype.toString.call(fn);
  if (ARROW.test(source)) {
    if (exported?.()) return source;
    const field = /\.([\w$]+)$/.exec(what)?.[1];
    if (field !== undefined && field === fn.name) {
      // `this.run`: a Thread subclass's field; else a Shareable's, or a plain object's.
      const method = field === "run" && what === "this.run"
        ? "override run() {\u2026}"
        : `${field}(\u2026) {\u2026}`;
      throw new TypeError(
        `${action}: ${what} is an arrow function in a field (\`${field} = (\u2026) => \u2026\`), which cannot travel to another thread: a function in a field travels by reference, by its module and its exported name, and an arrow in a field has neither; ${
          what.startsWith("this.")
            ? `make it a method (\`${method}\`): methods travel with the class`
            : `in a class (a Shareable), make it a method (\`${method}\`): methods travel with the class; in a plain object, pass an exported function (\`export function ${field}(\u2026) {\u2026}\`)`
        }`,
      );
    }
    throw new TypeError(
      `${action}: ${what} is an arrow function that no module exports at its top level; an arrow function travels to another thread only so (\`export const ${
        fn.name || "work"
      } = (\u2026) => \u2026\`, found by its module and its exported name), as a closure never does: export it at the top level of its module, or declare it as an exported function (\`export function ${
        fn.name || "work"
      }(\u2026) {\u2026}\`), and pass that`,
    );
  }
  if (fn.name.startsWith("bound ")) {
    throw new TypeError(
      `${action}: ${what} is a bound function (${fn.name}), which cannot travel to another thread: a thread imports its code by name, and binding makes a new function that no module exports; pass the exported function itself and what was bound as arguments (\`new Thread({ target: work, args: [...] })\`); for a method bound to its object (\`obj.method.bind(obj)\`), export a function that takes the object and calls the method (\`export function method(obj: MyClass) { obj.method(); }\`) and pass the object as an argument`,
    );
  }
  if (fn.name === "") {
    throw new TypeError(
      `${action}: ${what} is an anonymous function, which cannot travel to another thread; export a named function from your module (\`export function worker() {\u2026}\`) and pass it`,
    );
  }
  if (NATIVE.test(source)) {
    throw new TypeError(
      `${action}: ${what} ${fn.name} is a built-in function (native code, which no module exports), so it cannot travel to another thread; wrap the call in a function that your module exports and pass that, as in \`export function ${fn.name}Target(...args: unknown[]) { return <its object>.${fn.name}(...args); }\`, where <its object> is what ${fn.name} belongs to (\`console\` for log, \`Math\` for max)`,
    );
  }
  if (/^class[\s{]/.test(source)) {
    throw new TypeError(`${action}: ${what} is a class, not a function; pass a function`);
  }
  return source;
}

/** A frame of the runtime's own code (`ext:deno_node/...`, `node:internal/...`). */
const RUNTIME_FRAME = /^\s*at (?:.*\()?(?:ext|node):[^)]*\)?$/;

/**
 * A stack as a thread's traceback prints it: without the frames below the user's code
 * that this library and the runtime add (the Worker's job loop, `Thread.run`, the async
 * context), as CPython's traceback of a thread ends in the user's frames. Frames of the
 * library between the user's (a callback the library calls) are kept, and a stack with
 * no frame of the user's is kept whole. `error.stack` itself is never changed.
 *
 * @param stack The stack, as V8 (or Bun) formats it.
 * @returns The stack without its trailing library and runtime frames.
 */
export function userStack(stack: string): string {
  const lines = stack.split("\n");
  let end = lines.length;
  while (end > 0) {
    const line = lines[end - 1];
    const m = FRAME.exec(line);
    if (m ? shownUnder(toModuleURL(m[2]), LIBRARY_PREFIX) : RUNTIME_FRAME.test(line)) {
      end--;
    } else {
      break;
    }
  }
  if (end === lines.length || !/^\s*at /.test(lines[end - 1] ?? "")) return stack;
  return lines.slice(0, end).join("\n");
}
