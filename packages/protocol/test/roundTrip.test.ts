// Seeded round-trips: every frame type, random contents → encode → decode → deep-equal.

import * as encoding from 'lib0/encoding'
import * as prng from 'lib0/prng'
import { describe, expect, it } from 'vitest'
import { DocChannel, MessageType, SyncStep } from '../src/constants.ts'
import { ProtocolDecodeError, decodeMessage, encodeMessage } from '../src/codec.ts'
import { createSeqRanges } from '../src/seqRanges.ts'
import type { DocId, Message } from '../src/types.ts'
import { VaultRole, canWrite } from '../src/VaultRole.ts'
import { decodeYFrame, encodeYAwareness, encodeYSync } from '../src/yWebsocket.ts'
import { ALL_TYPES, arbBytes, arbMessage, arbSync, comparable } from './support/arbitrary.ts'
import { forEachSeed } from './support/seeded.ts'

const ITERATIONS = 400

describe('vault frames round-trip', () => {
  it('random instances of every message type decode to what was encoded', () => {
    const perType = new Map<number, number>()
    let bigBytes = 0
    forEachSeed('round-trip', ITERATIONS, (gen) => {
      for (const type of ALL_TYPES) {
        const message = arbMessage(gen, type)
        const frame = encodeMessage(message)
        expect(comparable(decodeMessage(frame))).toEqual(comparable(message))
        perType.set(type, (perType.get(type) ?? 0) + 1)
        if (frame.length > 65_536) bigBytes++
      }
      // A random type too, so the generator's own choice is exercised.
      const message = arbMessage(gen)
      expect(comparable(decodeMessage(encodeMessage(message)))).toEqual(comparable(message))
    })
    expect([...perType.keys()].sort((a, b) => a - b)).toEqual([...ALL_TYPES].sort((a, b) => a - b))
    for (const count of perType.values()) expect(count).toBe(ITERATIONS)
    expect(bigBytes).toBeGreaterThan(0)
  })

  it('edge values: 2^53-1, empty arrays, empty and non-ASCII strings', () => {
    const max = Number.MAX_SAFE_INTEGER
    const cases: Message[] = [
      { type: MessageType.Hello, versions: [], deviceId: '' as never, cursor: { epoch: '', seq: 0 }, subscribeAll: false, docs: [] },
      { type: MessageType.Hello, versions: [max, 0, 1], deviceId: 'dévice-🦊' as never, cursor: { epoch: 'é', seq: max }, subscribeAll: true, docs: [{ docId: 'tree' as DocId, stateVector: new Uint8Array() }] },
      { type: MessageType.Welcome, version: max, epoch: '日本語', headSeq: max, sessionId: '\u0000', lineage: '' },
      { type: MessageType.CatchUp, epoch: '', fromSeq: max, toSeq: max, entries: [] },
      { type: MessageType.Ack, cursor: { epoch: 'e', seq: max }, ranges: [{ first: max, last: max }, { first: 0, last: max }] },
      { type: MessageType.Error, docId: '', clientSeq: max, code: 'INTERNAL', message: 'x'.repeat(4096) },
      { type: MessageType.CatchUpDoc, docId: 'a' as DocId, update: new Uint8Array(1 << 20).fill(0xff) },
    ]
    for (const message of cases) expect(comparable(decodeMessage(encodeMessage(message)))).toEqual(comparable(message))
  })

  it('Welcome carries the lineage after the session id, and a Welcome without it is refused', () => {
    const welcome: Message = { type: MessageType.Welcome, version: 1, epoch: 'ep', headSeq: 300, sessionId: 'sess', lineage: 'lin-Ω' }
    const frame = encodeMessage(welcome)
    const expected = encoding.createEncoder()
    encoding.writeVarUint(expected, MessageType.Welcome)
    encoding.writeVarUint(expected, 1)
    encoding.writeVarString(expected, 'ep')
    encoding.writeVarUint(expected, 300)
    encoding.writeVarString(expected, 'sess')
    encoding.writeVarString(expected, 'lin-Ω')
    expect(frame).toEqual(encoding.toUint8Array(expected))
    expect(decodeMessage(frame)).toEqual(welcome)
    const withoutLineage = frame.subarray(0, frame.length - (1 + new TextEncoder().encode('lin-Ω').length))
    expect(() => decodeMessage(withoutLineage)).toThrow(ProtocolDecodeError)
  })

  it('only owners and editors may write', () => {
    expect(Object.values(VaultRole).map((role) => [role, canWrite(role)])).toEqual([
      ['owner', true],
      ['editor', true],
      ['viewer', false],
    ])
  })

  it('a string starting with U+FEFF keeps its byte-order mark', () => {
    const message: Message = { type: MessageType.Unsubscribe, docId: '\uFEFFnote' as DocId }
    expect(decodeMessage(encodeMessage(message))).toEqual(message)
  })

  it('createSeqRanges compresses, sorts and de-duplicates', () => {
    expect(createSeqRanges([])).toEqual([])
    expect(createSeqRanges([5, 1, 2, 3, 3, 9, 10, 7])).toEqual([
      { first: 1, last: 3 },
      { first: 5, last: 5 },
      { first: 7, last: 7 },
      { first: 9, last: 10 },
    ])
    const ack: Message = { type: MessageType.Ack, cursor: { epoch: 'e', seq: 3 }, ranges: createSeqRanges([4, 2, 3]) }
    expect(decodeMessage(encodeMessage(ack))).toEqual(ack)
  })
})

describe('y-websocket frames round-trip', () => {
  it('sync and awareness frames decode to what was encoded', () => {
    const steps = new Map<number, number>()
    let awareness = 0
    forEachSeed('y-websocket round-trip', ITERATIONS, (gen) => {
      const sync = arbSync(gen)
      expect(comparable(decodeYFrame(encodeYSync(sync)))).toEqual(comparable({ type: 'sync', sync }))
      steps.set(sync.step, (steps.get(sync.step) ?? 0) + 1)
      const update = arbBytes(gen)
      expect(comparable(decodeYFrame(encodeYAwareness(update)))).toEqual(comparable({ type: 'awareness', update }))
      awareness++
      if (prng.int31(gen, 0, 9) === 0) expect(decodeYFrame(Uint8Array.of(3))).toEqual({ type: 'query-awareness' })
    })
    expect([...steps.keys()].sort()).toEqual([SyncStep.Step1, SyncStep.Step2, SyncStep.Update])
    expect(awareness).toBe(ITERATIONS)
  })

  it('the Doc frame sync body is the y-websocket sync body behind the clientSeq', () => {
    const update = Uint8Array.of(1, 2, 3)
    const vault = encodeMessage({ type: MessageType.Doc, docId: 'a' as DocId, body: { channel: DocChannel.Sync, clientSeq: 7, sync: { step: SyncStep.Update, update } } })
    const y = encodeYSync({ step: SyncStep.Update, update })
    // vault: type 6, docId "a" (2 bytes), channel 0, clientSeq 7; y: type 0.
    expect(vault.subarray(5)).toEqual(y.subarray(1))
  })
})
