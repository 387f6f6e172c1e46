import type { Clock } from '@brandwave/server'

/** A clock tests move by hand, instead of sleeping. */
export class ManualClock implements Clock {
  private current: number

  constructor(start = Date.now()) {
    this.current = start
  }

  now(): number {
    return this.current
  }

  advance(ms: number): void {
    this.current += ms
  }

  set(epochMs: number): void {
    this.current = epochMs
  }
}
