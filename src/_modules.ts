// Copyright the threading for Deno authors. MIT license.
/**
 * The modules a thread has loaded by reference (thread targets, `Shareable` classes,
 * error classes, the excepthook), kept with their namespaces so that revivers can look
 * code up by name synchronously. The main thread also learns its main module's exports,
 * once that module has evaluated.
 *
 * @module
 */
import { mainModule as platformMainModule } from "./_platform.ts";
import { isMainThread } from "node:worker_threads";
import process from "node:process";

/** The namespaces of the modules loaded in this thread, by URL. */
export const namespaces = new Map<string, Record<string, unknown>>();

/** Imports a module once per thread, keeping its namespace for {@linkcode loadedModule}. */
export async function importModule(specifier: string): Promise<Record<string, unknown>> {
  let namespace = namespaces.get(specifier);
  if (namespace === undefined) {
    namespace = await import(specifier) as Record<string, unknown>;
    namespaces.set(specifier, namespace);
  }
  return namespace;
}

/** Imports the modules an encoded value names (its `modules`), so its kinds are registered. */
export async function importModules(modules: readonly string[]): Promise<void> {
  for (const specifier of modules) await importModule(specifier);
}

/**
 * The namespace of a module imported by {@linkcode importModule} in this thread, for
 * revivers that look code up by name.
 */
export function loadedModule(specifier: string): Record<string, unknown> | undefined {
  return namespaces.get(specifier);
}

/** A synchronous `require`, made at its first use (Deno, Node >= 22.12 and Bun load ES modules with it). */
let requireSync: ((id: string) => unknown) | null | undefined;

/**
 * The namespace of a local module that this thread has evaluated already (a module in
 * the static import graph of the code that runs), got synchronously: from
 * {@linkcode importModule}'s table, else by `require()`, which hands back the same
 * namespace (the same function objects) as the static import did. Kept in the table.
 * Used by the sending thread, to tell by identity which module exports a function
 * (`_locate.ts`): never for a module the code that runs does not import statically, whose
 * top-level code `require()` would run; and by a receiving thread's blocking get
 * ({@linkcode moduleForReceive}), which loads the module as CPython's pickle does.
 *
 * @returns The namespace, or undefined (not a `file:` module, or the runtime has no
 * `require()` of ES modules, or it failed: a module with a top-level await).
 */
export function evaluatedModule(url: string): Record<string, unknown> | undefined {
  const known = namespaces.get(url);
  // With a query or a hash, another instance of the file's module: `require()` of its
  // path would take (or evaluate) the plain one.
  if (known !== undefined || !url.startsWith("file:") || /[?#]/.test(url)) return known;
  if (requireSync === undefined) {
    try {
      const { createRequire } = process.getBuiltinModule(
        "node:module",
      ) as typeof import("node:module");
      requireSync = createRequire(url);
    } catch {
      requireSync = null;
    }
  }
  if (requireSync === null) return undefined;
  try {
    const { fileURLToPath } = process.getBuiltinModule(
      "node:url",
    ) as typeof import("node:url");
    const namespace = requireSync(fileURLToPath(url));
    if (typeof namespace !== "object" || namespace === null) return undefined;
    namespaces.set(url, namespace as Record<string, unknown>);
    return namespace as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The namespace of the module `url` for a thread that receives a class or a function
 * from it in a blocking get (which cannot `await import()`): from
 * {@linkcode importModule}'s table, else by {@linkcode evaluatedModule}'s synchronous
 * `require()`. A module this thread has loaded already (imported statically by the code
 * that runs) comes back as that same namespace, its classes the same classes; one it has
 * not loaded is loaded now, as CPython's pickle imports a class's module to find it
 * (`pickle.Unpickler.find_class`). Never the main module while it evaluates (a
 * `require()` of it would fail or run it again): its exports are known from its first
 * await on.
 *
 * @returns The namespace, or undefined (not a `file:` module, the main module, a module
 * with a top-level await, or the runtime has no `require()` of ES modules).
 */
export function moduleForReceive(url: string): Record<string, unknown> | undefined {
  const known = namespaces.get(url);
  if (known !== undefined || url === mainModuleURL()) return known;
  return evaluatedModule(url);
}

/** The program's main module, if there is one. */
export function mainModuleURL(): string | undefined {
  return platformMainModule();
}

// The main thread learns its main module's exports once that module has evaluated, so
// that a class it exports can be found for what arrives later (a Shareable or an error
// sent from a thread).
if (isMainThread) {
  const main = mainModuleURL();
  if (main !== undefined && main.startsWith("file:")) {
    // Imported from a microtask, which runs once the main module has evaluated or
    // reached its first await: then the import resolves at once (started during the
    // main module's first synchronous part, it would wait for the whole main module,
    // top-level awaits included).
    queueMicrotask(() =>
      import(main).then(
        (ns) => namespaces.set(main, ns as Record<string, unknown>),
        () => {},
      )
    );
  }
}

/** Every module imported by {@linkcode importModule} in this thread, in import order. */
export function loadedModules(): Iterable<[string, Record<string, unknown>]> {
  return namespaces.entries();
}
