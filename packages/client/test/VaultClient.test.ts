// The client against a scripted server speaking raw protocol frames: what it sends, and that
// "synced" means durably acknowledged, never merely sent.

import {
  DocChannel,
  ErrorCode,
  FATAL_CLOSE_CODE,
  MessageType,
  SyncStep,
  decodeMessage,
  encodeMessage,
} from '@amber/protocol'
import type { DocId, Message } from '@amber/protocol'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { VaultClient, VaultError } from '../src/index.ts'
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

function welcome(socket: ScriptedSocket, seq = 0, lineage = 'L1'): void {
  socket.serverSends({
    type: MessageType.Welcome,
    version: 1,
    epoch: 'e1',
    headSeq: seq,
    sessionId: 's',
    lineage,
  })
  socket.serverSends({ type: MessageType.CatchUp, epoch: 'e1', fromSeq: 0, toSeq: seq, entries: [] })
  socket.serverSends({ type: MessageType.CatchUpEnd, cursor: { epoch: 'e1', seq } })
}

const updatesSent = (socket: ScriptedSocket) =>
  socket.sent.flatMap((m) =>
    m.type === MessageType.Doc && m.body.channel === DocChannel.Sync && m.body.clientSeq > 0
      ? [m.body.clientSeq]
      : [],
  )

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
    socket.serverSends({
      type: MessageType.Ack,
      cursor: { epoch: 'e1', seq: 7 },
      ranges: [{ first: 1, last: 1 }],
    })
    await waiting
    expect(synced).toBe(true)
    expect(client.cursor).toEqual({ epoch: 'e1', seq: 7 })
    client.stop()
  })

  it('reconnects with its cursor and offline documents in Hello, unacked updates right behind Welcome', () => {
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
    expect(hello).toMatchObject({
      type: MessageType.Hello,
      deviceId: 'device-1',
      cursor: { epoch: 'e1', seq: 3 },
      subscribeAll: true,
    })
    expect(hello?.type === MessageType.Hello && hello.docs.map((d) => d.docId)).toEqual(['n1'])
    // Nothing but state vectors before the server's lineage is known.
    expect(rest).toEqual([])
    welcome(socket, 3)
    expect(updatesSent(socket)).toEqual([1])
    client.stop()
  })

  it('lineage guard: a new server lineage drops local state instead of sending it, and starts over fresh', () => {
    vi.useFakeTimers()
    const { client, sockets } = setup()
    const changes: Array<{ previous: string; current: string; changed: string[]; text: string | undefined }> =
      []
    client.on('lineageChanged', (change) =>
      changes.push({
        previous: change.previous,
        current: change.current,
        changed: [...change.changed],
        text: change.docs.get('n1')?.getText('content').toString(),
      }),
    )
    client.start()
    sockets[0]!.onopen?.()
    welcome(sockets[0]!, 3, 'L1')
    sockets[0]!.serverCloses(1006, 'gone')
    client.doc('n1').getText('content').insert(0, 'offline edit')
    vi.advanceTimersByTime(100)
    const stale = sockets[1]!
    stale.onopen?.()
    welcome(stale, 9, 'L2')
    expect(updatesSent(stale)).toEqual([])
    expect(changes).toEqual([{ previous: 'L1', current: 'L2', changed: ['n1'], text: 'offline edit' }])
    expect(client.hasLocalChanges).toBe(false)
    expect(client.docs.size).toBe(0)
    expect(client.lineage).toBe('L2')
    // A fresh socket at once, with no cursor and nothing to offer.
    const fresh = sockets[2]!
    fresh.onopen?.()
    expect(fresh.sent[0]).toMatchObject({ type: MessageType.Hello, cursor: { epoch: '', seq: 0 }, docs: [] })
    welcome(fresh, 9, 'L2')
    expect(client.status).toBe('synced')
    client.stop()
  })

  it('same lineage, new epoch: a state-vector resync, local state is merged', () => {
    const { client, sockets } = setup()
    client.start()
    sockets[0]!.onopen?.()
    welcome(sockets[0]!, 3, 'L1')
    client.doc('n1').getText('content').insert(0, 'kept')
    client.flushLocalEdits()
    sockets[0]!.serverSends({
      type: MessageType.Ack,
      cursor: { epoch: 'e1', seq: 4 },
      ranges: [{ first: 1, last: 1 }],
    })
    const socket = sockets[0]!
    socket.sent.length = 0
    socket.serverSends({
      type: MessageType.Welcome,
      version: 1,
      epoch: 'e2',
      headSeq: 0,
      sessionId: 's2',
      lineage: 'L1',
    })
    socket.serverSends({ type: MessageType.CatchUp, epoch: 'e2', fromSeq: 0, toSeq: 0, entries: [] })
    socket.serverSends({ type: MessageType.CatchUpEnd, cursor: { epoch: 'e2', seq: 0 } })
    // The rebuilt server lost n1: the client pushes its whole state of it.
    expect(updatesSent(socket)).toHaveLength(1)
    expect(client.lineage).toBe('L1')
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
    socket.serverSends({
      type: MessageType.Error,
      docId: 'n1',
      clientSeq: 2,
      code: ErrorCode.MissingDependencies,
      message: '',
    })
    socket.serverSends({
      type: MessageType.Doc,
      docId: 'n1' as DocId,
      body: {
        channel: DocChannel.Sync,
        clientSeq: 0,
        sync: { step: SyncStep.Step1, stateVector: Y.encodeStateVector(new Y.Doc()) },
      },
    })
    expect(updatesSent(socket)).toEqual([1, 2, 3])
    expect(client.unacked).toBe(3)
    socket.serverSends({
      type: MessageType.Ack,
      cursor: { epoch: 'e1', seq: 1 },
      ranges: [{ first: 3, last: 3 }],
    })
    expect(client.unacked).toBe(0)
    client.stop()
  })

  it('parks an update the server rejected for good: reported, not resent, kept in the doc, whenSynced rejects', async () => {
    vi.useFakeTimers()
    const { client, sockets } = setup()
    const errors: string[] = []
    client.on('error', (error) => errors.push(error.code))
    client.start()
    const socket = sockets[0]!
    socket.onopen?.()
    welcome(socket)
    const text = client.doc('n1').getText('content')
    text.insert(0, 'x')
    await Promise.resolve()
    const synced = client.whenSynced()
    socket.serverSends({
      type: MessageType.Error,
      docId: 'n1',
      clientSeq: 1,
      code: ErrorCode.FrameTooLarge,
      message: 'too big',
    })
    expect(errors).toEqual([ErrorCode.FrameTooLarge])
    await expect(synced).rejects.toMatchObject({ code: ErrorCode.FrameTooLarge, docId: 'n1' })
    await expect(client.whenDocSynced('n1')).rejects.toMatchObject({ code: ErrorCode.FrameTooLarge })
    expect(client.unacked).toBe(0)
    expect(client.hasLocalChanges).toBe(true)
    expect(client.status).toBe('synced')
    expect(text.toString()).toBe('x')
    // Later edits of the same document are held back with it: they depend on it.
    text.insert(1, 'y')
    client.flushLocalEdits()
    expect(updatesSent(socket)).toEqual([1])
    expect(client.unacked).toBe(0)
    socket.serverCloses(1006, 'gone')
    vi.advanceTimersByTime(100)
    sockets[1]!.onopen?.()
    welcome(sockets[1]!)
    expect(updatesSent(sockets[1]!)).toEqual([])
    client.retryRejected()
    expect(updatesSent(sockets[1]!)).toEqual([1, 2])
    client.stop()
  })

  it('RATE_LIMITED keeps the update and resends it after a backoff that does not reset', () => {
    vi.useFakeTimers()
    const { client, sockets } = setup()
    client.start()
    sockets[0]!.onopen?.()
    welcome(sockets[0]!)
    client.doc('n1').getText('content').insert(0, 'x')
    client.flushLocalEdits()
    for (let i = 0; i < 3; i++) {
      const socket = sockets.at(-1)!
      socket.serverSends({
        type: MessageType.Error,
        docId: 'n1',
        clientSeq: 1,
        code: ErrorCode.RateLimited,
        message: 'slow down',
      })
      socket.serverCloses(1008, 'RATE_LIMITED')
      const before = sockets.length
      // 10 ms, 20 ms, 40 ms ceilings with jitter 0.5: 7.5, 15, 30 ms.
      vi.advanceTimersByTime(7.5 * 2 ** i - 1)
      expect(sockets).toHaveLength(before)
      vi.advanceTimersByTime(1)
      expect(sockets).toHaveLength(before + 1)
      sockets.at(-1)!.onopen?.()
      welcome(sockets.at(-1)!)
      expect(updatesSent(sockets.at(-1)!)).toEqual([1])
    }
    client.stop()
  })

  it('a fatal close from a failed connect (401 on the ticket) stops; TOKEN_EXPIRED and REVOKED too', async () => {
    const fatal: string[] = []
    let fail = true
    const sockets: ScriptedSocket[] = []
    const client = new VaultClient({
      deviceId: 'd',
      connect: async () => {
        if (fail) throw new VaultError('UNAUTHORIZED', 'ticket 401', { fatal: true })
        const socket = new ScriptedSocket()
        sockets.push(socket)
        return socket
      },
    })
    client.on('fatal', (reason) => fatal.push(reason))
    client.start()
    await vi.waitFor(() => expect(fatal).toEqual(['UNAUTHORIZED']))
    expect(client.status).toBe('offline')
    fail = false
    client.reconnectNow()
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    sockets[0]!.onopen?.()
    sockets[0]!.serverCloses(FATAL_CLOSE_CODE, 'TOKEN_EXPIRED')
    expect(fatal).toEqual(['UNAUTHORIZED', 'TOKEN_EXPIRED'])
    expect(client.status).toBe('offline')
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
    socket.serverSends({
      type: MessageType.Ack,
      cursor: { epoch: 'e1', seq: 6 },
      ranges: [{ first: 1, last: 1 }],
    })
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
    if (
      first.type === MessageType.Doc &&
      first.body.channel === DocChannel.Sync &&
      first.body.sync.step !== SyncStep.Step1
    ) {
      Y.applyUpdate(replica, first.body.sync.update)
    }
    expect(replica.getText('content').toString()).toBe('k'.repeat(100))
    text.insert(0, '!')
    await Promise.resolve()
    expect(updatesSent(socket)).toEqual([1, 2])
    client.stop()
  })
})
