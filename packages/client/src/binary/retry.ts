// Retrying binary transfers: a failure that may pass (network error, 5xx, a body cut off) is a
// `TransientError`; the transfer backs off and tries again from what it already has. Attempts count only
// failures in a row: a transfer that keeps moving forward over a flaky link never gives up.

import { ClientErrorCode, VaultError } from '../VaultError.ts'

/** A failure worth retrying. Anything else (a refusal, a corrupt chunk) ends the transfer. */
export class TransientError extends Error {
  override readonly name = 'TransientError'

  constructor(
    message: string,
    options?: ErrorOptions & {
      /** How long the server asked the client to wait (`Retry-After` of a 429 or 503). */
      readonly retryAfterMs?: number | undefined
    },
  ) {
    super(message, options)
    this.retryAfterMs = options?.retryAfterMs
  }

  readonly retryAfterMs: number | undefined
}

/** A `Retry-After` value (delay in seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP date names its day and month ("Sat, 28 Nov 2026 12:00:30 GMT"); Date.parse takes "-5" as a year.
  const at = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** How a transfer retries transient failures: exponential backoff with jitter, from min to max delay. */
export interface RetryPolicy {
  /** Failures in a row (without progress in between) before the transfer fails with `TRANSFER_FAILED`. */
  readonly attempts?: number
  readonly minDelayMs?: number
  readonly maxDelayMs?: number
}

const DEFAULT_ATTEMPTS = 8
const DEFAULT_MIN_DELAY_MS = 200
const DEFAULT_MAX_DELAY_MS = 15_000
/** A server's `Retry-After` is honoured up to this; longer ones are the server's mistake, not a plan. */
const MAX_RETRY_AFTER_MS = 5 * 60_000

/** The failure budget of one transfer. */
export class Backoff {
  #failures = 0

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** The transfer moved forward (a pack stored, a chunk verified): the next failure starts the count anew. */
  progressed(): void {
    this.#failures = 0
  }

  /** Waits before the next attempt, or throws `TRANSFER_FAILED` when the budget is spent. */
  async failed(error: TransientError): Promise<void> {
    const attempts = this.policy.attempts ?? DEFAULT_ATTEMPTS
    if (++this.#failures >= attempts)
      throw new VaultError(
        ClientErrorCode.TransferFailed,
        `gave up after ${attempts} failures in a row: ${error.message}`,
        { cause: error },
      )
    const min = this.policy.minDelayMs ?? DEFAULT_MIN_DELAY_MS
    const ceiling = Math.min(this.policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, min * 2 ** (this.#failures - 1))
    const backoff = ceiling / 2 + this.random() * (ceiling / 2)
    // A server that said how long to wait is not asked again sooner.
    await sleep(Math.max(backoff, Math.min(error.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)), this.signal)
  }
}

/** Runs `attempt` until it succeeds, backing off after each transient failure; other errors pass through. */
export async function withRetries<T>(backoff: Backoff, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (!(error instanceof TransientError)) throw error
      await backoff.failed(error)
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted()
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
