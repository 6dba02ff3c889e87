// Copyright the threading for Deno authors. MIT license.
// Code found by reference, and the advice given when it cannot be, in real subprocesses
// (tests/fixtures/references/).
import assert from "node:assert/strict";

async function runFixture(
  file: string,
  args: string[] = ["--allow-read"],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL(`./fixtures/references/${file}`, import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-lock", ...args, main],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(timer);
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("default exports and the library's own functions are found as targets", async () => {
  const { code, stdout, stderr } = await runFixture("main.ts");
  assert.equal(code, 0, stderr);
  assert.deepEqual(stdout.trim().split("\n"), [
    "own default (found)",
    "own default (module)",
    "default crunch(7) in found",
    "default crunch(8) in module",
    "Ticker.run in subclass",
    "Counter added",
    "count=1",
    "sleep threads: slept",
  ]);
});
