// Per-socket message rate limit: a token bucket on the room's injected clock (so tests need no sleeps and
// a hibernating host needs no timer). Rate-limit libraries read the wall clock or schedule timers; this
// is the whole algorithm.

export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst
    this.updatedAt = now
  }

  /** Takes one token if there is one; false means the caller is over the rate. */
  take(now: number): boolean {
    // A clock that steps back (another isolate, a test) refills nothing rather than draining.
    const elapsed = Math.max(0, now - this.updatedAt)
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000)
    this.updatedAt = Math.max(this.updatedAt, now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
