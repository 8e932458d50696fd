// Reading what a fake socket received: typed frames, acked sequence numbers, errors, and the document
// state the frames carry.

import { DocChannel, MessageType, SyncStep, encodeMessage } from '@amber/protocol'
import type { DocId, Message, MessageOf, SyncMessage } from '@amber/protocol'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { FakeConnection } from './roomHarness.ts'

export function types(messages: Message[]): number[] {
  return messages.map((message) => message.type)
}

export function syncFrames(conn: FakeConnection, docId: string): Array<MessageOf<typeof MessageType.Doc>> {
  return conn.ofType(MessageType.Doc).filter((m) => m.docId === docId && m.body.channel === DocChannel.Sync)
}

export function ackedSeqs(conn: FakeConnection): number[] {
  const seqs: number[] = []
  for (const ack of conn.ofType(MessageType.Ack))
    for (const range of ack.ranges) for (let s = range.first; s <= range.last; s++) seqs.push(s)
  return seqs
}

export function errors(conn: FakeConnection): Array<MessageOf<typeof MessageType.Error>> {
  return conn.ofType(MessageType.Error)
}

/** Applies every Doc/sync update and CatchUpDoc for `docId` a socket received to a fresh document. */
export function replay(conn: FakeConnection, docId: string, into = new Y.Doc()): Y.Doc {
  for (const message of conn.messages()) {
    if (message.type === MessageType.CatchUpDoc && message.docId === docId)
      Y.applyUpdate(into, message.update)
    if (
      message.type === MessageType.Doc &&
      message.docId === docId &&
      message.body.channel === DocChannel.Sync
    ) {
      const { sync } = message.body
      if (sync.step !== SyncStep.Step1) Y.applyUpdate(into, sync.update)
    }
  }
  return into
}

/** A y-protocols awareness update announcing one client's state. */
export function awarenessUpdate(clientId: number, state: unknown, clock = 1): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, JSON.stringify(state))
  return encoding.toUint8Array(encoder)
}

export function awarenessFrame(docId: string, awareness: Uint8Array): Uint8Array {
  return encodeDoc(docId, { channel: DocChannel.Awareness, awareness })
}

export function syncFrame(docId: string, sync: SyncMessage, clientSeq = 0): Uint8Array {
  return encodeDoc(docId, { channel: DocChannel.Sync, clientSeq, sync })
}

function encodeDoc(docId: string, body: MessageOf<typeof MessageType.Doc>['body']): Uint8Array {
  return encodeMessage({ type: MessageType.Doc, docId: docId as DocId, body })
}
