// Copyright the threading for Deno authors. MIT license.
// The `deno bench` commands of deno.json's `bench` task load and type-check (with
// `--no-run`): a fresh user found `deno task bench` failing at once, because its first
// command collected bench/peers/, whose import map lives in bench/peers/deno.json.
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

const root = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
  tasks: Record<string, string>;
};

Deno.test("every deno bench command of the bench task type-checks", async () => {
  const commands = config.tasks.bench.split("&&").map((c) => c.trim().split(/\s+/));
  assert.ok(commands.length >= 2, config.tasks.bench);
  for (const [deno, sub, ...args] of commands) {
    assert.equal(`${deno} ${sub}`, "deno bench", config.tasks.bench);
    const result = await runDeno(["bench", "--no-run", ...args], {
      cwd: root,
      timeoutMs: 300_000,
    });
    assert.equal(result.code, 0, `deno bench ${args.join(" ")}:\n${result.stderr}`);
  }
});
