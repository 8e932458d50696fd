// Decoder fuzzing: truncations, garbage, mutations, hostile lengths and counts, trailing bytes, invalid
// UTF-8 and buffer aliasing. Every failure must be a ProtocolDecodeError, quickly, never another error.

import * as encoding from 'lib0/encoding'
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import { MessageType } from '../src/constants.ts'
import { ProtocolDecodeError, decodeMessage, encodeMessage } from '../src/codec.ts'
import type { Message } from '../src/types.ts'
import { decodeYFrame, encodeYAwareness, encodeYSync } from '../src/yWebsocket.ts'
import { arbBytes, arbMessage, arbSync, comparable } from './support/arbitrary.ts'
import type { PRNG } from './support/seeded.ts'
import { forEachSeed } from './support/seeded.ts'

/** Per-decode budget: generous for a loaded CI box, far below what an attacker-sized allocation takes. */
const DECODE_BUDGET_MS = 250

type Decoder = (frame: Uint8Array) => unknown

function expectDecodeError(decode: Decoder, frame: Uint8Array, pattern?: RegExp): ProtocolDecodeError {
  const started = performance.now()
  let thrown: unknown
  try {
    decode(frame)
  } catch (error) {
    thrown = error
  }
  const elapsed = performance.now() - started
  expect(elapsed, `decode took ${elapsed.toFixed(1)}ms`).toBeLessThan(DECODE_BUDGET_MS)
  if (!(thrown instanceof ProtocolDecodeError)) {
    throw new Error(`expected ProtocolDecodeError for [${Array.from(frame.subarray(0, 32)).join(',')}${frame.length > 32 ? ',…' : ''}], got ${String(thrown)}`)
  }
  if (pattern) expect(thrown.message).toMatch(pattern)
  return thrown
}

/** A random frame small enough to truncate at every offset. */
function smallFrame(gen: PRNG): Uint8Array {
  for (;;) {
    const frame = encodeMessage(arbMessage(gen))
    if (frame.length <= 8192) return frame
  }
}

/** Garbage either fails with ProtocolDecodeError or is a well-formed message (re-encoding is stable). */
function classify(frame: Uint8Array): 'rejected' | 'decoded' {
  let message: Message
  try {
    message = decodeMessage(frame)
  } catch (error) {
    if (!(error instanceof ProtocolDecodeError)) throw new Error(`decodeMessage threw ${String(error)} for [${Array.from(frame).join(',')}]`)
    return 'rejected'
  }
  expect(comparable(decodeMessage(encodeMessage(message)))).toEqual(comparable(message))
  return 'decoded'
}

function varUintFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

const HUGE = [2 ** 32, 2 ** 40, 2 ** 52, Number.MAX_SAFE_INTEGER]

describe('decodeMessage fuzzing', () => {
  it('every truncation of a valid frame throws ProtocolDecodeError (views and copies)', () => {
    let frames = 0
    let truncations = 0
    forEachSeed('truncation', 150, (gen) => {
      const frame = smallFrame(gen)
      frames++
      for (let end = 0; end < frame.length; end++) {
        // subarray keeps the rest of the frame in the same buffer: the decoder must not read past `end`.
        expectDecodeError(decodeMessage, frame.subarray(0, end))
        expectDecodeError(decodeMessage, frame.slice(0, end))
        truncations++
      }
    })
    expect(frames).toBe(150)
    expect(truncations).toBeGreaterThan(1000)
  })

  it('truncations of large frames throw ProtocolDecodeError without reading past the end', () => {
    let truncations = 0
    forEachSeed('large truncation', 20, (gen) => {
      const message: Message = { type: MessageType.CatchUpDoc, docId: 'doc' as never, update: prng.uint8Array(gen, prng.int31(gen, 100_000, 400_000)) }
      const frame = encodeMessage(message)
      const ends = [0, 1, 2, 3, 4, 5, 6, frame.length - 1, frame.length - 2]
      for (let i = 0; i < 50; i++) ends.push(prng.int31(gen, 0, frame.length - 1))
      for (const end of ends) {
        expectDecodeError(decodeMessage, frame.subarray(0, end))
        truncations++
      }
    })
    expect(truncations).toBe(20 * 59)
  })

  it('random garbage is rejected with ProtocolDecodeError or decodes to a valid message', () => {
    const counts = { rejected: 0, decoded: 0 }
    forEachSeed('garbage', 5000, (gen) => {
      // Mostly short, so some garbage happens to be a whole message.
      const length = prng.bool(gen) ? prng.int31(gen, 0, 6) : prng.int31(gen, 7, 64)
      const frame = prng.uint8Array(gen, length)
      // Small values in the body make short strings and arrays (and so complete messages) likelier.
      if (prng.bool(gen)) for (let i = 1; i < length; i++) frame[i] = frame[i]! & 0x03
      // A valid type byte half of the time, so the body readers see the garbage.
      if (length > 0 && prng.bool(gen)) frame[0] = prng.int31(gen, 1, 12)
      counts[classify(frame)]++
    })
    expect(counts.rejected).toBeGreaterThan(1000)
    expect(counts.decoded).toBeGreaterThan(0)
  })

  it('mutated valid frames are rejected with ProtocolDecodeError or decode to a valid message', () => {
    const counts = { rejected: 0, decoded: 0 }
    forEachSeed('mutation', 3000, (gen) => {
      const frame = smallFrame(gen).slice()
      const flips = prng.int31(gen, 1, 3)
      for (let i = 0; i < flips; i++) {
        const at = prng.int31(gen, 0, frame.length - 1)
        frame[at] = prng.bool(gen) ? frame[at]! ^ (1 << prng.int31(gen, 0, 7)) : prng.uint32(gen, 0, 255)
      }
      counts[classify(frame)]++
    })
    expect(counts.rejected).toBeGreaterThan(100)
    expect(counts.decoded).toBeGreaterThan(100)
  })

  it('trailing bytes after a valid frame are rejected', () => {
    let checked = 0
    forEachSeed('trailing', 500, (gen) => {
      const frame = smallFrame(gen)
      const extra = prng.uint8Array(gen, prng.int31(gen, 1, 4))
      const padded = new Uint8Array(frame.length + extra.length)
      padded.set(frame)
      padded.set(extra, frame.length)
      expectDecodeError(decodeMessage, padded, /trailing/)
      checked++
    })
    expect(checked).toBe(500)
  })

  it('huge declared lengths throw quickly and without allocating', () => {
    let checked = 0
    const before = process.memoryUsage().arrayBuffers
    for (const huge of HUGE) {
      const frames = [
        // CatchUpDoc: a byte array of `huge` bytes
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.CatchUpDoc)
          encoding.writeVarString(e, 'doc')
          encoding.writeVarUint(e, huge)
          encoding.writeUint8Array(e, new Uint8Array(16))
        }),
        // Unsubscribe: a string of `huge` bytes
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Unsubscribe)
          encoding.writeVarUint(e, huge)
          encoding.writeUint8Array(e, new Uint8Array(16).fill(0x61))
        }),
        // Subscribe: a state vector of `huge` bytes
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Subscribe)
          encoding.writeVarString(e, 'doc')
          encoding.writeVarUint(e, huge)
        }),
        // Doc/awareness of `huge` bytes
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Doc)
          encoding.writeVarString(e, 'doc')
          encoding.writeVarUint(e, 1)
          encoding.writeVarUint(e, huge)
        }),
      ]
      for (const frame of frames) {
        expectDecodeError(decodeMessage, frame, /exceeds the frame/)
        checked++
      }
      const counts = [
        // Hello with `huge` versions
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Hello)
          encoding.writeVarUint(e, huge)
          for (let i = 0; i < 8; i++) encoding.writeVarUint(e, 1)
        }),
        // Resume with `huge` docHaves
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Resume)
          encoding.writeVarString(e, '')
          encoding.writeVarUint(e, 0)
          encoding.writeVarUint(e, huge)
          encoding.writeUint8Array(e, new Uint8Array(8))
        }),
        // CatchUp with `huge` entries
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.CatchUp)
          encoding.writeVarString(e, 'e')
          encoding.writeVarUint(e, 0)
          encoding.writeVarUint(e, 0)
          encoding.writeVarUint(e, huge)
          encoding.writeUint8Array(e, new Uint8Array(8))
        }),
        // Ack with `huge` ranges
        varUintFrame((e) => {
          encoding.writeVarUint(e, MessageType.Ack)
          encoding.writeVarString(e, 'e')
          encoding.writeVarUint(e, 0)
          encoding.writeVarUint(e, huge)
          encoding.writeUint8Array(e, new Uint8Array(8))
        }),
      ]
      for (const frame of counts) {
        expectDecodeError(decodeMessage, frame, /exceeds the frame/)
        checked++
      }
    }
    // Counts just under the remaining bytes still refuse items that need more than one byte each.
    const ack = varUintFrame((e) => {
      encoding.writeVarUint(e, MessageType.Ack)
      encoding.writeVarString(e, 'e')
      encoding.writeVarUint(e, 0)
      encoding.writeVarUint(e, 10)
      encoding.writeUint8Array(e, new Uint8Array(10))
    })
    expectDecodeError(decodeMessage, ack, /exceeds the frame/)
    checked++
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
    expect(checked).toBe(HUGE.length * 8 + 1)
  })

  it('integers beyond 2^53-1 and overlong varints are rejected', () => {
    const tooBig = [2 ** 53, 2 ** 60, 2 ** 64]
    for (const value of tooBig) {
      const frame = varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Welcome)
        encoding.writeVarUint(e, value)
        encoding.writeVarString(e, 'e')
        encoding.writeVarUint(e, 0)
        encoding.writeVarString(e, 's')
      })
      expectDecodeError(decodeMessage, frame)
    }
    // Ten 0xff continuation bytes then a terminator: far beyond 2^53.
    expectDecodeError(decodeMessage, Uint8Array.of(MessageType.Welcome, ...new Array<number>(10).fill(0xff), 0x01, 0, 0, 0))
    // 0 with 200 continuation bytes: lib0 computes 0 * Infinity = NaN.
    expectDecodeError(decodeMessage, Uint8Array.of(MessageType.Welcome, ...new Array<number>(200).fill(0x80), 0x00, 0, 0, 0))
    // A type byte that is unknown, and an empty frame.
    expectDecodeError(decodeMessage, Uint8Array.of(0), /unknown message type/)
    expectDecodeError(decodeMessage, Uint8Array.of(13), /unknown message type/)
    expectDecodeError(decodeMessage, new Uint8Array(0))
  })

  it('invalid UTF-8 in a string is rejected', () => {
    const invalid = [[0xff], [0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80]]
    for (const bytes of invalid) {
      const frame = varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Unsubscribe)
        encoding.writeVarUint8Array(e, Uint8Array.from(bytes))
      })
      expectDecodeError(decodeMessage, frame, /UTF-8/)
    }
  })

  it('strings longer than 4096 bytes are refused', () => {
    const frame = varUintFrame((e) => {
      encoding.writeVarUint(e, MessageType.Unsubscribe)
      encoding.writeVarString(e, 'x'.repeat(4097))
    })
    expectDecodeError(decodeMessage, frame, /too long/)
  })

  it('unknown enum values are rejected: sync step, channel, catch-up kind, error code; reversed ack range', () => {
    const frames = [
      varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Doc)
        encoding.writeVarString(e, 'd')
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint(e, 3) // sync step 3
        encoding.writeVarUint8Array(e, Uint8Array.of(0))
      }),
      varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Doc)
        encoding.writeVarString(e, 'd')
        encoding.writeVarUint(e, 2) // channel 2
        encoding.writeVarUint8Array(e, Uint8Array.of(0))
      }),
      varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.CatchUp)
        encoding.writeVarString(e, 'e')
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint(e, 1)
        encoding.writeVarString(e, 'd')
        encoding.writeVarUint(e, 3) // kind 3
        encoding.writeVarUint(e, 0)
      }),
      varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Error)
        encoding.writeVarString(e, 'd')
        encoding.writeVarUint(e, 0)
        encoding.writeVarString(e, 'NOPE')
        encoding.writeVarString(e, 'm')
      }),
      varUintFrame((e) => {
        encoding.writeVarUint(e, MessageType.Ack)
        encoding.writeVarString(e, 'e')
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint(e, 5)
        encoding.writeVarUint(e, 4)
      }),
    ]
    for (const frame of frames) expectDecodeError(decodeMessage, frame)
  })

  it('byte arrays decoded from a view never alias bytes beyond the frame', () => {
    let checked = 0
    forEachSeed('aliasing', 200, (gen) => {
      const message: Message = { type: MessageType.CatchUpDoc, docId: 'd' as never, update: arbBytes(gen) }
      const frame = encodeMessage(message)
      const big = new Uint8Array(frame.length + 64).fill(0xaa)
      big.set(frame, 16)
      const view = big.subarray(16, 16 + frame.length)
      const decoded = decodeMessage(view)
      if (decoded.type !== MessageType.CatchUpDoc) throw new Error('expected CatchUpDoc')
      expect(decoded.update.buffer).not.toBe(big.buffer)
      expect(decoded.update.byteOffset).toBe(0)
      expect(decoded.update.buffer.byteLength).toBe(decoded.update.length)
      big.fill(0x55)
      expect(comparable(decoded.update)).toEqual(comparable(message.update))
      checked++
    })
    // A length that reaches past the view into the surrounding buffer must be refused.
    const frame = varUintFrame((e) => {
      encoding.writeVarUint(e, MessageType.CatchUpDoc)
      encoding.writeVarString(e, 'd')
      encoding.writeVarUint(e, 32)
    })
    const big = new Uint8Array(frame.length + 64).fill(0x41)
    big.set(frame)
    expectDecodeError(decodeMessage, big.subarray(0, frame.length + 8), /exceeds the frame/)
    expectDecodeError(decodeYFrame, Uint8Array.of(1, 32, 0, 0, 0, 0, 0, 0, 0, 0).subarray(0, 6), /exceeds the frame/)
    expect(checked).toBe(200)
  })
})

describe('decodeYFrame fuzzing', () => {
  function yFrame(gen: PRNG): Uint8Array {
    return prng.bool(gen) ? encodeYSync(arbSync(gen)) : encodeYAwareness(arbBytes(gen))
  }

  it('every truncation throws ProtocolDecodeError; trailing bytes are rejected', () => {
    let truncations = 0
    forEachSeed('y truncation', 200, (gen) => {
      let frame = yFrame(gen)
      while (frame.length > 8192) frame = yFrame(gen)
      for (let end = 0; end < frame.length; end++) {
        expectDecodeError(decodeYFrame, frame.subarray(0, end))
        truncations++
      }
      const padded = new Uint8Array(frame.length + 1)
      padded.set(frame)
      expectDecodeError(decodeYFrame, padded, /trailing/)
    })
    expect(truncations).toBeGreaterThan(1000)
  })

  it('garbage is rejected with ProtocolDecodeError or decodes to a re-encodable frame', () => {
    const counts = { rejected: 0, decoded: 0 }
    forEachSeed('y garbage', 5000, (gen) => {
      const frame = prng.uint8Array(gen, prng.int31(gen, 0, 48))
      if (frame.length > 0 && prng.bool(gen)) frame[0] = prng.int31(gen, 0, 3)
      try {
        const decoded = decodeYFrame(frame)
        const again =
          decoded.type === 'sync' ? encodeYSync(decoded.sync) : decoded.type === 'awareness' ? encodeYAwareness(decoded.update) : Uint8Array.of(3)
        expect(comparable(decodeYFrame(again))).toEqual(comparable(decoded))
        counts.decoded++
      } catch (error) {
        if (!(error instanceof ProtocolDecodeError)) throw error
        counts.rejected++
      }
    })
    expect(counts.rejected).toBeGreaterThan(1000)
    expect(counts.decoded).toBeGreaterThan(0)
  })

  it('huge declared lengths, overlong varints and unknown types throw quickly', () => {
    for (const huge of HUGE) {
      expectDecodeError(decodeYFrame, varUintFrame((e) => {
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint(e, huge)
      }), /exceeds the frame/)
      expectDecodeError(decodeYFrame, varUintFrame((e) => {
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint(e, huge)
      }), /exceeds the frame/)
    }
    expectDecodeError(decodeYFrame, Uint8Array.of(1, ...new Array<number>(200).fill(0x80), 0x00))
    expectDecodeError(decodeYFrame, Uint8Array.of(1, ...new Array<number>(10).fill(0xff), 0x01))
    expectDecodeError(decodeYFrame, Uint8Array.of(2, 0), /unsupported/)
    expectDecodeError(decodeYFrame, Uint8Array.of(0, 3, 0), /unknown sync step/)
    expectDecodeError(decodeYFrame, new Uint8Array(0))
  })
})
