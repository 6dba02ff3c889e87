// Copyright the threading for Deno authors. MIT license.
/**
 * What every thread's Worker loads: the library's modules import statically only the
 * `node:` built-ins that cost a Deno Worker next to nothing (`node:process`,
 * `node:timers`, `node:v8`, `node:worker_threads`: +0.06 MB together, 30 Workers, 5
 * rounds; `node:async_hooks` and `node:module`, which the thread timers need, +0.05 to
 * 0.1 MB each, 30 Workers, 2 rounds). `node:fs` alone cost each Worker 0.5 MB of RSS, and `node:url` and
 * `node:util` 0.05 each, for calls that only Node and Bun make: `_platform.ts` loads them
 * at their first use (`process.getBuiltinModule`).
 */
import assert from "node:assert/strict";

const CHEAP = new Set([
  "node:async_hooks",
  "node:module",
  "node:process",
  "node:timers",
  "node:v8",
  "node:worker_threads",
]);

Deno.test("the library's modules import statically only the node: built-ins that cost a Worker next to nothing", async () => {
  const root = new URL("../", import.meta.url);
  const files = [new URL("mod.ts", root)];
  for await (const entry of Deno.readDir(new URL("src/", root))) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      files.push(new URL(`src/${entry.name}`, root));
    }
  }
  assert.ok(files.length > 20, `found only ${files.length} modules`);
  const offenders: string[] = [];
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    // Import declarations only (not the examples in doc comments, which start with `*`).
    for (const match of text.matchAll(/^import\b[^;]*?["'](node:[^"']+)["']/gms)) {
      if (!CHEAP.has(match[1])) {
        offenders.push(`${file.pathname.slice(root.pathname.length)}: ${match[1]}`);
      }
    }
  }
  assert.deepEqual(
    offenders,
    [],
    "load these at their first use (process.getBuiltinModule), as _platform.ts does",
  );
});
