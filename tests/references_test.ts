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

Deno.test("functions by reference: an alias export or a static method as target, exported functions as args, kwargs and queue items; obj.method and closures refused with words that fit", async () => {
  const { code, stdout, stderr } = await runFixture("functions.ts");
  assert.equal(code, 0, stderr);
  const lines = new Map(
    stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(":")), l]),
  );
  const line = (what: string) => lines.get(what) ?? `(no line ${what})`;
  // F3: an export under another name, with or without `module`, and a static method.
  assert.equal(line("target alias"), "target alias: ok");
  assert.equal(line("target alias, module"), "target alias, module: ok");
  assert.equal(line("target static"), "target static: ok");
  // F3: Python's Thread(target=obj.method): says it is a method, and the line to write.
  for (const what of ["target obj.method", "arg obj.method"]) {
    assert.match(
      line(what),
      /TypeError: .*(the target|args\[0\]|it) is increment, a method of Counter objects \(class Counter of .*function_tasks\.ts\), passed without its object .*the object that the method belongs to cannot travel with it.*`export function increment\(counter: Counter\) \{ counter\.increment\(\); \}` with `new Thread\(\{ target: increment, args: \[counter\] \}\)`.*subclass Thread/,
    );
    assert.doesNotMatch(line(what), /does not export|export function increment…/);
  }
  // F7: exported functions cross by reference and arrive as the export itself.
  assert.equal(line("arg square"), "arg square: 49");
  assert.equal(line("arg alias"), "arg alias: hidden 2");
  assert.equal(line("arg static"), "arg static: Tools.run 5");
  assert.equal(line("kwargs"), "kwargs: 729");
  assert.equal(line("shareable field"), "shareable field: 125");
  assert.equal(line("pool map"), "pool map: 1 8 27 64");
  assert.equal(line("job get"), "job get: 16");
  assert.equal(line("job getAsync"), "job getAsync: 16");
  assert.equal(line("back"), "back: true");
  assert.equal(line("back alias"), "back alias: true");
  assert.equal(line("getAsync"), "getAsync: true");
  assert.equal(line("get static"), "get static: true");
  // What cannot travel is refused with a target's words, naming where it sits.
  assert.match(
    line("arg arrow"),
    /args\[0\] is an arrow function that no module exports at its top level; .*export function work/,
  );
  assert.match(line("arg bound"), /args\[0\] is a bound function \(bound square\)/);
  assert.match(
    line("arg local"),
    /args\[0\]: the function local cannot be found by reference: .*functions\.ts does not export local.*export it \(`export function local…`\)/,
  );
  assert.match(line("put arrow"), /the item\.f is an arrow function/);
});

Deno.test("two modules export work with the same source: every road runs the one passed, an explicit module option that exports another work is refused, and what cannot be told apart is refused", async () => {
  const { code, stdout, stderr } = await runFixture("same_name.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  const refusals = lines.filter((l) => l.startsWith("refused"));
  assert.deepEqual(lines.filter((l) => !l.startsWith("refused")), [
    "-- target",
    "work from B",
    "-- timer",
    "work from B",
    "-- barrier",
    "work from B",
    "-- args",
    "work from B",
    "called B",
    "-- kwargs target a",
    "work from A",
    "-- queue",
    "work from B",
    "queue item B",
    "back is workB true",
    "-- module option names a.ts after b.ts was found",
    "-- target b again",
    "work from B",
    "-- unknowable",
    "-- unknowable, named",
    "work from B",
  ]);
  assert.equal(refusals.length, 3, stdout);
  // An explicit module that exports another function of the name, not this one.
  assert.match(
    refusals.shift()!,
    /^refused option: TypeError: .*the module option names .*same_a\.ts, which exports another function work with the same source text .*not the target itself/,
  );
  for (const line of refusals) {
    assert.match(
      line,
      /TypeError: .*the function work cannot be told apart: .*same_tla_a\.ts and .*same_tla_b\.ts/,
    );
    assert.match(line, /will not guess/);
  }
  assert.match(refusals[0], /module: import\.meta\.resolve/);
});

Deno.test("functions of modules loaded by dynamic import(): what an earlier start found never runs another function of the same name and source; Timer takes a module option; an explicit module that exports a lookalike is refused", async () => {
  const { code, stdout, stderr } = await runFixture("dynamic_same.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.deepEqual(lines.map((l) => l.replace(/:.*/s, ":")), [
    "-- a with module a",
    "work from A",
    "-- b without module",
    "refused b:",
    "-- b with module a",
    "refused b in a:",
    "-- timer b without module",
    "refused timer b:",
    "-- timer b with module b",
    "work from B",
    "-- timer b with module a",
    "refused timer b in a:",
    "-- b with module b",
    "work from B",
    "-- a without module",
    "work from A",
    "-- b as an argument",
    "work from B",
    "called B",
    "-- b through a queue",
    "work from B",
    "queue item B",
  ]);
  assert.ok(!stdout.includes("work from A\n-- b with module a"), stdout);
  const refused = (label: string) => lines.find((l) => l.startsWith(label))!;
  assert.match(
    refused("refused b:"),
    /TypeError: .*cannot be found by reference: .*same_a\.ts and .*same_b\.ts export a function work, loaded by a dynamic import\(\).*name the one of those modules that exports it, as in `new Thread\(\{ target: work, module: import\.meta\.resolve\("\.\/same_a\.ts"\) \}\)` or `new Thread\(\{ target: work, module: import\.meta\.resolve\("\.\/same_b\.ts"\) \}\)`/,
  );
  for (const label of ["refused b in a:", "refused timer b in a:"]) {
    assert.match(
      refused(label),
      /TypeError: .*the module option names .*same_a\.ts, which exports another function work with the same source text .*not the target itself/,
    );
  }

  const other = await runFixture("dynamic_lookalike.ts");
  assert.equal(other.code, 0, other.stderr);
  const out = other.stdout.trim().split("\n");
  assert.deepEqual(out.map((l) => l.replace(/:.*/s, ":")), [
    "-- b",
    "refused b:",
    "-- b as an argument",
    "refused arg b:",
    "-- a",
    "work from A",
    "-- b with module b",
    "work from B",
  ]);
  assert.match(
    out[1],
    /TypeError: .*the function work is not the one that .*same_a\.ts exports: .*dynamic import\(\)\): name that module, as in new Thread\(\{ target: work, module: import\.meta\.resolve/,
  );
  assert.match(
    out[3],
    /TypeError: .*args\[0\]: the function work is not the one that .*same_a\.ts exports: .*import it statically/,
  );
});

Deno.test("arrow functions: exported at the top level they travel (target, async target, argument, queue item, Barrier action); a non-exported or nested one is refused saying when one travels; an arrow in a field is told to be a method", async () => {
  const { code, stdout, stderr } = await runFixture("arrows.ts");
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n");
  assert.deepEqual(lines.map((l) => l.replace(/:.*/s, ":")), [
    "double 2",
    "triple 6",
    "double 6",
    "double 8",
    "barrier action",
    "refused hidden:",
    "refused nested:",
    "refused run field:",
    "refused handler field:",
  ]);
  assert.match(
    lines[5],
    /the target is an arrow function that no module exports at its top level; an arrow function travels to another thread only so \(`export const hidden = \(…\) => …`/,
  );
  assert.match(lines[6], /the target is an arrow function that no module exports/);
  assert.match(
    lines[7],
    /this\.run is an arrow function in a field \(`run = \(…\) => …`\).*make it a method \(`override run\(\) \{…\}`\): methods travel with the class$/,
  );
  assert.match(
    lines[8],
    /args\[0\]\.handler is an arrow function in a field .*in a class \(a Shareable\), make it a method \(`handler\(…\) \{…\}`\)/,
  );
});

Deno.test("a target from a module that only a dynamic import() loads: the refusal leads with the module option naming that module, not with 'export it'", async () => {
  const { code, stdout, stderr } = await runFixture("dynamic_one.ts");
  assert.equal(code, 0, stderr);
  const [refused, ran] = stdout.trim().split("\n");
  assert.match(
    refused,
    /^refused: TypeError: Cannot start thread "Thread-1 \(dynWork\)": the function dynWork cannot be found by reference: .*dynamic_one\.ts does not export dynWork, nor does any module it imports statically; .*dyn_work\.ts exports a function dynWork, loaded by a dynamic import\(\) \(in .*dynamic_one\.ts\), which a thread cannot follow: name that module, as in `new Thread\(\{ target: dynWork, module: import\.meta\.resolve\("\.\/dyn_work\.ts"\) \}\)`/,
  );
  assert.doesNotMatch(refused, /export it/);
  assert.equal(ran, "dynWork ran");
});

Deno.test("a Thread subclass with a #private field: the excepthook's report says #private fields do not travel, and to use an ordinary field", async () => {
  const { code, stdout, stderr } = await runFixture("private_field.ts");
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "count 5\n");
  assert.match(
    stderr,
    /^Exception in thread Thread-1:\nTypeError: Cannot read private member #count from an object whose class did not declare it; #private fields and methods of a Thread subclass do not travel to its thread .*use an ordinary field \(`count = 5`, not `#count = 5`\)/,
  );
});

Deno.test("code declared without export: the hint says adding export is enough, names the argument, and the stack starts at the user's start()", async () => {
  const { code, stdout, stderr } = await runFixture("unexported.ts");
  assert.equal(code, 0, stderr);
  const lines = new Map(
    stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(":")), l]),
  );
  const cases: [string, RegExp, RegExp][] = [
    [
      "target",
      /export function worker…`\) in file:.*\/unexported\.ts, which declares it without export: that is enough/,
      /unexported\.ts:\d+:\d+$/,
    ],
    [
      "subclass",
      /export class Job…`\) in file:.*\/unexported\.ts, which declares it without export: that is enough/,
      /unexported\.ts:\d+:\d+$/,
    ],
    [
      "argument",
      /args\[0\]: the function square .*in file:.*\/unexported\.ts, which declares it without export: that is enough/,
      /unexported\.ts:\d+:\d+$/,
    ],
    // Refused by the new thread, which names the argument as the sender would.
    [
      "pool argument",
      /Cannot receive args\[0\] \(the function square\) from another thread: .*in file:.*\/unexported\.ts, which declares it without export: that is enough/,
      /at startWith \(.*unexported_pool\.ts:\d+:\d+\)$/,
    ],
  ];
  for (const [label, message, frame] of cases) {
    const line = lines.get(label)!;
    assert.match(line, message, line);
    // No made-up module to name (`./tasks.ts`), no cause repeating the message over the
    // library's frames, and the user's call first.
    assert.doesNotMatch(line, /tasks\.ts|import\.meta\.resolve/, line);
    assert.match(line, /\| cause: none \|/, line);
    assert.match(line, frame, line);
  }
});

Deno.test("notExportedMessage(): without a declaring module among those searched, the module option is a condition, with no made-up file", async () => {
  const { notExportedMessage } = await import("../src/_locate.ts");
  const text = notExportedMessage(
    "function",
    "work",
    ["file:///app/main.ts does not export work"],
    `new Thread({ target: work, module: import.meta.resolve("./<its file>.ts") })`,
    "function work() {}",
    ["file:///app/main.ts"],
  );
  assert.match(
    text,
    /export it \(`export function work…`\) from the module that declares it; if that module is none of these \(nor one they import statically\), name it too/,
  );
  assert.doesNotMatch(text, /tasks\.ts/);
});
