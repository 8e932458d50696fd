// The pure parts of binary transfers: how chunks are grouped into packs and fetches, progress that never
// goes back, and the retry budget.

import { MAX_COMMITS_PER_REQUEST, MAX_FETCH_BYTES, MAX_HASHES_PER_REQUEST, PACK_TARGET_BYTES, packHeaderBytes } from '@amber/blobs'
import { describe, expect, it, vi } from 'vitest'
import { FETCH_LIMITS, PACK_LIMITS, batches, groupChunks } from '../src/binary/groupChunks.ts'
import { Backoff, TransientError, parseRetryAfter, withRetries } from '../src/binary/retry.ts'
import { ALONE_ABOVE_BYTES, COMMIT_REQUEST_BYTES, nextCommitBatch } from '../src/binary/uploadVersions.ts'
import type { VersionUpload } from '../src/binary/uploadVersions.ts'
import { ProgressReporter } from '../src/binary/TransferProgress.ts'
import type { TransferProgress } from '../src/binary/TransferProgress.ts'
import { isVaultError } from '../src/index.ts'

const spans = (lengths: readonly number[]) => lengths.map((length, index) => ({ hash: `h${index}`, length }))

describe('grouping chunks', () => {
  it('packs stay within PACK_TARGET_BYTES, header included, keep order, and fill up before starting the next', () => {
    const chunks = spans(
      Array.from({ length: 400 }, (_, index) => 16 * 1024 + ((index * 7919) % (240 * 1024))),
    )
    const packs = groupChunks(chunks, PACK_LIMITS)
    expect(packs.flat()).toEqual(chunks)
    for (const [index, pack] of packs.entries()) {
      const bytes = packHeaderBytes(pack.length) + pack.reduce((total, { length }) => total + length, 0)
      expect(bytes).toBeLessThanOrEqual(PACK_TARGET_BYTES)
      // Only the last pack may be short by more than the chunk that did not fit.
      if (index < packs.length - 1)
        expect(bytes + packs[index + 1]![0]!.length + 36).toBeGreaterThan(PACK_TARGET_BYTES)
    }
  })

  it('fetches stay within MAX_FETCH_BYTES and MAX_HASHES_PER_REQUEST', () => {
    const big = groupChunks(spans(Array.from({ length: 300 }, () => 256 * 1024)), FETCH_LIMITS)
    expect(big.map((group) => group.length)).toEqual([128, 128, 44])
    expect(Math.max(...big.map((group) => group.reduce((total, { length }) => total + length, 0)))).toBe(
      MAX_FETCH_BYTES,
    )
    const many = groupChunks(spans(Array.from({ length: MAX_HASHES_PER_REQUEST + 5 }, () => 1)), FETCH_LIMITS)
    expect(many.map((group) => group.length)).toEqual([MAX_HASHES_PER_REQUEST, 5])
  })

  it('a chunk larger than any group goes alone; nothing in, nothing out', () => {
    expect(
      groupChunks(spans([10, PACK_TARGET_BYTES * 2, 10]), PACK_LIMITS).map((group) => group.length),
    ).toEqual([1, 1, 1])
    expect(groupChunks([], PACK_LIMITS)).toEqual([])
    expect(batches(Array.from({ length: 25_001 }, (_, index) => index)).map((batch) => batch.length)).toEqual(
      [10_000, 10_000, 5_001],
    )
  })
})

describe('commit batches', () => {
  /** An upload of `fileId` whose manifest is `bytes` long (only the fields batching reads). */
  const upload = (fileId: string, bytes: number) => ({ fileId, manifest: new Uint8Array(bytes) }) as unknown as VersionUpload
  const sizes = (batch: readonly VersionUpload[]) => batch.map((item) => item.manifest.length)

  it('takes consecutive commits up to the count and byte caps', () => {
    const many = Array.from({ length: MAX_COMMITS_PER_REQUEST + 5 }, (_, index) => upload(`f${index}`, 300))
    expect(nextCommitBatch(many)).toHaveLength(MAX_COMMITS_PER_REQUEST)
    const large = Array.from({ length: 10 }, (_, index) => upload(`f${index}`, ALONE_ABOVE_BYTES))
    expect(sizes(nextCommitBatch(large))).toHaveLength(Math.floor(COMMIT_REQUEST_BYTES / ALONE_ABOVE_BYTES))
  })

  it('never holds two versions of one file: the second starts the next batch', () => {
    const batch = nextCommitBatch([upload('a', 10), upload('b', 20), upload('a', 30), upload('c', 40)])
    expect(sizes(batch)).toEqual([10, 20])
  })

  it('sends a manifest too big to share a request alone', () => {
    const big = ALONE_ABOVE_BYTES + 1
    expect(sizes(nextCommitBatch([upload('a', 10), upload('b', big), upload('c', 10)]))).toEqual([10])
    expect(sizes(nextCommitBatch([upload('b', big), upload('c', 10)]))).toEqual([big])
  })
})

describe('progress', () => {
  it('bytesDone never decreases within a phase and never passes the total; finish reaches it', () => {
    const seen: TransferProgress[] = []
    const progress = new ProgressReporter((event) => seen.push(event))
    progress.begin('uploading', 100)
    progress.advance('uploading', 60)
    progress.advance('uploading', 60)
    progress.begin('uploading', 500) // a retry: the phase keeps its counters
    progress.expect('uploading', 50) // the server asked for more
    progress.finish('uploading')
    expect(seen.map(({ bytesDone, bytesTotal }) => [bytesDone, bytesTotal])).toEqual([
      [0, 100],
      [60, 100],
      [100, 100],
      [100, 150],
      [150, 150],
    ])
  })

  it('a throwing listener does not break the transfer', () => {
    const progress = new ProgressReporter(() => {
      throw new Error('app bug')
    })
    const errors: unknown[] = []
    const onError = (error: unknown): void => void errors.push(error)
    process.on('uncaughtException', onError)
    expect(() => progress.begin('chunking', 1)).not.toThrow()
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        process.off('uncaughtException', onError)
        expect(errors).toHaveLength(1)
        resolve()
      }, 0),
    )
  })
})

describe('retries', () => {
  const policy = { attempts: 3, minDelayMs: 1, maxDelayMs: 4 }

  it('gives up with TRANSFER_FAILED after `attempts` transient failures in a row', async () => {
    let calls = 0
    const failing = withRetries(new Backoff(policy, () => 0.5, undefined), async () => {
      calls++
      throw new TransientError('503')
    })
    const error = await failing.catch((caught: unknown) => caught)
    expect(isVaultError(error) && error.code).toBe('TRANSFER_FAILED')
    expect(calls).toBe(3)
  })

  it('progress between failures resets the count, so a flaky but moving transfer finishes', async () => {
    const backoff = new Backoff(policy, () => 0.5, undefined)
    let calls = 0
    const result = await withRetries(backoff, async () => {
      calls++
      if (calls < 10) {
        backoff.progressed()
        throw new TransientError('cut')
      }
      return 'done'
    })
    expect([result, calls]).toEqual(['done', 10])
  })

  it('other errors pass through at once; an abort during the backoff rejects with the reason', async () => {
    await expect(
      withRetries(new Backoff(policy, Math.random, undefined), () => Promise.reject(new Error('refused'))),
    ).rejects.toThrow('refused')
    const controller = new AbortController()
    const slow = new Backoff({ attempts: 5, minDelayMs: 60_000 }, () => 0.5, controller.signal)
    const waiting = withRetries(slow, () => Promise.reject(new TransientError('down')))
    controller.abort(new Error('user cancelled'))
    await expect(waiting).rejects.toThrow('user cancelled')
  })

  it("waits at least as long as the server's Retry-After, however short the backoff", async () => {
    vi.useFakeTimers()
    try {
      let calls = 0
      const done = withRetries(new Backoff(policy, () => 0.5, undefined), async () => {
        if (++calls === 1) throw new TransientError('429', { retryAfterMs: 30_000 })
        return 'done'
      })
      await vi.advanceTimersByTimeAsync(29_999)
      expect(calls).toBe(1)
      await vi.advanceTimersByTimeAsync(1)
      expect(await done).toBe('done')
      expect(calls).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-28T12:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0)
    for (const absent of [null, '', 'soon', '-5']) expect(parseRetryAfter(absent, now)).toBeUndefined()
  })
})
