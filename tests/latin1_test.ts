// Copyright the threading for Deno authors. MIT license.
/**
 * Every module that a thread's Worker loads (`mod.ts` and `src/`) is Latin-1 text. V8
 * holds a script with one character outside Latin-1 at two bytes a character, and every
 * thread's Worker holds the library's modules (with the inline source maps Deno adds):
 * with 34 such files the library cost 0.8 MB more a thread (30 threads, 3 alternated
 * rounds: 18.85 → 17.75–18.08 MB). Comments use ASCII (`->`, `...`); strings that
 * print such a character write it as an escape (`"\u2026"`).
 */
import assert from "node:assert/strict";

Deno.test("every module a thread's Worker loads is Latin-1 text (one other character doubles its size in every Worker)", async () => {
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
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((line, i) => {
      for (const ch of line) {
        if (ch.codePointAt(0)! > 0xff) {
          offenders.push(`${file.pathname.slice(root.pathname.length)}:${i + 1}: ${ch}`);
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
