// Copyright the threading for Deno authors. MIT license.
/**
 * Functions as values in the codec (`_codec.ts`): an exported function in a thread's
 * `args`/`kwargs`/fields, a queue item or a `Shareable`'s fields travels by reference,
 * as a thread's target does (pickle's rule for functions), and arrives as the same
 * export of the same module, imported in the receiving thread.
 *
 * | step | where | what |
 * | --- | --- | --- |
 * | refused | sender | what no module can export: an arrow function, a bound, anonymous or built-in function (`refuseUntravelable`, the target's words); a function its module declares without `export` or as a closure (`refuseUnexported`); a method of an exported class's objects (`methodMessage`) |
 * | located | sender | by identity (`locateByIdentity`): among the modules loaded in this thread, then the static import graph of the calling module and the program's main module, already evaluated, whose namespaces it takes synchronously (the exact module and export name: `visible` for `export { hidden as visible }`, `Tools.run` for a static method); else (a remote module, a runtime without `require()` of ES modules) the candidates a target has: the calling module and the program's main module, whose static import graph the receiver searches |
 * | imported | receiver | the thread road imports the token's modules (and their graph) before it decodes the arguments; `getAsync()` does the same for a queue item; a blocking `get()` cannot import: it takes a local `file:` module synchronously (`moduleForReceive`: the same namespace if the thread imported it statically, else loaded now, as CPython's pickle imports a function's module); another module not loaded yet (remote, with a top-level await, the main module before its first await) is a `TypeError` that says to use `getAsync()` |
 * | found | receiver | an exact token: {@linkcode findExport} in its module; else the one module of the named modules' static import graph that exports a function of that name and source text (`matchingExports`); two or more such modules (same name, same text, different module state) are a `TypeError` that names them: the receiver never guesses |
 *
 * Once located or found, a function is remembered per thread (both ways), so that it
 * travels again, and back, without a search.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { loadedModule, loadedModules, moduleForReceive } from "./_modules.ts";
import {
  callerModule,
  exportNameOf,
  findExport,
  instanceMethodOf,
  isMethodSource,
  mainModule,
  methodMessage,
  refuseUntravelable,
} from "./_reference.ts";
import {
  ambiguousMessage,
  exportedArrow,
  graphImported,
  locateByIdentity,
  lookalikeMessage,
  matchingExports,
  notExportedMessage,
  refuseUnexported,
} from "./_locate.ts";

/** How a function travels by reference (the fields of its `T_FUNCTION` token). */
export interface FunctionRef {
  /** Where to look: the exporting module (`exact`), else the candidates, in order. */
  modules: string[];
  /** The export name (`visible`, `Tools.run`), or the function's own name. */
  name: string;
  /** Its source text, to tell it from another function of the same name. */
  source: string;
  /** Whether `modules[0]` is known to export it under `name`. */
  exact: boolean;
}

type Fn = (...args: never[]) => unknown;

/** Per thread: how a function travels, once located exactly. */
const located = new WeakMap<Fn, { module: string; name: string }>();
/** Per thread: the function of `<module>#<name>`, once located or received. */
const byReference = new Map<string, Fn>();
/**
 * Per thread: the functions sent before they were located, by source text (`null` when
 * two functions of the same text were sent), so that one sent back by a thread that
 * located it arrives as itself, under whatever name that thread found it
 * (`export { hidden as neg }` comes back as `neg`).
 */
const sentByText = new Map<string, Fn | null>();

function remember(fn: Fn, module: string, name: string): void {
  located.set(fn, { module, name });
  byReference.set(`${module}#${name}`, fn);
}

/**
 * The reference by which `fn` travels, without its tag.
 *
 * @param what How messages name the function (`args[0]`, `the item.fn`).
 * @param action The messages' prefix (`Cannot start thread "Thread-1"`).
 * @throws {TypeError} If `fn` cannot travel by reference, saying what to write.
 */
export function functionReference(
  fn: Fn,
  what: string,
  action: string,
): FunctionRef {
  const known = located.get(fn);
  if (known !== undefined) {
    const source = Function.prototype.toString.call(fn);
    return { modules: [known.module], name: known.name, source, exact: true };
  }
  const caller = callerModule();
  const modules: string[] = [];
  for (const url of [caller, mainModule()]) {
    if (url !== undefined && !modules.includes(url)) modules.push(url);
  }
  const source = refuseUntravelable(fn, what, action, () => exportedArrow(fn, modules));
  // By identity where this thread can tell (two modules may export functions of the
  // same name and text over different module state: the receiver must not guess).
  const found = locateByIdentity(fn, modules);
  if (found?.lookalikes !== undefined) {
    throw new TypeError(
      `${action}: ${what}: ${
        lookalikeMessage(
          fn.name,
          found.lookalikes,
          `import it statically in the module that sends it (\`import { ${fn.name} } from "./<its file>.ts"\`), or give the functions different names`,
        )
      }`,
    );
  }
  if (found !== undefined && !found.byText) {
    remember(fn, found.module, found.name);
    return { modules: [found.module], name: found.name, source, exact: true };
  }
  if (isMethodSource(source)) {
    const owner = instanceMethodOf(loadedModules(), source);
    if (owner !== undefined) {
      throw new TypeError(`${action}: ${methodMessage(what, fn.name, owner)}`);
    }
  }
  refuseUnexported(fn.name, caller, `${action}: ${what}`);
  if (modules.length === 0) {
    throw new TypeError(
      `${action}: ${what} is function ${fn.name}, and no module can be told to export it (the call stack shows none); pass it from the module that exports it, or name it as a thread's target with its \`module\` option`,
    );
  }
  const sent = sentByText.get(source);
  sentByText.set(source, sent === undefined || sent === fn ? fn : null);
  return { modules, name: fn.name, source, exact: false };
}

/**
 * The function a token stands for, in this thread (see the module doc).
 *
 * @throws {TypeError} If a module it names is not loaded here (a blocking `get()`: use
 * `getAsync()`), or no loaded module exports it.
 */
export function resolveFunction(token: FunctionRef): Fn {
  const { modules, name, source } = token;
  if (token.exact) {
    const fn = byReference.get(`${modules[0]}#${name}`);
    if (fn !== undefined) return fn;
    const ns = moduleForReceive(modules[0]);
    const value = ns && findExport(ns, name, source);
    if (typeof value === "function") {
      remember(value as Fn, modules[0], name);
      return value as Fn;
    }
  }
  // Sent unlocated by this thread, and sent back located by the thread that found it.
  const sent = sentByText.get(source);
  if (sent) return sent;
  if (!token.exact) {
    for (const url of modules) moduleForReceive(url); // loaded, if it can be at once
    // Unlocated by the sender: found by name and source text, if exactly one module
    // exports such a function (else this thread would guess).
    const found = matchingExports(name, source, modules);
    if (found.length > 1) {
      throw new TypeError(
        `Cannot receive the function ${name} from another thread: ${
          ambiguousMessage(
            name,
            found.map((f) => f.module),
            `give the functions different names, or pass the function from a module that imports it statically (the sender then finds its module by identity)`,
          )
        }`,
      );
    }
    if (found.length === 1) {
      const ns = loadedModule(found[0].module);
      const as = ns && exportNameOf(ns, (v) => v === found[0].value);
      if (as !== undefined) remember(found[0].value as Fn, found[0].module, as.name);
      return found[0].value as Fn;
    }
  }
  const missing = modules.find((url) => moduleForReceive(url) === undefined);
  if (missing !== undefined) {
    const why = missing === mainModule()
      ? "is the program's main module, whose exports a blocking get can look up only once the main module has reached its first await (or finished)"
      : "cannot be loaded synchronously in this thread (a blocking get loads only a local file: module without a top-level await)";
    throw new TypeError(
      `Cannot receive the function ${name} from another thread: ${
        token.exact ? `its module ${missing}` : `the module it was sent from, ${missing},`
      } ${why}; get it with getAsync(), which imports it, or pass the function to the thread as an argument`,
    );
  }
  const unsearched = token.exact ? undefined : modules.find((url) => !graphImported(url));
  if (unsearched !== undefined) {
    throw new TypeError(
      `Cannot receive the function ${name} from another thread: ${unsearched}, the module it was sent from, does not export it, and the modules that one imports are not loaded in this thread yet; get it with getAsync(), which imports them, or pass the function to the thread as an argument (a thread imports those before it starts)`,
    );
  }
  throw new TypeError(
    `Cannot receive the function ${name} from another thread: ${
      notExportedMessage(
        "function",
        name,
        modules.map((url) => `${url} does not export ${name}`),
        undefined,
        source,
        modules,
      )
    }`,
  );
}
