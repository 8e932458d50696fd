// Our sync and awareness payloads are byte-for-byte what y-protocols writes and reads, so stock
// y-websocket providers and our vault Doc frames interoperate.

import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as prng from 'lib0/prng'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as syncProtocol from 'y-protocols/sync'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DocChannel, MessageType, SyncStep } from '../src/constants.ts'
import { decodeMessage, encodeMessage, readSyncMessage, writeSyncMessage } from '../src/codec.ts'
import type { DocId, SyncMessage } from '../src/types.ts'
import { YMessageType, decodeYFrame, encodeYAwareness, encodeYSync } from '../src/yWebsocket.ts'
import { forEachSeed } from './support/seeded.ts'
import type { PRNG } from './support/seeded.ts'

function randomDoc(gen: PRNG): Y.Doc {
  const doc = new Y.Doc()
  const text = doc.getText('content')
  const edits = prng.int31(gen, 0, 20)
  for (let i = 0; i < edits; i++) {
    if (text.length > 0 && prng.bool(gen)) text.delete(prng.int31(gen, 0, text.length - 1), 1)
    else text.insert(prng.int31(gen, 0, text.length), prng.word(gen, 1, 8) + (prng.bool(gen) ? 'é🦊' : ''))
  }
  if (prng.bool(gen)) doc.getMap('meta').set('k', prng.int31(gen, 0, 1000))
  return doc
}

function bytesOf(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('compatibility with y-protocols', () => {
  it('sync step 1, step 2 and update match y-protocols byte for byte', () => {
    let checked = 0
    forEachSeed('y-protocols sync', 100, (gen) => {
      const doc = randomDoc(gen)
      const remote = randomDoc(gen)
      const stateVector = Y.encodeStateVector(doc)
      const remoteSv = Y.encodeStateVector(remote)
      const update = Y.encodeStateAsUpdate(doc, remoteSv)
      const cases: Array<[SyncMessage, (encoder: encoding.Encoder) => void]> = [
        [{ step: SyncStep.Step1, stateVector }, (e) => syncProtocol.writeSyncStep1(e, doc)],
        [{ step: SyncStep.Step2, update }, (e) => syncProtocol.writeSyncStep2(e, doc, remoteSv)],
        [{ step: SyncStep.Update, update }, (e) => syncProtocol.writeUpdate(e, update)],
      ]
      for (const [ours, theirs] of cases) {
        const reference = bytesOf(theirs)
        expect(bytesOf((e) => writeSyncMessage(e, ours))).toEqual(reference)
        // The y-websocket frame is the sync message behind message type 0, as y-websocket writes it.
        const yFrame = bytesOf((e) => {
          encoding.writeVarUint(e, YMessageType.Sync)
          theirs(e)
        })
        expect(encodeYSync(ours)).toEqual(yFrame)
        expect(decodeYFrame(yFrame)).toEqual({ type: 'sync', sync: ours })
        // And our reader accepts what y-protocols wrote.
        expect(readSyncMessage(decoding.createDecoder(reference))).toEqual(ours)
        checked++
      }
      doc.destroy()
      remote.destroy()
    })
    expect(checked).toBe(300)
  })

  it('y-protocols readSyncMessage applies our frames and converges two documents', () => {
    let converged = 0
    forEachSeed('y-protocols converge', 50, (gen) => {
      const server = randomDoc(gen)
      const client = randomDoc(gen)
      // Vault Doc frames from the server; y-protocols on the client reads the sync body.
      const step1 = encodeMessage({
        type: MessageType.Doc,
        docId: 'n' as DocId,
        body: { channel: DocChannel.Sync, clientSeq: 0, sync: { step: SyncStep.Step1, stateVector: Y.encodeStateVector(server) } },
      })
      const message = decodeMessage(step1)
      if (message.type !== MessageType.Doc || message.body.channel !== DocChannel.Sync) throw new Error('expected a Doc/sync frame')
      const { sync } = message.body
      const reply = encoding.createEncoder()
      const syncBody = bytesOf((e) => writeSyncMessage(e, sync))
      const kind = syncProtocol.readSyncMessage(decoding.createDecoder(syncBody), reply, client, 'server')
      expect(kind).toBe(syncProtocol.messageYjsSyncStep1)
      // y-protocols answered with step 2; our reader parses it and the server applies it.
      const answer = readSyncMessage(decoding.createDecoder(encoding.toUint8Array(reply)))
      if (answer.step !== SyncStep.Step2) throw new Error('expected step 2')
      Y.applyUpdate(server, answer.update)
      // Server's step 2 back to the client through a y-websocket frame.
      const frame = decodeYFrame(encodeYSync({ step: SyncStep.Step2, update: Y.encodeStateAsUpdate(server, Y.encodeStateVector(client)) }))
      if (frame.type !== 'sync') throw new Error('expected a sync frame')
      syncProtocol.readSyncMessage(decoding.createDecoder(bytesOf((e) => writeSyncMessage(e, frame.sync))), encoding.createEncoder(), client, 'server')
      expect(Y.encodeStateVector(client)).toEqual(Y.encodeStateVector(server))
      expect(client.getText('content').toString()).toBe(server.getText('content').toString())
      converged++
      server.destroy()
      client.destroy()
    })
    expect(converged).toBe(50)
  })

  it('awareness frames carry y-protocols awareness updates unchanged', () => {
    const doc = new Y.Doc()
    const awareness = new awarenessProtocol.Awareness(doc)
    try {
      awareness.setLocalState({ user: { name: 'Zoë 🦊', color: '#ff0' }, cursor: null })
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
      const reference = bytesOf((e) => {
        encoding.writeVarUint(e, YMessageType.Awareness)
        encoding.writeVarUint8Array(e, update)
      })
      expect(encodeYAwareness(update)).toEqual(reference)
      const decoded = decodeYFrame(reference)
      if (decoded.type !== 'awareness') throw new Error('expected awareness')
      // A second Awareness instance accepts the decoded bytes.
      const otherDoc = new Y.Doc()
      const other = new awarenessProtocol.Awareness(otherDoc)
      try {
        awarenessProtocol.applyAwarenessUpdate(other, decoded.update, 'test')
        expect(other.getStates().get(doc.clientID)).toEqual({ user: { name: 'Zoë 🦊', color: '#ff0' }, cursor: null })
      } finally {
        other.destroy()
        otherDoc.destroy()
      }
    } finally {
      awareness.destroy()
      doc.destroy()
    }
  })
})
