// Copyright the threading for Deno authors. MIT license.
/**
 * The action of a `Barrier` (see `barrier.ts`): a named function exported by its
 * module, which runs in whichever thread arrives last. It travels by reference, as a
 * thread's target: checked at construction (in the creating thread), looked up by
 * name in the module that created the barrier (or a module it imports) in the
 * receiving thread.
 *
 * @module
 */
import { TypeError } from "./_caller_stack.ts";
import { loadedModule } from "./_codec.ts";
import { describe } from "./_futex.ts";
import { callerModule, findExport, refuseUntravelable } from "./_reference.ts";
import { findLoaded, notExportedMessage, refuseUnexported } from "./_locate.ts";
import { refuseAsyncFunction } from "./_sync_callback.ts";

/** The fix for an async action. */
export const ACTION_FIX =
  "the action runs to its end before the parties pass, so it must be synchronous: do the async work after wait() returns (in the thread that got index 0, say)";

/** An action: a named function exported by its module. */
export type BarrierAction = () => unknown;

/** How an action travels: its name, its source, and the module that exports it. */
export interface ActionRef {
  name: string;
  source: string;
  module?: string;
}

/**
 * Checks a barrier's action where it is created.
 *
 * @returns The action's reference.
 * @throws {TypeError} If `action` is not a named function exported by the calling
 * module.
 */
export function actionRef(action: BarrierAction): ActionRef {
  if (typeof action !== "function") {
    throw new TypeError(
      `Cannot create Barrier: action must be a named function exported by its module (it runs in whichever thread arrives last), received ${
        describe(action)
      }`,
    );
  }
  // As CPython's, the action is a plain call before the parties pass: not awaited.
  refuseAsyncFunction(action, "Cannot create Barrier", "the action", ACTION_FIX);
  // Checked here as a thread's target is at start(): an action travels the same way.
  const source = refuseUntravelable(action, "the action", "Cannot create Barrier");
  const module = callerModule();
  refuseUnexported(action.name, module, "Cannot create Barrier");
  return { name: action.name, source, module };
}

/**
 * Finds a barrier's action in this thread.
 *
 * @throws {TypeError} If the action's module does not export it here.
 */
export function findAction(ref: ActionRef): BarrierAction {
  const { name, source, module } = ref;
  const ns = module === undefined ? undefined : loadedModule(module);
  const found = (ns === undefined ? undefined : findExport(ns, name, source)) ??
    // Exported by a module that the named one imports (see `_locate.ts`).
    findLoaded(name, source, (v) => typeof v === "function")?.value;
  if (typeof found !== "function") {
    const miss = ns !== undefined && Object.hasOwn(ns, name)
      ? `${module} exports a different ${name}`
      : `${module ?? "the module that created the barrier"} does not export ${name}`;
    throw new TypeError(
      `Cannot use the action of Barrier: ${notExportedMessage("function", name, [miss])}`,
    );
  }
  return found as BarrierAction;
}
