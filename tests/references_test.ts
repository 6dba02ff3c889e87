// Copyright the threading for Deno authors. MIT license.
// Code found by reference, and the advice given when it cannot be, in real subprocesses
// (tests/fixtures/references/).
import assert from "node:assert/strict";
import { runDeno } from "./_subprocess.ts";

async function runFixture(
  file: string,
  args: string[] = ["--allow-read"],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const main = new URL(`./fixtures/references/${file}`, import.meta.url).pathname;
  return await runDeno(["run", "--no-lock", ...args, main], { timeoutMs: 60_000 });
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

Deno.test("targets and arguments that cannot travel get advice that fits", async () => {
  const { code, stdout, stderr } = await runFixture("mistakes.ts");
  assert.equal(code, 0, stderr);
  const lines = new Map(
    stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(":")), l]),
  );
  for (const what of ["console.log", "Math.max"]) {
    const line = lines.get(what)!;
    const name = what.split(".")[1];
    assert.match(
      line,
      new RegExp(
        `is a built-in function .*export function ${name}Target\\(.*return <its object>\\.${name}\\(`,
      ),
      line,
    );
    assert.doesNotMatch(line, /cannot be found by reference/);
  }
  assert.match(lines.get("bound")!, /bound function \(bound work\).*target: work, args/);
  const instance = lines.get("instance")!;
  assert.match(
    instance,
    /instance of class Point.*extend Shareable.*\[kTravel\]\(\) method \(README/,
  );
  assert.ok(instance.indexOf("Shareable") < instance.indexOf("kTravel"), instance);
  const stdoutLine = lines.get("stdout")!;
  assert.match(stdoutLine, /args\[0\] is Deno\.stdout, .*cannot cross threads/);
  assert.doesNotMatch(stdoutLine, /shareable|Shareable/);
  // The main module exports `work` with other code, and this `work` is nested: a closure.
  assert.match(
    lines.get("loop")!,
    /the function work is declared inside a function or a block of .*mistakes\.ts \(a closure\).*export it/,
  );
});

Deno.test("the README's [kTravel]() example: a Point arrives as a Point", async () => {
  const { code, stdout, stderr } = await runFixture("travel.ts");
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "true 5\n");
});
