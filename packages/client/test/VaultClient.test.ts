// The client against a scripted server speaking raw protocol frames: what it sends, and that
// "synced" means durably acknowledged, never merely sent.

import { DocChannel, ErrorCode, FATAL_CLOSE_CODE, MessageType, SyncStep, decodeMessage, encodeMessage } from '@amber/protocol'
import type { DocId, Message } from '@amber/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { VaultClient } from '../src/index.ts'
import type { SocketLike } from '../src/index.ts'

class ScriptedSocket implements SocketLike {
  binaryType = 'arraybuffer'
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  readonly sent: Message[] = []
  send(data: Uint8Array): void {
    this.sent.push(decodeMessage(data))
  }
  close(): void {}
  serverSends(message: Message): void {
    this.onmessage?.({ data: encodeMessage(message) })
  }
  serverCloses(code: number, reason: string): void {
    this.onclose?.({ code, reason })
  }
}

function setup() {
  const sockets: ScriptedSocket[] = []
  const client = new VaultClient({
    deviceId: 'device-1',
    connect: () => {
      const socket = new ScriptedSocket()
      sockets.push(socket)
      return socket
    },
    reconnect: { minDelayMs: 10, maxDelayMs: 100 },
    random: () => 0.5,
  })
  return { client, sockets }
}

function welcome(socket: ScriptedSocket, seq = 0): void {
  socket.serverSends({ type: MessageType.Welcome, version: 1, epoch: 'e1', headSeq: seq, sessionId: 's' })
  socket.serverSends({ type: MessageType.CatchUp, epoch: 'e1', fromSeq: 0, toSeq: seq, entries: [] })
  socket.serverSends({ type: MessageType.CatchUpEnd, cursor: { epoch: 'e1', seq } })
}

const updatesSent = (socket: ScriptedSocket) =>
  socket.sent.flatMap((m) => (m.type === MessageType.Doc && m.body.channel === DocChannel.Sync && m.body.clientSeq > 0 ? [m.body.clientSeq] : []))

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

afterEach(() => {
  vi.useRealTimers()
})

describe('VaultClient', () => {
  it('whenSynced resolves on the durable ack, not on send', async () => {
    const { client, sockets } = setup()
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket)
    expect(client.status).toBe('synced')
    client.doc('n1').getText('content').insert(0, 'hi')
    expect(client.hasLocalChanges).toBe(true)
    await endOfTurn()
    expect(updatesSent(socket)).toEqual([1])
    let synced = false
    const waiting = client.whenSynced().then(() => (synced = true))
    await Promise.resolve()
    expect(synced).toBe(false)
    expect(client.hasLocalChanges).toBe(true)
    socket.serverSends({ type: MessageType.Ack, cursor: { epoch: 'e1', seq: 7 }, ranges: [{ first: 1, last: 1 }] })
    await waiting
    expect(synced).toBe(true)
    expect(client.cursor).toEqual({ epoch: 'e1', seq: 7 })
    client.stop()
  })

  it('reconnects with its cursor and offline documents in Hello, unacked updates pipelined behind it', () => {
    vi.useFakeTimers()
    const { client, sockets } = setup()
    client.start()
    sockets[0]!.onopen?.()
    welcome(sockets[0]!, 3)
    sockets[0]!.serverCloses(1006, 'gone')
    client.doc('n1').getText('content').insert(0, 'offline')
    expect(client.status).toBe('offline')
    vi.advanceTimersByTime(100)
    const socket = sockets[1]!
    socket.onopen?.()
    const [hello, ...rest] = socket.sent
    expect(hello).toMatchObject({ type: MessageType.Hello, deviceId: 'device-1', cursor: { epoch: 'e1', seq: 3 }, subscribeAll: true })
    expect(hello?.type === MessageType.Hello && hello.docs.map((d) => d.docId)).toEqual(['n1'])
    expect(rest.map((m) => m.type)).toEqual([MessageType.Doc])
    expect(updatesSent(socket)).toEqual([1])
    client.stop()
  })

  it('answers the server state vector with one update that supersedes earlier unacked ones', async () => {
    const { client, sockets } = setup()
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket)
    const text = client.doc('n1').getText('content')
    text.insert(0, 'a')
    await endOfTurn()
    text.insert(1, 'b')
    await endOfTurn()
    socket.serverSends({ type: MessageType.Error, docId: 'n1', clientSeq: 2, code: ErrorCode.MissingDependencies, message: '' })
    socket.serverSends({
      type: MessageType.Doc,
      docId: 'n1' as DocId,
      body: { channel: DocChannel.Sync, clientSeq: 0, sync: { step: SyncStep.Step1, stateVector: Y.encodeStateVector(new Y.Doc()) } },
    })
    expect(updatesSent(socket)).toEqual([1, 2, 3])
    expect(client.unacked).toBe(3)
    socket.serverSends({ type: MessageType.Ack, cursor: { epoch: 'e1', seq: 1 }, ranges: [{ first: 3, last: 3 }] })
    expect(client.unacked).toBe(0)
    client.stop()
  })

  it('drops an update the server rejected for good and reports it', async () => {
    const { client, sockets } = setup()
    const errors: string[] = []
    client.on('error', (error) => errors.push(error.code))
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket)
    client.doc('n1').getText('content').insert(0, 'x')
    await endOfTurn()
    socket.serverSends({ type: MessageType.Error, docId: 'n1', clientSeq: 1, code: ErrorCode.UpdateTooLarge, message: 'too big' })
    expect(errors).toEqual([ErrorCode.UpdateTooLarge])
    expect(client.unacked).toBe(0)
    client.stop()
  })

  it('does not reconnect after the fatal close code, and does with backoff after any other', () => {
    vi.useFakeTimers()
    const { client, sockets } = setup()
    const fatal: string[] = []
    client.on('fatal', (reason) => fatal.push(reason))
    client.start()
    sockets[0]!.onopen?.()
    sockets[0]!.serverCloses(1011, 'retry')
    vi.advanceTimersByTime(10)
    expect(sockets).toHaveLength(2)
    sockets[1]!.serverCloses(FATAL_CLOSE_CODE, 'UNSUPPORTED_VERSION')
    vi.advanceTimersByTime(60_000)
    expect(sockets).toHaveLength(2)
    expect(fatal).toEqual(['UNSUPPORTED_VERSION'])
    expect(client.status).toBe('offline')
  })

  it('answers a Resync from a woken server with Resume and its unacked updates, once', async () => {
    const { client, sockets } = setup()
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket, 4)
    client.doc('n1').getText('content').insert(0, 'x')
    await endOfTurn()
    socket.sent.length = 0
    socket.serverSends({ type: MessageType.Resync, cursor: { epoch: 'e1', seq: 6 } })
    expect(socket.sent.map((m) => m.type)).toEqual([MessageType.Resume, MessageType.Doc])
    expect(socket.sent[0]).toMatchObject({ type: MessageType.Resume, cursor: { epoch: 'e1', seq: 4 } })
    // Nothing to tell a server that is not ahead when nothing is pending.
    socket.serverSends({ type: MessageType.Ack, cursor: { epoch: 'e1', seq: 6 }, ranges: [{ first: 1, last: 1 }] })
    socket.sent.length = 0
    socket.serverSends({ type: MessageType.Resync, cursor: { epoch: 'e1', seq: 6 } })
    expect(socket.sent).toEqual([])
    client.stop()
  })

  it('sends the local edits of one turn as one update with one sequence number, a lone edit at once', async () => {
    const { client, sockets } = setup()
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket)
    const doc = client.doc('n1')
    const text = doc.getText('content')
    for (let i = 0; i < 100; i++) text.insert(i, 'k')
    await endOfTurn()
    const sent = socket.sent.filter((m) => m.type === MessageType.Doc)
    expect(updatesSent(socket)).toEqual([1])
    const replica = new Y.Doc()
    const first = sent[0]!
    if (first.type === MessageType.Doc && first.body.channel === DocChannel.Sync && first.body.sync.step !== SyncStep.Step1) {
      Y.applyUpdate(replica, first.body.sync.update)
    }
    expect(replica.getText('content').toString()).toBe('k'.repeat(100))
    text.insert(0, '!')
    await Promise.resolve()
    expect(updatesSent(socket)).toEqual([1, 2])
    client.stop()
  })
})
