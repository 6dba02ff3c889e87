// Copyright the threading for Deno authors. MIT license.
// Every library module that makes a TypeError or RangeError takes them from
// `src/_caller_stack.ts`, whose classes start the error's stack at the user's line. A
// module that uses the global ones throws with the library's (minified) frames on top:
// a re-check found four modules merged in one stop that had missed the import.
import assert from "node:assert/strict";

const src = new URL("../src/", import.meta.url);

Deno.test("every src module that throws TypeError or RangeError imports them from _caller_stack.ts", async () => {
  const missing: string[] = [];
  for await (const entry of Deno.readDir(src)) {
    if (
      !entry.isFile || !entry.name.endsWith(".ts") || entry.name === "_caller_stack.ts"
    ) {
      continue;
    }
    const text = await Deno.readTextFile(new URL(entry.name, src));
    // Code only: doc comments show `throw new RangeError(...)` in examples.
    const code = text.split("\n").filter((line) => !/^\s*(\*|\/\/)/.test(line)).join(
      "\n",
    );
    for (const name of ["TypeError", "RangeError"]) {
      if (!new RegExp(`new ${name}\\(`).test(code)) continue;
      const imported = new RegExp(
        `import \\{[^}]*\\b${name}\\b[^}]*\\} from "\\./_caller_stack\\.ts"`,
      );
      if (!imported.test(text)) missing.push(`${entry.name}: ${name}`);
    }
  }
  assert.deepEqual(missing.sort(), [], "import them from ./_caller_stack.ts");
});
