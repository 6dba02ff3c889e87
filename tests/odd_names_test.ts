// Copyright the threading for Deno authors. MIT license.
// Programs whose folders and file names hold `%20`, a lone `%`, spaces, `#`, `?` and
// non-ASCII letters start threads: a module's URL is never decoded once too often nor
// encoded once too few (Deno's formatted stacks show file URLs partly decoded; real
// subprocesses, real Workers, run from the program's folder and from `/`).
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { runDeno } from "./_subprocess.ts";

const library = new URL("../mod.ts", import.meta.url).href;
const libraryDir = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** Names to try, each for the folders and the files. */
const ODD = ["main %20 x", "50%off", "a #1 ?b", "ünï cödé", "%2541 %41 #? é"];

async function writeProgram(dir: string, name: string): Promise<string> {
  const sub = `${dir}/sub ${name}`;
  await Deno.mkdir(sub, { recursive: true });
  const tasks = `${sub}/tasks ${name}.ts`;
  await Deno.writeTextFile(
    tasks,
    `import { currentThread } from "${library}";
import { isMainThread } from "node:worker_threads";
export function task(): void { console.log("task ran in " + currentThread().name); }
if (!isMainThread && Deno.args[0] === "fail") throw new Error("tasks fail in threads");
`,
  );
  const main = `${dir}/main ${name}.ts`;
  await Deno.writeTextFile(
    main,
    `import { logging, Thread } from "${library}";
import { task } from "${pathToFileURL(tasks).href}";
export function work(): void { console.log("work ran in " + (import.meta.url === ${
      JSON.stringify(pathToFileURL(main).href)
    } ? "the same module" : import.meta.url)); }
export class Worker extends Thread { override run(): void { console.log("subclass ran"); } }
if (import.meta.main) {
  logging.basicConfig({ format: "%(filename)s|%(pathname)s|%(message)s" });
  logging.warning("logged");
  for (const t of [new Thread({ target: work }), new Thread({ target: task }), new Worker()]) {
    try {
      t.start();
      t.join();
    } catch (error) {
      console.log("start failed: " + (error as Error).message);
    }
  }
}
`,
  );
  return main;
}

for (const name of ODD) {
  Deno.test(`a program in "${name}/main ${name}.ts" starts threads (target, imported target, subclass)`, async () => {
    const base = await Deno.makeTempDir({ prefix: "threading_odd_" });
    try {
      const dir = `${base}/${name}`;
      const main = await writeProgram(dir, name);
      for (const cwd of [dir, "/"]) {
        const r = await runDeno(
          ["run", "--no-lock", `--allow-read=${libraryDir},${base}`, main],
          { cwd, timeoutMs: 60_000 },
        );
        assert.equal(r.code, 0, `${cwd}: ${r.stderr}`);
        assert.deepEqual(r.stdout.trim().split("\n"), [
          "work ran in the same module",
          "task ran in Thread-2 (task)",
          "subclass ran",
        ], `${cwd}: ${r.stdout}${r.stderr}`);
        // A log record's caller: the file's real name and path.
        assert.equal(r.stderr.trim(), `main ${name}.ts|${main}|logged`, cwd);
      }
      // A module that fails in the thread is named as a path can be read back.
      const r = await runDeno(
        ["run", "--no-lock", `--allow-read=${libraryDir},${base}`, main, "fail"],
        { cwd: dir, timeoutMs: 60_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /start failed: .*failed to load in the new thread.*tasks fail in threads/,
      );
      assert.ok(!r.stdout.includes("Module not found"), r.stdout);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  });
}
