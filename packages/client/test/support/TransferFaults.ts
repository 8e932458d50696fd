// A fetch wrapper that breaks binary transfers on purpose and records what they send: it cuts the
// transfer (a request body or an answer) once a given number of body bytes has passed, flips a byte in
// chunk answers, and lists the chunks of every pack uploaded. Used by unit and end-to-end tests alike.

import { readPackHeader } from '@amber/blobs'

export class TransferFaults {
  /** Body bytes (sent and received) that passed so far. */
  bytes = 0
  /** Cut the transfer when `bytes` reaches this; cleared once it has cut. */
  cutAt: number | undefined
  /** Called at the cut, before the body errors (a test aborts its own controller here, like a kill). */
  onCut: (() => void) | undefined
  /** Chunk answers (`chunks/fetch`) still to corrupt: one byte of each is flipped. */
  corruptAnswers = 0
  cuts = 0
  /** The chunk hashes of every pack sent, one list per `POST packs` that the wrapper let through whole. */
  readonly packs: string[][] = []

  constructor(private readonly inner: typeof fetch) {}

  /** Chunks uploaded in packs, counting repeats. */
  get packedChunks(): number {
    return this.packs.reduce((total, pack) => total + pack.length, 0)
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    let body = init?.body
    if (body instanceof Uint8Array) {
      if (this.#crosses(body.length)) body = this.#cutStream(body)
      else {
        this.bytes += body.length
        if (url.endsWith('/packs')) this.#recordPack(body)
      }
    }
    const res = await this.inner(input, {
      ...init,
      ...(body === init?.body ? {} : { body, duplex: 'half' }),
    } as RequestInit)
    if (!res.body) return res
    const corrupt = url.endsWith('/chunks/fetch') && res.ok && this.corruptAnswers > 0
    if (corrupt) this.corruptAnswers--
    return new Response(this.#watch(res.body, corrupt), {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    })
  }

  #crosses(length: number): boolean {
    return this.cutAt !== undefined && this.bytes + length > this.cutAt
  }

  #cut(): Error {
    this.cutAt = undefined
    this.cuts++
    this.onCut?.()
    return new TypeError('terminated (cut by TransferFaults)')
  }

  /** A request body that stops at the cut point and errors, as a dropped connection does. */
  #cutStream(body: Uint8Array): ReadableStream<Uint8Array> {
    const keep = this.cutAt! - this.bytes
    this.bytes += keep
    let sent = false
    // Erroring a stream drops what is queued: deliver the part first, fail on the next pull.
    return new ReadableStream({
      pull: (controller) => {
        if (sent || keep === 0) return controller.error(this.#cut())
        sent = true
        controller.enqueue(body.slice(0, keep))
      },
    })
  }

  /** Counts answer bytes as they are read; cuts at the cut point; flips the last byte of a corrupted answer. */
  #watch(source: ReadableStream<Uint8Array>, corrupt: boolean): ReadableStream<Uint8Array> {
    const reader = source.getReader()
    let held: Uint8Array | undefined // the last block, kept back so the very last byte can be flipped
    let cut = false
    return new ReadableStream({
      pull: async (controller) => {
        // Erroring a stream drops what is queued: the part before the cut went out on the last pull.
        if (cut) {
          controller.error(this.#cut())
          await reader.cancel()
          return
        }
        const { done, value } = await reader.read()
        if (done) {
          if (held) {
            if (corrupt) held[held.length - 1]! ^= 0xff
            controller.enqueue(held)
          }
          return controller.close()
        }
        let block = value.slice()
        if (this.#crosses(block.length)) {
          block = block.subarray(0, this.cutAt! - this.bytes)
          this.bytes += block.length
          if (held) controller.enqueue(held)
          if (block.length > 0) controller.enqueue(block)
          held = undefined
          cut = true
          return
        }
        this.bytes += block.length
        if (held) controller.enqueue(held)
        held = block
      },
      cancel: (reason) => reader.cancel(reason),
    })
  }

  #recordPack(body: Uint8Array): void {
    const header = readPackHeader(body)
    if (header) this.packs.push(header.entries.map((entry) => entry.hash))
  }
}
