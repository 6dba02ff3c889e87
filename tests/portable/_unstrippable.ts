// Copyright the threading for Deno authors. MIT license.
// A module that Node's type stripping refuses (a parameter property): loaded only in a
// thread, by `boot_error_reaches_start` of `run.ts`.
export class Point {
  constructor(readonly x: number) {}
}

export function worker(): void {}
