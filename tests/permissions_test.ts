// Copyright the threading for Deno authors. MIT license.
// The library never causes a permission prompt, nor needs more permission than the
// user's own code: real programs in a real pseudo-terminal (where Deno would ask), with
// the README's least-privilege command line.
import assert from "node:assert/strict";
import { hasScript, runInTerminal } from "./_terminal.ts";
import { inPackage } from "../src/_locate.ts";

const root = new URL("../", import.meta.url).pathname;
const fixture = (name: string) => `tests/fixtures/permissions/${name}`;

function noPrompt(out: string): void {
  assert.ok(!out.includes("Deno requests"), `a permission prompt appeared:\n${out}`);
}

Deno.test({
  name:
    "in a terminal, a program that imports an npm package starts threads with --allow-read=. and no read prompt",
  ignore: !hasScript,
  fn: async () => {
    const out = await runInTerminal(fixture("npm_import.ts"), ["--allow-read=."], root);
    noPrompt(out);
    assert.match(out, /^done\r?$/m);
  },
});

Deno.test({
  name:
    "in a terminal, the README's LogTape example (own logger, every thread) runs with --allow-read=. and no prompt",
  ignore: !hasScript,
  fn: async () => {
    const out = await runInTerminal(fixture("log_main.ts"), ["--allow-read=."], root);
    noPrompt(out);
    assert.match(out, /\(MainThread\) INFO {4}app: starting/);
    assert.match(out, /\(worker {4}\) DEBUG {3}app\.work: working in a thread/);
    assert.match(out, /\(other {5}\) DEBUG {3}app\.work: working in a thread/);
    assert.match(out, /^done\r?$/m);
  },
});

Deno.test({
  name:
    "in a terminal, the import-graph walk does not import a module the program may not read (an import line in a string)",
  ignore: !hasScript,
  fn: async () => {
    const out = await runInTerminal(
      fixture("app/main.ts"),
      [`--allow-read=./mod.ts,./src,./${fixture("app")}`],
      root,
    );
    noPrompt(out);
    assert.match(out, /^work ran\r?$/m);
    assert.match(out, /^done\r?$/m);
  },
});

Deno.test({
  name:
    "in a terminal, a Barrier's action is checked without asking to read its module (a program with no thread needs no read permission)",
  ignore: !hasScript,
  fn: async () => {
    const out = await runInTerminal(
      fixture("app/barrier.ts"),
      ["--allow-read=./mod.ts,./src"],
      root,
    );
    noPrompt(out);
    assert.match(out, /^action ran\r?$/m);
    assert.match(out, /^done\r?$/m);
  },
});

Deno.test("inPackage: node_modules and Deno's npm cache are packages; the user's files are not", () => {
  for (
    const url of [
      "file:///home/me/.cache/deno/npm/registry.npmjs.org/@logtape/logtape/2.4.2/dist/mod.js",
      "file:///tmp/denodir/npm/registry.npmjs.org/chalk/5.3.0/source/index.js",
      "file:///srv/app/node_modules/.deno/chalk@5.3.0/node_modules/chalk/index.js",
      "file:///srv/app/node_modules/chalk/index.js",
    ]
  ) assert.ok(inPackage(url), url);
  for (
    const url of [
      "file:///srv/app/main.ts",
      "file:///srv/app/npm/tools/1.2.3.ts",
      "file:///srv/npm/app/v1/main.ts",
      "https://example.com/node_modules/x.js",
    ]
  ) assert.ok(!inPackage(url), url);
});
