// Copyright the threading for Deno authors. MIT license.
/**
 * Finds code by reference in a thread when the module named for it does not export it:
 * `import { crunch } from "./tasks.ts"; new Thread({ target: crunch })` names the module
 * that creates the thread (or the program's main module), while `crunch` is exported by
 * `tasks.ts`. Neither V8 nor Deno tells a function's module, so the thread walks the
 * static import graph of the named modules (the modules that importing them evaluates
 * anyway), imports each one (once per thread) and looks for an export of that name and
 * source text.
 *
 * The walk reads the source of local (`file:`) modules and follows their static
 * `import ... from "..."`, `import "..."` and `export ... from "..."` specifiers that are relative,
 * absolute, `file:` or `http(s):`, or that the import map resolves; it skips `npm:`,
 * `jsr:` and `node:` modules and this library's own, and it never descends into an npm
 * package (a module under `node_modules/`, or in Deno's npm cache, where a bare
 * specifier of the import map leads): a thread's code is the user's, and reading a
 * package's files would ask for read permission the program was never given (in a
 * terminal, one prompt per file). It reads and imports only files the program may read
 * now (`mayReadQuietly`: asked without a prompt); the others are skipped, so the walk
 * never causes a permission prompt nor needs more permission than the user's own
 * code. A root in a package (a thread created by a package) is searched, and
 * its package walked, under the same rule. Remote modules are imported and
 * searched but not read (reading needs net permission), so a target in a module that
 * only a remote module imports needs the `module` option. The library's own entry
 * (`mod.ts`, or the bundle) is always searched, after the user's modules:
 * `new Thread({ target: sleep, args: [300] })` needs no `module` option.
 *
 * Two modules may export functions of the same name and the same source text that close
 * over different module state (`const TAG = "A"` / `"B"`), which a search by name and
 * source cannot tell apart. So the sending thread, which holds the function itself,
 * tells by identity where it can ({@linkcode locateByIdentity}: it reads the same static
 * graph, and where two of its modules declare a function of that name, takes their
 * namespaces synchronously and compares), and the receiving thread never guesses: when
 * more than one module of the graph exports such a function ({@linkcode matchingExports}),
 * it refuses, naming them ({@linkcode ambiguousMessage}).
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { mayReadQuietly, readTextFile, readTextFileSync } from "./_platform.ts";
import {
  evaluatedModule,
  importModule,
  loadedModule,
  loadedModules,
} from "./_modules.ts";
import {
  exportNameOf,
  findExport,
  instanceMethodOf,
  isArrowSource,
  isMethodSource,
  methodMessage,
} from "./_reference.ts";
import { LIBRARY_ENTRY, ofLibrary } from "./_self.ts";

/**
 * The library's own exports (`sleep` as a target, as Python's `Thread(target=time.sleep)`),
 * always searched, last; set by `mod.ts` once it has evaluated (a static import of
 * `mod.ts` here would change the order in which the library's modules evaluate).
 */
let library: Record<string, unknown> = {};

/** @internal Called by `mod.ts` with its own namespace. */
export function setLibrary(namespace: Record<string, unknown>): void {
  library = namespace;
}

/** Most modules one walk visits. */
const MAX_MODULES = 2000;

const STATIC_IMPORT =
  /(?:^|[;}\n])\s*(?:import|export)\s+(?!type[\s{*])(?:[\w$*{}\s,]+?\s+from\s*)?["']([^"'\n]+)["']/g;

/** Per thread: a module's static dependencies, once read. */
const edges = new Map<string, string[]>();
/** Per thread: roots whose graph has been imported. */
const walked = new Set<string>();

/**
 * Whether `url` is a module of an npm package: under a `node_modules/` folder (Node,
 * Bun, Deno's `nodeModulesDir`), or in Deno's global npm cache
 * (`<DENO_DIR>/npm/<registry>/<name>/<version>/`, where `import.meta.resolve` puts a
 * bare specifier that the import map sends to `npm:`).
 */
export function inPackage(url: string): boolean {
  return url.startsWith("file:") &&
    (url.includes("/node_modules/") ||
      /\/npm\/[^/]+\/(?:@[^/]+\/)?[^/@]+\/\d+\.\d+\.\d+[^/]*\//.test(url));
}

function resolve(specifier: string, from: string): string | undefined {
  if (/^(npm|jsr|node):/.test(specifier)) return undefined;
  try {
    if (/^(\.{1,2}\/|\/|file:|https?:)/.test(specifier)) {
      return new URL(specifier, from).href;
    }
    // A bare specifier: the import map (deno.json "imports") applies to every module.
    const url = import.meta.resolve(specifier);
    return /^(file|https?):/.test(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

async function dependencies(url: string): Promise<string[]> {
  let deps = edges.get(url);
  if (deps !== undefined) return deps;
  deps = [];
  if (url.startsWith("file:")) {
    let text = "";
    try {
      text = await readTextFile(new URL(url));
    } catch {
      // Unreadable: its exports are still searched; its imports are not followed.
    }
    for (const m of text.matchAll(STATIC_IMPORT)) {
      const dep = resolve(m[1], url);
      if (
        dep !== undefined && !ofLibrary(dep) && !deps.includes(dep) &&
        (!inPackage(dep) || inPackage(url))
      ) {
        deps.push(dep);
      }
    }
  }
  edges.set(url, deps);
  return deps;
}

/** The static dependencies of a module, read synchronously (shares {@linkcode edges}). */
function dependenciesSync(url: string): string[] {
  let deps = edges.get(url);
  if (deps !== undefined) return deps;
  deps = [];
  const text = moduleText(url);
  for (const m of (text ?? "").matchAll(STATIC_IMPORT)) {
    const dep = resolve(m[1], url);
    if (dep !== undefined && !ofLibrary(dep) && !deps.includes(dep)) deps.push(dep);
  }
  edges.set(url, deps);
  return deps;
}

/** The text of a local module, read once per thread (undefined: not local, or unreadable). */
function moduleText(url: string): string | undefined {
  if (!url.startsWith("file:")) return undefined;
  if (texts.has(url)) return texts.get(url);
  let text: string | undefined;
  try {
    text = readTextFileSync(new URL(url));
  } catch {
    text = undefined;
  }
  texts.set(url, text);
  return text;
}

/** The modules of the static import graph of `roots`, roots first (read synchronously). */
function graphSync(roots: readonly string[]): string[] {
  const order = roots.filter((r) => !ofLibrary(r));
  const seen = new Set(order);
  for (let i = 0; i < order.length && i < MAX_MODULES; i++) {
    for (const dep of dependenciesSync(order[i])) {
      if (!seen.has(dep)) {
        seen.add(dep);
        order.push(dep);
      }
    }
  }
  return order;
}

/**
 * Finds, in the sending thread, the module that exports `fn` itself (by identity, not by
 * name and source text: two modules may export functions of the same name and text that
 * close over different module state). Searched: the modules this thread has loaded by
 * reference, the library's exports, then the static import graph of `roots` (the module
 * that sends it, the program's main module), whose modules the code that runs has
 * evaluated already: their namespaces are taken synchronously
 * ({@linkcode evaluatedModule}), the roots' own only once loaded (a root may still be
 * evaluating), and only where it matters: when two or more modules of the graph declare
 * a function of its name, or one does and a module of the graph has a dynamic
 * `import()` (which may have loaded a module that exports another function of the same
 * name and text: `work` of ./a.ts and of ./b.ts); else the receiver's search by name and
 * source finds the one module that can export it.
 *
 * @returns The module and the export name (`visible` for `export { hidden as visible }`,
 * `Tools.run` for a static method), or undefined where this thread cannot tell; with
 * `byText`, the one module of the graph whose text declares a function of its name (not
 * checked by identity, and `name` is the function's own: the receiver looks it up there
 * by name and source); `lookalikes`: the modules of the graph that export another
 * function of its name and text, none the function itself (the caller refuses it: the
 * receiver would run the lookalike).
 */
export function locateByIdentity(
  fn: (...args: never[]) => unknown,
  roots: readonly string[],
): Located | undefined {
  const same = (v: unknown) => v === fn;
  for (const [module, ns] of loadedModules()) {
    const found = exportNameOf(ns, same);
    if (found !== undefined) return { module, name: found.name };
  }
  const own = exportNameOf(library, same);
  if (own !== undefined) return { module: LIBRARY_ENTRY, name: own.name };
  // Which modules of the graph declare a function of its name: with one (and no dynamic
  // import), the receiver's search by name and source cannot mix it up, and no
  // namespace need be taken here (the first `require()` costs 10-30 ms); with none (a
  // static method), the receiver searches, and refuses what it cannot tell apart.
  const key = roots.join("\n");
  const cached = textual.get(fn);
  if (cached !== undefined && cached.key === key) return cached.found;
  const found = searchGraph(fn, roots, same);
  textual.set(fn, { key, found });
  return found;
}

/**
 * Whether a module exports the arrow function `fn` at its top level (`export const work
 * = (n) => ...`): found by identity (see {@linkcode locateByIdentity}), or, where this
 * thread cannot tell (the calling module still evaluates), the one module of the static
 * graph of `roots` whose text declares it so. A closure (an arrow inside a function) is
 * none of these.
 */
export function exportedArrow(
  fn: (...args: never[]) => unknown,
  roots: readonly string[],
): boolean {
  if (fn.name === "" || fn.name === "default") return false;
  const found = locateByIdentity(fn, roots);
  if (found === undefined || found.module === undefined) return false;
  if (!found.byText) return true;
  const text = moduleText(found.module);
  const escaped = fn.name.replace(/[$]/g, "\\$");
  return text !== undefined &&
    new RegExp(
      `^export\\s+(?:const|let|var)\\s+${escaped}\\s*[:=]|\\bexport\\s*\\{[^}]*\\b${escaped}\\b[^}]*\\}`,
      "m",
    ).test(text);
}

/**
 * Per function: what {@linkcode locateByIdentity} found in the static import graph of
 * its roots (a static graph does not change), so that a function sent again and again
 * (a queue of jobs) costs no second walk.
 */
const textual = new WeakMap<object, { key: string; found: Located | undefined }>();

/**
 * What {@linkcode locateByIdentity} found: the module and export name of the function
 * (`byText`: the one module of the graph whose text declares it, not checked by
 * identity), or `lookalikes`: modules of the graph that export another function of its
 * name and source text, and none exports the function itself (it comes from a module
 * outside the graph: a dynamic `import()`), which a search by name and source in the
 * receiving thread would take instead.
 */
export type Located =
  | { module: string; name: string; byText?: boolean; lookalikes?: undefined }
  | { lookalikes: string[]; module?: undefined; name?: undefined; byText?: undefined };

/** A dynamic `import(` in a module's text (a module that no static graph shows). */
const DYNAMIC_IMPORT = /(?:^|[^\w$.])import\s*\(/g;

function searchGraph(
  fn: (...args: never[]) => unknown,
  roots: readonly string[],
  same: (v: unknown) => boolean,
): Located | undefined {
  // The module's text is TypeScript (or JavaScript before the runtime's emit), not the
  // function's source text as V8 has it: a declaration of its name is what is looked for.
  const escaped = fn.name.replace(/[$]/g, "\\$");
  const declared = new RegExp(
    isArrowSource(Function.prototype.toString.call(fn))
      ? `\\b(?:const|let|var)\\s+${escaped}\\s*[:=]`
      : `\\bfunction\\s*\\*?\\s*${escaped}\\s*[(<]`,
  );
  const holders: string[] = [];
  let unread = false;
  let dynamic = false;
  for (const module of graphSync(roots)) {
    const text = moduleText(module);
    if (text === undefined) unread = true;
    else {
      if (declared.test(text)) holders.push(module);
      if (!dynamic && text.search(DYNAMIC_IMPORT) >= 0) dynamic = true;
    }
  }
  // With no dynamic import in the graph, every module of the program's own is in it:
  // the one that declares a function of its name is its module. With dynamic imports
  // of literal specifiers only, whose modules (and their static graphs) declare no
  // function of its name, too: no namespace need be taken (the first `require()` costs
  // 10-50 ms).
  if (
    !unread && holders.length === 1 &&
    (!dynamic || !dynamicDeclares(roots, declared))
  ) {
    return { module: holders[0], name: fn.name, byText: true };
  }
  if (!unread && holders.length === 0) return undefined;
  // Else told by identity: a module that a dynamic import() loaded may export another
  // function of the same name and text (`work` of ./a.ts and of ./b.ts).
  const lookalikes: string[] = [];
  let unknown = unread; // a module not told by identity may export the function itself
  const source = Function.prototype.toString.call(fn);
  for (const module of holders) {
    const ns = roots.includes(module) ? loadedModule(module) : evaluatedModule(module);
    if (ns === undefined) {
      unknown = true;
      continue;
    }
    let found: { name: string; value: unknown } | undefined;
    let other: unknown;
    try {
      found = exportNameOf(ns, same);
      other = found === undefined ? findExport(ns, fn.name, source) : undefined;
    } catch {
      unknown = true; // an export still in its temporal dead zone: evaluating
      continue;
    }
    if (found !== undefined) return { module, name: found.name };
    if (typeof other === "function") lookalikes.push(module);
  }
  return lookalikes.length > 0 && !unknown ? { lookalikes } : undefined;
}

/**
 * Every module that exports a function of `name` and `source` (distinct functions only:
 * a re-export of the same function counts once), among `modules` and the static import
 * graph of `roots` as this thread has imported it (else among every module loaded here),
 * and the library's exports.
 */
export function matchingExports(
  name: string,
  source: string,
  roots: readonly string[],
): { module: string; value: unknown }[] {
  const inGraph = roots.length > 0 && roots.every(graphImported)
    ? graphSync(roots).filter((url) => loadedModule(url) !== undefined)
    : [...loadedModules()].map(([url]) => url);
  const out: { module: string; value: unknown }[] = [];
  const add = (module: string, ns: Record<string, unknown> | undefined) => {
    const value = ns && findExport(ns, name, source);
    if (typeof value === "function" && !out.some((m) => m.value === value)) {
      out.push({ module, value });
    }
  };
  for (const url of inGraph) add(url, loadedModule(url));
  add(LIBRARY_ENTRY, library);
  return out;
}

/**
 * The words for a function that two or more modules export under the same name with the
 * same source text, which the sending thread could not tell apart by identity.
 */
export function ambiguousMessage(
  name: string,
  candidates: readonly string[],
  fix: string,
): string {
  return `the function ${name} cannot be told apart: ${
    candidates.join(" and ")
  } each export a function ${name} with the same source text (which may close over different module state), and the sending thread could not tell by identity which one it is; the thread will not guess: ${fix}`;
}

/**
 * The words for a function whose name and source text modules of the static graph
 * export, but not the function itself (see {@linkcode Located}): the receiving thread
 * would run theirs.
 *
 * @param fix What to write instead (`name that module, as in ...`).
 */
export function lookalikeMessage(
  name: string,
  lookalikes: readonly string[],
  fix: string,
): string {
  return `the function ${name} is not the one that ${lookalikes.join(" and ")} ${
    lookalikes.length > 1 ? "export" : "exports"
  }: that is another function of the same name and source text (over its own module state), which a thread would run instead; this one comes from a module that no module here imports statically (a dynamic import()): ${fix}`;
}

/**
 * Imports, in this thread, the static import graph of `roots` (their own modules
 * first), so that {@linkcode findLoaded} can search it. Modules that fail to import are
 * skipped. Once per root per thread.
 */
export async function importGraph(roots: readonly string[]): Promise<void> {
  const queue = roots.filter((r) => !walked.has(r) && !ofLibrary(r));
  const seen = new Set<string>(queue);
  for (let i = 0; i < queue.length && i < MAX_MODULES; i++) {
    const url = queue[i];
    // A dynamic import of a file the program may not read would ask (a prompt in a
    // terminal); one the thread has imported already is not asked again.
    if (
      url.startsWith("file:") && loadedModule(url) === undefined && !mayReadQuietly(url)
    ) {
      continue;
    }
    try {
      await importModule(url);
    } catch {
      continue;
    }
    for (const dep of await dependencies(url)) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  for (const r of roots) walked.add(r);
}

/** Whether this thread has imported the static import graph of `root` (see {@linkcode importGraph}). */
export function graphImported(root: string): boolean {
  return walked.has(root) || ofLibrary(root);
}

/**
 * Finds, among the modules imported in this thread, the one that exports `name` (with
 * the same source text, when given) and passes `accept`: one of `prefer`, else of their
 * static import graph (with none named: any module loaded here), else the library.
 *
 * @returns The module's URL and the export, or undefined.
 */
export function findLoaded(
  name: string,
  source: string | undefined,
  accept: (value: unknown) => boolean = () => true,
  prefer: readonly string[] = [],
): { module: string; value: unknown } | undefined {
  for (const module of prefer) {
    const ns = loadedModule(module);
    const value = ns && findExport(ns, name, source);
    if (value !== undefined && accept(value)) return { module, value };
  }
  // With modules named, only their static import graph: a module that an earlier
  // thread of this Worker loaded (another program's part, or a dynamic import's) may
  // export another function or class of the same name and text; taking it would guess.
  const search: Iterable<[string, Record<string, unknown>]> = prefer.length > 0
    ? graphSync(prefer).flatMap((url) => {
      const ns = loadedModule(url);
      return ns === undefined ? [] : [[url, ns] as [string, Record<string, unknown>]];
    })
    : loadedModules();
  for (const [module, ns] of search) {
    const value = findExport(ns, name, source);
    if (value !== undefined && accept(value)) return { module, value };
  }
  const value = findExport(library, name, source);
  if (value !== undefined && accept(value)) return { module: LIBRARY_ENTRY, value };
  return undefined;
}

/**
 * Finds `name` in the first of `modules` that exports it, else anywhere in their static
 * import graph (see the module doc).
 */
export async function locateExport(
  modules: readonly string[],
  name: string,
  source: string | undefined,
  accept: (value: unknown) => boolean = () => true,
): Promise<{ module: string; value: unknown } | undefined> {
  await importGraph(modules);
  return findLoaded(name, source, accept, modules);
}

/**
 * The declarations of the function `name` in a module's text: whether one is at the top
 * level of the module (`function name(`, `export function name(` at the start of a line)
 * and whether one is nested (indented, or inside an expression: `new Thread({ target:
 * function work() {...} })`), that is, a closure.
 */
function declarations(
  text: string,
  name: string,
): { top: "exported" | "local" | undefined; nested: boolean; indented: boolean } {
  const escaped = name.replace(/[$]/g, "\\$");
  const declaration = new RegExp(`\\bfunction\\s*\\*?\\s*${escaped}\\s*\\(`, "g");
  let top: "exported" | "local" | undefined;
  let nested = false;
  let indented = false; // a declaration statement inside a function or a block
  for (const m of text.matchAll(declaration)) {
    const lineStart = text.lastIndexOf("\n", m.index) + 1;
    const before = text.slice(lineStart, m.index);
    if (/^\s*(?:\/\/|\/?\*)/.test(before)) continue; // in a comment
    const at = /^(export\s+(?:default\s+)?)?(?:async\s+)?$/.exec(before);
    if (at === null) {
      nested = true;
      if (/^\s+(?:async\s+)?$/.test(before)) indented = true;
    } else if (at[1] !== undefined) top = "exported";
    else top ??= "local";
  }
  if (top === "local") {
    // Exported by a list (`export { name }`, `export { name as other }`) or as default.
    const listed = new RegExp(
      `\\bexport\\s*\\{[^}]*\\b${escaped}\\b[^}]*\\}|\\bexport\\s+default\\s+${escaped}\\b`,
    );
    if (listed.test(text)) top = "exported";
  }
  return { top, nested, indented };
}

/**
 * Finds, in the text of the local modules among `modules`, a declaration of the
 * function `name` that is not at the top level of its module (indented, or inside an
 * expression: `new Thread({ target: function work() {...} })`), that is, a closure. Used
 * only to word an error.
 *
 * @returns The URL of the module that declares it so, or undefined.
 */
export async function nestedDeclaration(
  modules: readonly string[],
  name: string,
): Promise<string | undefined> {
  for (const url of modules) {
    if (!url.startsWith("file:")) continue;
    let text: string;
    try {
      text = await readTextFile(new URL(url));
    } catch {
      continue;
    }
    if (declarations(text, name).nested) return url;
  }
  return undefined;
}

/** The words for a function declared as a closure (see {@linkcode nestedDeclaration}). */
export function closureMessage(name: string, module: string): string {
  return `the function ${name} is declared inside a function or a block of ${module} (a closure), not at the top level of its module: a thread imports its code by name from its module and cannot see a closure's variables; move ${name} to the top level, export it (\`export function ${name}\u2026\`), and pass what it uses as args (data that threads change in a SharedList or SharedJSON)`;
}

/**
 * The source text of an anonymous function or class expression (`function () {}`,
 * `async function* () {}`, `class {}`, `class extends Base {}`): its `name`, if any,
 * was inferred from the property or variable it was written in.
 */
const ANONYMOUS_SOURCE = /^(?:(?:async\s+)?function\s*\*?\s*\(|class\s*(?:\{|extends\b))/;

/**
 * The words for code that no module exports: `misses` says what each module searched
 * lacks, `option` how to name the module (for code that has a `module` option),
 * `source` the code's source text (an anonymous expression is said to be one),
 * `searched` the modules searched: one that declares the code without exporting it is
 * named, and adding `export` there is enough (no `module` option). For a
 * method (its `source` is a method's text, `run(x) {...}`) that is no static method of an
 * exported class, the words of {@linkcode methodMessage} instead: it was passed without
 * its object (`target: counter.increment`).
 */
export function notExportedMessage(
  what: "function" | "class",
  name: string,
  misses: readonly string[],
  option?: string,
  source?: string,
  searched: readonly string[] = [],
): string {
  if (source !== undefined && ANONYMOUS_SOURCE.test(source)) {
    // `target: function () {...}`: the name is JavaScript's inference from the property
    // or variable, not one the user wrote; "export function target" would mislead.
    return `the ${what} is an anonymous ${what} expression (\`${
      what === "class" ? "class {\u2026}" : "function () {\u2026}"
    }\`, which JavaScript names ${name} after the property or variable it was written in), and no module exports it: ${
      misses.join("; ")
    }; code travels to another thread by reference, found by its module and its exported name: declare it as a named, exported ${what} (\`export ${
      what === "class" ? "class Work" : "function work(\u2026)"
    } {\u2026}\`) and pass that`;
  }
  if (what === "function" && source !== undefined && isMethodSource(source)) {
    return methodMessage(
      option === undefined ? "it" : "the target",
      name,
      instanceMethodOf(loadedModules(), source),
    );
  }
  const fix = `export it (\`export ${
    what === "class" ? "class" : "function"
  } ${name}\u2026\`)`;
  const why =
    "code travels to another thread by reference, found by its module and its exported name";
  const declaring = searched.find((url) => declaredUnexported(url, what, name));
  if (declaring === undefined && option !== undefined) {
    // Exported, by a module that a dynamic import() loads: the module option is the fix.
    const dynamic = dynamicImports(searched);
    const exporters = dynamic.filter((d) => exportsName(d.url, name));
    if (exporters.length > 0) {
      const one = exporters.length === 1;
      return `the ${what} ${name} cannot be found by reference: ${
        misses.join("; ")
      }, nor does any module it imports statically; ${
        exporters.map((d) => d.url).join(" and ")
      } ${
        one ? "exports" : "export"
      } a ${what} ${name}, loaded by a dynamic import() (in ${
        exporters[0].from
      }), which a thread cannot follow: name ${
        one ? "that module" : "the one of those modules that exports it"
      }, as in ${
        exporters.map((d) =>
          `\`${
            option.replace(
              "./<its file>.ts",
              searched.includes(d.from) ? d.specifier : d.url,
            )
          }\``
        ).join(" or ")
      } (${why})`;
    }
    if (dynamic.length > 0) {
      return `the ${what} ${name} cannot be found by reference: ${
        misses.join("; ")
      }, nor does any module it imports statically; if it comes from a module that a dynamic import() loads (${
        dynamic[0].from
      } has one), name that module, as in \`${option}\`; else ${fix} from the module that declares it (${why})`;
    }
  }
  return `the ${what} ${name} cannot be found by reference: ${
    misses.join("; ")
  }, nor does any module it imports statically; ${
    declaring !== undefined
      // Where the thread looks already: `export` is all it takes.
      ? `${fix} in ${declaring}, which declares it without export: that is enough (${why})`
      : option === undefined
      ? `${fix} from the module that declares it: ${why}`
      : `${fix} from the module that declares it; if that module is none of these (nor one they import statically), name it too, as in \`${option}\` (${why})`
  }`;
}

/**
 * Whether a module that the static graph of `roots` may load by a dynamic `import()`
 * (and not statically) declares what `declared` finds: true where it cannot be told
 * (an `import(` of a computed specifier, an unreadable module).
 */
function dynamicDeclares(roots: readonly string[], declared: RegExp): boolean {
  const graph = graphSync(roots);
  for (const url of graph) {
    const text = moduleText(url) ?? "";
    const calls = text.match(DYNAMIC_IMPORT)?.length ?? 0;
    if (calls > [...text.matchAll(DYNAMIC_SPECIFIER)].length) return true;
  }
  const dynamic = dynamicImports(roots).map((d) => d.url);
  const inGraph = new Set(graph);
  for (const url of graphSync(dynamic)) {
    if (inGraph.has(url)) continue;
    if (!url.startsWith("file:") || !mayReadQuietly(url)) return true;
    const text = moduleText(url);
    if (text === undefined || declared.test(text)) return true;
  }
  return false;
}

/** The static specifiers of dynamic `import("...")` calls in a module's text. */
const DYNAMIC_SPECIFIER = /(?:^|[^\w$.])import\s*\(\s*(["'`])([^"'`\n$]+)\1\s*[,)]/g;

/**
 * The local modules that the static graph of `roots` loads by a dynamic `import()` of a
 * literal specifier (`await import("./lib/dyn.ts")`), read from their texts: for the
 * words of an error only.
 */
function dynamicImports(
  roots: readonly string[],
): { from: string; specifier: string; url: string }[] {
  const out: { from: string; specifier: string; url: string }[] = [];
  for (const from of graphSync(roots)) {
    const text = moduleText(from);
    if (text === undefined) continue;
    for (const m of text.matchAll(DYNAMIC_SPECIFIER)) {
      const url = resolve(m[2], from);
      if (url !== undefined && !out.some((d) => d.url === url)) {
        out.push({ from, specifier: m[2], url });
      }
    }
  }
  return out;
}

/** Whether the text of the local module `url` exports `name` (read without a prompt). */
function exportsName(url: string, name: string): boolean {
  if (!url.startsWith("file:") || !mayReadQuietly(url)) return false;
  const text = moduleText(url);
  if (text === undefined) return false;
  const escaped = name.replace(/[$]/g, "\\$");
  return new RegExp(
    `^export\\s+(?:default\\s+)?(?:async\\s+)?(?:function\\s*\\*?\\s*|(?:abstract\\s+)?class\\s+|(?:const|let|var)\\s+)${escaped}\\b|\\bexport\\s*\\{[^}]*\\b${escaped}\\b[^}]*\\}`,
    "m",
  ).test(text);
}

/**
 * Whether the text of module `url` declares `name` at its top level without exporting
 * it (`function name(` or `class name`, not inside a function or a block).
 */
function declaredUnexported(
  url: string,
  what: "function" | "class",
  name: string,
): boolean {
  if (!url.startsWith("file:") || ofLibrary(url)) return false;
  const text = moduleText(url);
  if (text === undefined) return false;
  if (what === "function") return declarations(text, name).top === "local";
  const escaped = name.replace(/[$]/g, "\\$");
  return new RegExp(`^(?:abstract\\s+)?class\\s+${escaped}\\b`, "m").test(text) &&
    !new RegExp(
      `^export\\s+(?:default\\s+)?(?:abstract\\s+)?class\\s+${escaped}\\b|\\bexport\\s*\\{[^}]*\\b${escaped}\\b[^}]*\\}`,
      "m",
    ).test(text);
}

/** Module texts read by {@linkcode moduleText}, per URL (once per thread). */
const texts = new Map<string, string | undefined>();
/** What a module's text declares of a name, per module and name. */
const verdicts = new Map<string, ReturnType<typeof declarations>>();

/**
 * Refuses, where it is created, a function that its module declares but does not
 * export, or declares only as a closure (a Barrier's action, which a thread would not
 * find). Read from the module's text (synchronously, once per module), since the
 * module may still be evaluating; a function the text does not declare (imported from
 * another module) passes, and is looked for when it travels.
 *
 * @throws {TypeError} If `module` declares `name` only as a closure or without export.
 */
export function refuseUnexported(
  name: string,
  module: string | undefined,
  action: string,
): void {
  if (module === undefined || !module.startsWith("file:") || ofLibrary(module)) return;
  const text = moduleText(module);
  if (text === undefined) return; // unreadable: checked when it travels
  const key = `${module}\n${name}`;
  let verdict = verdicts.get(key);
  if (verdict === undefined) verdicts.set(key, verdict = declarations(text, name));
  const { top, indented } = verdict;
  if (top === "exported") return;
  if (top === "local") {
    throw new TypeError(
      `${action}: ${
        notExportedMessage(
          "function",
          name,
          [`${module} does not export ${name}`],
          undefined,
          undefined,
          [module],
        )
      }`,
    );
  }
  // Only an indented declaration is surely a closure (`const f = function f() {}` at
  // the top level is not): the others are looked for when the code travels.
  if (indented) throw new TypeError(`${action}: ${closureMessage(name, module)}`);
}
