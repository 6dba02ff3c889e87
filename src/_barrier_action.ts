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
import { describe } from "./_futex.ts";
import { callerModule, refuseUntravelable } from "./_reference.ts";
import { exportedArrow, refuseUnexported } from "./_locate.ts";
import {
  type FunctionRef,
  functionReference,
  resolveFunction,
} from "./_codec_functions.ts";
import { refuseAsyncFunction } from "./_sync_callback.ts";

/** The fix for an async action. */
export const ACTION_FIX =
  "the action runs to its end before the parties pass, so it must be synchronous: do the async work after wait() returns (in the thread that got index 0, say)";

/** An action: a named function exported by its module. */
export type BarrierAction = () => unknown;

/**
 * How an action travels: as a function does (`functionReference`: the module that
 * exports it, found by identity where the creating thread can tell), with `module`, the
 * module the receiving thread imports first.
 */
export interface ActionRef extends FunctionRef {
  module?: string;
}

/**
 * Checks a barrier's action where it is created, and finds its module by identity as a
 * function argument's (two modules may export functions of the same name and source
 * text over different module state: the one passed runs).
 *
 * @returns The action's reference.
 * @throws {TypeError} If `action` is not a named function exported by its module.
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
  // Checked as a thread's target is at start(), with the same words.
  const caller = callerModule();
  refuseUntravelable(
    action,
    "the action",
    "Cannot create Barrier",
    () => exportedArrow(action, caller === undefined ? [] : [caller]),
  );
  refuseUnexported(action.name, caller, "Cannot create Barrier");
  const ref = functionReference(action, "the action", "Cannot create Barrier");
  return { ...ref, module: ref.modules[0] };
}

/**
 * Finds a barrier's action in this thread (as a function received: `resolveFunction`).
 *
 * @throws {TypeError} If the action's module does not export it here, or two modules
 * export functions of its name and source that the creating thread could not tell apart.
 */
export function findAction(ref: ActionRef): BarrierAction {
  try {
    return resolveFunction(ref) as BarrierAction;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(
      `Cannot use the action of Barrier: ${
        error.message.replace(
          /^Cannot receive the function \S+ from another thread: /,
          "",
        )
      }`,
    );
  }
}
