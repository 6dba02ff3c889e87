// Copyright the threading for Deno authors. MIT license.
/**
 * What every thread's Worker loads: `mod.ts` and `src/`. Each byte of it costs every
 * thread's Worker about 3 bytes (see the README, "The cost of a thread"), so these tests
 * keep two costly mistakes out.
 *
 * Latin-1 text: V8 holds a script with one character outside Latin-1 at two bytes a
 * character, and every thread's Worker holds the library's modules (with the inline
 * source maps Deno adds): with 34 such files the library cost 0.8 MB more a thread (30
 * threads, 3 alternated rounds: 18.85 -> 17.75-18.08 MB). Comments use ASCII (`->`,
 * `...`); strings that print such a character write it as an escape (`"\u2026"`).
 *
 * Cheap `node:` built-ins only: the library's modules import statically only those that
 * cost a Deno Worker next to nothing (`node:process`, `node:timers`, `node:v8`,
 * `node:worker_threads`: +0.06 MB together, 30 Workers, 5 rounds; `node:async_hooks` and
 * `node:module`, which the thread timers need, +0.05 to 0.1 MB each, 30 Workers, 2
 * rounds). `node:fs` alone cost each Worker 0.5 MB of RSS, and `node:url` and `node:util`
 * 0.05 each, for calls that only Node and Bun make: `_platform.ts` loads them at their
 * first use (`process.getBuiltinModule`).
 */
import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);

/** `mod.ts` and every module of `src/`, with their paths from the repository's root. */
async function workerModules(): Promise<{ path: string; text: string }[]> {
  const files = [new URL("mod.ts", root)];
  for await (const entry of Deno.readDir(new URL("src/", root))) {
    if (entry.isFile && entry.name.endsWith(".ts")) {
      files.push(new URL(`src/${entry.name}`, root));
    }
  }
  assert.ok(files.length > 20, `found only ${files.length} modules`);
  return await Promise.all(files.map(async (file) => ({
    path: file.pathname.slice(root.pathname.length),
    text: await Deno.readTextFile(file),
  })));
}

Deno.test("every module a thread's Worker loads is Latin-1 text (one other character doubles its size in every Worker)", async () => {
  const offenders: string[] = [];
  for (const { path, text } of await workerModules()) {
    text.split("\n").forEach((line, i) => {
      for (const ch of line) {
        if (ch.codePointAt(0)! > 0xff) {
          offenders.push(`${path}:${i + 1}: ${ch}`);
          break;
        }
      }
    });
  }
  assert.deepEqual(
    offenders,
    [],
    "write these as ASCII in comments, as \\u escapes in strings",
  );
});

const CHEAP = new Set([
  "node:async_hooks",
  "node:module",
  "node:process",
  "node:timers",
  "node:v8",
  "node:worker_threads",
]);

Deno.test("the library's modules import statically only the node: built-ins that cost a Worker next to nothing", async () => {
  const offenders: string[] = [];
  for (const { path, text } of await workerModules()) {
    // Import declarations only (not the examples in doc comments, which start with `*`).
    for (const match of text.matchAll(/^import\b[^;]*?["'](node:[^"']+)["']/gms)) {
      if (!CHEAP.has(match[1])) offenders.push(`${path}: ${match[1]}`);
    }
  }
  assert.deepEqual(
    offenders,
    [],
    "load these at their first use (process.getBuiltinModule), as _platform.ts does",
  );
});
