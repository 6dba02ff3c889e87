// Copyright the threading for Deno authors. MIT license.
/**
 * Handling an exception outside of the thread that raised it (the notebook seed's
 * ExcThread): the thread catches its error and puts its type, message and stack in a
 * shared bucket, which the main thread polls while it joins the thread.
 *
 * Python puts `sys.exc_info()` in a `queue.Queue`; here the bucket is a `SharedList` of
 * `[name, message, stack]` (JSON data: an Error itself cannot live in shared memory), and
 * `shift()` is the non-blocking `get(block=False)`. The bucket is read after each
 * `join()`, so that an error put just before the thread ended is not missed.
 *
 * Run with `deno task example:exc_thread`.
 *
 * @module
 */
import { SharedList, Thread } from "../mod.ts";

/** What the bucket holds: an error's type, value and traceback, as text. */
export type ExcInfo = [excType: string, excValue: string, excTraceback: string];

/** A thread that reports its error through a bucket instead of dying with it. */
export class ExcThread extends Thread {
  /** Where the error goes. */
  bucket: SharedList<ExcInfo>;

  /** @param bucket Where the error goes. */
  constructor(bucket: SharedList<ExcInfo>) {
    super();
    this.bucket = bucket;
  }

  /** Fails, and puts the error in the bucket. */
  override run(): void {
    try {
      throw new Error("An error occured here.");
    } catch (error) {
      const e = error as Error;
      this.bucket.push([e.name, e.message, e.stack ?? ""]);
    }
  }
}

/** Starts the thread and deals with its error. */
export function main(): void {
  const bucket = new SharedList<ExcInfo>();
  const threadObj = new ExcThread(bucket);
  threadObj.start();

  while (true) {
    threadObj.join(100);

    const exc = bucket.shift();
    if (exc !== undefined) {
      const [excType, excObj, excTrace] = exc;
      // deal with the exception
      console.log(excType);
      console.log(excObj);
      console.log(excTrace);
    }

    if (threadObj.isAlive()) {
      continue;
    } else {
      break;
    }
  }
}

if (import.meta.main) {
  main();
}
