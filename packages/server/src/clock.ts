/** Time as a dependency: tests set it instead of sleeping (STYLE principle 4). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** ISO 8601 UTC with milliseconds: the one spelling of time in storage and responses. */
export function isoAt(epochMs: number): string {
  return new Date(epochMs).toISOString()
}
