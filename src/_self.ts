// Copyright the threading for Deno authors. MIT license.
/**
 * Where this copy of the library is, in either of its two forms:
 *
 * | form | entry | what a thread's Worker loads | `import.meta.url` of every library module |
 * | --- | --- | --- | --- |
 * | one minified JavaScript file | `mod.ts` (`@threading/threading`), which re-exports `src/_bundle/threading.js` | the bundle alone | the bundle's |
 * | TypeScript modules | `src/threading.ts` (the tests; not an entry of the package) | `_worker.ts` and the modules it imports | its own file in `src/` |
 *
 * The bundle is built from these same modules (`deno task build`), so each module that
 * finds itself through `import.meta.url` (the Worker to boot, the module a thread imports
 * for the library's own exports, the frames of a stack that are the library's) asks this
 * module instead, and gets the right answer in both forms. The modules that name
 * themselves for a receiving thread to import (`HERE` in `local.ts` and `shared_*.ts`)
 * need nothing: in the bundle their URL is the bundle's, whose evaluation registers every
 * kind. `_signals.ts` starts its Worker from a `data:` URL, which needs no library file.
 *
 * ## One copy per thread
 *
 * A second copy of the library in the same thread (`mod.ts` and the bundle, or two
 * versions) would have its own pool, thread table and locks, and its Worker bootstrap
 * would start a second job loop in a thread's Worker: threads would hang or misreport.
 * So the first copy evaluated in a thread claims it (a `globalThis` key), and evaluating
 * another copy throws a {@linkcode ThreadError} that names both: in the main thread the
 * program fails at its imports, in a thread `start()` fails with that message.
 *
 * @module
 */
import { ThreadError } from "./errors.ts";

/** The URL of this module: `src/_self.ts`, or the bundle's own URL. */
const SELF = import.meta.url;

/**
 * Whether this copy is the one-file bundle: this module's code runs from a file of
 * another name than its own. (Not "a `.js` file": a registry's npm layer may publish the
 * modules transpiled, as `_self.js`.)
 */
export const BUNDLED: boolean = !/\/_self\.[cm]?[jt]s$/.test(new URL(SELF).pathname);

/** The library's `src/` folder (the bundle lives in `src/_bundle/`), with a final `/`. */
export const SOURCE_DIR: string = new URL(BUNDLED ? "../" : "./", SELF).href;

/** The package's `mod.ts` (beside `src/`), which re-exports the bundle. */
export const MOD_TS: string = new URL("mod.ts", new URL("../", SOURCE_DIR)).href;

/**
 * The entry a thread imports to find the library's own exports (`sleep` as a target):
 * the bundle itself, or `src/threading.ts`.
 */
export const LIBRARY_ENTRY: string = BUNDLED ? SELF : new URL("threading.ts", SELF).href;

/**
 * The module a thread's Worker boots from: `_worker.ts`, or the bundle (it holds the
 * bootstrap, which starts its job loop only in a Worker of this library).
 */
export const WORKER_MODULE: string = BUNDLED ? SELF : new URL("./_worker.ts", SELF).href;

/**
 * The files of this library that a stack's frames show: `src/_bundle/threading.js`
 * alone, or `undefined` for the TypeScript form (whose frames name each module).
 */
export const BUNDLE_FILE: string | undefined = BUNDLED ? SELF : undefined;

/**
 * Whether `url` is one of the library's own modules (in either form): a file of `src/`
 * or `mod.ts`.
 *
 * @param url An absolute module URL.
 */
export function ofLibrary(url: string): boolean {
  return url.startsWith(SOURCE_DIR) || url === MOD_TS;
}

/** The `globalThis` key that the copy loaded first in this thread claims. */
const COPY = Symbol.for("@threading/threading:copy");

const claimed = (globalThis as Record<symbol, unknown>)[COPY];
if (claimed === undefined) {
  Object.defineProperty(globalThis, COPY, { value: LIBRARY_ENTRY });
} else if (claimed !== LIBRARY_ENTRY) {
  throw new ThreadError(
    `Cannot load ${LIBRARY_ENTRY}: this thread already loaded another copy of ` +
      `@threading/threading, ${claimed}. Two copies would each have their own threads, ` +
      `locks and Worker pool, and a thread of one cannot run code of the other. Import ` +
      `the library through its entries everywhere ("@threading/threading" and ` +
      `"@threading/threading/logging"), not through paths of its files, and one version ` +
      `of it`,
  );
}
