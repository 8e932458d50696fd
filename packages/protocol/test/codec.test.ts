// peekDocUpdate: the doc id and clientSeq of an update frame, from its first bytes.

import { describe, expect, it } from 'vitest'
import { DocChannel, MessageType, SyncStep, encodeMessage, peekDocUpdate } from '../src/index.ts'
import type { DocId } from '../src/index.ts'

describe('peekDocUpdate', () => {
  it('reads the doc id and clientSeq of a Doc/sync frame from its prefix, even when the rest is cut off', () => {
    const frame = encodeMessage({
      type: MessageType.Doc,
      docId: 'note-1' as DocId,
      body: { channel: DocChannel.Sync, clientSeq: 4242, sync: { step: SyncStep.Update, update: new Uint8Array(100).fill(7) } },
    })
    expect(peekDocUpdate(frame)).toEqual({ docId: 'note-1', clientSeq: 4242 })
    expect(peekDocUpdate(frame.subarray(0, 12))).toEqual({ docId: 'note-1', clientSeq: 4242 })
  })

  it('is undefined for other frames and malformed prefixes', () => {
    const awareness = encodeMessage({ type: MessageType.Doc, docId: 'n' as DocId, body: { channel: DocChannel.Awareness, awareness: new Uint8Array([1]) } })
    expect(peekDocUpdate(awareness)).toBeUndefined()
    expect(peekDocUpdate(encodeMessage({ type: MessageType.Unsubscribe, docId: 'n' as DocId }))).toBeUndefined()
    expect(peekDocUpdate(new Uint8Array([MessageType.Doc, 200]))).toBeUndefined()
    expect(peekDocUpdate(new Uint8Array([]))).toBeUndefined()
  })
})
