// Amber's own server as a bench target: the worker under `wrangler dev` (workerd, local DO SQLite and
// R2 under `storageDir`), clients are @amber/client vault sessions over `ws` (one socket per session,
// every note of the session multiplexed on it). `whenDurable` is the outbox's durable ack.

import { REMOTE_ORIGIN, VaultClient } from '@amber/client'
import type { SocketLike } from '@amber/client'
import { DocChannel, MessageType, SyncStep, decodeMessage } from '@amber/protocol'
import { WranglerDev } from '@amber/worker/local-server'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { BenchTarget, NoteClient, WireKind, WireMessage } from '../BenchTarget.ts'
import { onUpdatesFrom } from '../onUpdatesFrom.ts'

/**
 * The limits the benchmark runs with, passed explicitly so the results state them. Size limits are the
 * production defaults; the message rate is raised because the workloads send frames far faster than
 * any person (the default is 200 frames/s per connection, burst 2,000: see docs/security.md).
 */
export const AMBER_BENCH_LIMITS = {
  AMBER_MAX_FRAME_BYTES: '16777216',
  AMBER_MAX_UPDATE_BYTES: '8388608',
  AMBER_MAX_DOC_BYTES: '16777216',
  AMBER_QUOTA_BYTES: '1073741824',
  AMBER_MESSAGE_RATE: '1000000',
  AMBER_MESSAGE_BURST: '1000000',
} as const

interface BenchVault {
  readonly vaultId: string
  readonly token: string
}
/** One vault per storage directory, created through the admin API on the first start; a restart on the same storage keeps it. */
const vaultsByStorage = new Map<string, BenchVault>()
/** The vault of the server listening at each url. */
const vaultsByUrl = new Map<string, BenchVault>()

interface Session {
  readonly client: VaultClient
  readonly log: WireMessage[]
  openNotes: number
}

const sessions = new Map<string, Session>()

function classify(bytes: Uint8Array): WireKind {
  try {
    const message = decodeMessage(bytes)
    if (message.type !== MessageType.Doc) return 'other'
    if (message.body.channel === DocChannel.Awareness) return 'awareness'
    const step = message.body.sync.step
    return step === SyncStep.Step1 ? 'sync-step1' : step === SyncStep.Step2 ? 'sync-step2' : 'sync-update'
  } catch {
    return 'other' // not ours to judge here; the client reports malformed frames itself
  }
}

function openSession(url: string, key: string): Session {
  const log: WireMessage[] = []
  const client = new VaultClient({
    deviceId: `bench-${key}`,
    subscribeAll: false,
    connect: () => {
      const vault = vaultsByUrl.get(url)
      if (vault === undefined) throw new Error(`no amber server was started at ${url}`)
      const socket = new WebSocket(`${url}/api/v1/vaults/${vault.vaultId}/sync`, { headers: { Authorization: `Bearer ${vault.token}` } })
      socket.binaryType = 'arraybuffer'
      socket.on('message', (data: ArrayBuffer) =>
        log.push({ direction: 'received', kind: classify(new Uint8Array(data)), bytes: data.byteLength }),
      )
      const send = socket.send.bind(socket)
      socket.send = ((data: Uint8Array) => {
        log.push({ direction: 'sent', kind: classify(data), bytes: data.byteLength })
        send(data)
      }) as typeof socket.send
      return socket as unknown as SocketLike
    },
  })
  return { client, log, openNotes: 0 }
}

/** Bench note names are paths; vault document ids are file ids (`[A-Za-z0-9_-]{1,64}`). */
function docIdFor(noteId: string): string {
  return noteId.replace(/[^A-Za-z0-9_-]/g, '_').slice(-64)
}

export const amberTarget: BenchTarget = {
  name: 'amber',
  durable: true,
  multiplexes: true,
  description:
    'Amber worker (VaultDO) under wrangler dev 4.86 (workerd, local DO SQLite + R2), client @amber/client, token auth',
  limits: AMBER_BENCH_LIMITS,
  async start({ storageDir }) {
    const server = await WranglerDev.start({ persistTo: storageDir, vars: AMBER_BENCH_LIMITS })
    let vault = vaultsByStorage.get(storageDir)
    if (vault === undefined) vaultsByStorage.set(storageDir, (vault = await server.createVault('bench')))
    vaultsByUrl.set(server.wsOrigin, vault)
    return {
      url: server.wsOrigin,
      // RSS of workerd itself; its V8 heap cannot be read from outside (the core room heap is measured in Node).
      pid: server.workerdPid(),
      memory: undefined,
      stop: async () => {
        for (const session of sessions.values()) session.client.stop()
        sessions.clear()
        vaultsByUrl.delete(server.wsOrigin)
        await server.stop()
      },
    }
  },
  async openNote(url, noteName, options) {
    const noteId = docIdFor(noteName)
    const key = options?.session ?? `${noteId}-${sessions.size}-${Math.random().toString(36).slice(2)}`
    let session = sessions.get(key)
    const fresh = !session
    if (!session) sessions.set(key, (session = openSession(url, key)))
    const { client, log } = session
    session.openNotes++
    const loaded = new Promise<void>((resolve) => {
      const off = client.on('loaded', (docId) => {
        if (docId === noteId) {
          off()
          resolve()
        }
      })
    })
    const doc = client.doc(noteId)
    // A cached copy is local state the server already has, not a local edit: it is not put in the outbox.
    if (options?.doc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(options.doc), REMOTE_ORIGIN)
    if (fresh) client.start()
    await loaded
    await client.whenSynced()
    const note: NoteClient = {
      doc,
      onRemoteUpdate: (listener) => onUpdatesFrom(doc, REMOTE_ORIGIN, listener),
      whenDurable: () => client.whenSynced(),
      wireLog: () => log,
      async close() {
        if (--session.openNotes === 0) {
          client.stop()
          sessions.delete(key)
        }
      },
    }
    return note
  },
}
