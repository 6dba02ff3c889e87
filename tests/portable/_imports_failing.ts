// Copyright the threading for Deno authors. MIT license.
// A module whose import fails in a thread, because a module it imports throws there
// (`_fails_in_threads.ts`): loaded only in a thread, by `module_failure` of `run.ts`.
import { helper } from "./_fails_in_threads.ts";

export function work(): void {
  helper();
}
