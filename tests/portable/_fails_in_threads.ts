// Copyright the threading for Deno authors. MIT license.
// Throws at its top level in a thread (see `_imports_failing.ts`).
import { isMainThread } from "node:worker_threads";

export function helper(): void {}

if (!isMainThread) throw new Error("this module refuses threads"); // throws here
