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
