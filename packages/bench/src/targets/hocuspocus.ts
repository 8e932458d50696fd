// Hocuspocus 4.7 peers: the server with no persistence, and with the SQLite extension (a file database
// in the run's storage dir). Clients use @hocuspocus/provider; notes of one session share a socket.
import path from 'node:path'
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import * as Y from 'yjs'
import type { BenchTarget, NoteClient, OpenNoteOptions, WireMessage } from '../BenchTarget.ts'
import { classifyHocuspocusPayload } from '../classifyPayload.ts'
import { createCountingWebSocket } from '../createCountingWebSocket.ts'
import { spawnPeer } from '../spawnPeer.ts'
import { withTimeout } from '../withTimeout.ts'
import { onUpdatesFrom } from '../onUpdatesFrom.ts'

const SYNC_TIMEOUT_MS = 30_000

export const hocuspocusMemoryTarget = createHocuspocusTarget('memory')
export const hocuspocusSqliteTarget = createHocuspocusTarget('sqlite')

interface SharedSocket {
  readonly socket: HocuspocusProviderWebsocket
  readonly log: WireMessage[]
  refs: number
}

function createHocuspocusTarget(persistence: 'memory' | 'sqlite'): BenchTarget {
  const kind = `hocuspocus-${persistence}`
  const sessions = new Map<string, SharedSocket>()

  const openSocket = (url: string): SharedSocket => {
    const log: WireMessage[] = []
    const socket = new HocuspocusProviderWebsocket({
      url,
      WebSocketPolyfill: createCountingWebSocket(log, classifyHocuspocusPayload),
      // The bench closes deliberately; a reconnect loop against a stopped server would only add noise.
      maxAttempts: 1,
    })
    return { socket, log, refs: 0 }
  }

  return {
    name: kind,
    durable: persistence === 'sqlite',
    multiplexes: true,
    description:
      persistence === 'sqlite'
        ? '@hocuspocus/server 4.7.0 + @hocuspocus/extension-sqlite 4.7.0 (better-sqlite3 file DB), default debounce 2 s / maxDebounce 10 s, in its own Node process'
        : '@hocuspocus/server 4.7.0, no persistence, default configuration, in its own Node process',
    async start({ storageDir }) {
      return spawnPeer(kind, persistence === 'sqlite' ? [path.join(storageDir, 'hocuspocus.sqlite')] : [])
    },
    async openNote(url: string, noteId: string, options: OpenNoteOptions = {}): Promise<NoteClient> {
      const key = `${url}\n${options.session ?? `solo:${noteId}:${Math.random()}`}`
      let shared = sessions.get(key)
      if (!shared) {
        shared = openSocket(url)
        sessions.set(key, shared)
      }
      shared.refs++
      const doc = options.doc ?? new Y.Doc()
      const provider = new HocuspocusProvider({
        websocketProvider: shared.socket,
        name: noteId,
        document: doc,
      })
      const synced = new Promise<void>((resolve) => provider.on('synced', () => resolve()))
      provider.attach()
      await withTimeout(synced, SYNC_TIMEOUT_MS, `${kind}: first sync of ${noteId}`)
      const log = shared.log
      const owner = shared
      return {
        doc,
        onRemoteUpdate: (listener) => onUpdatesFrom(doc, provider, listener),
        // Hocuspocus answers each update with SyncStatus once applied in memory; storage is debounced, so nothing is durable-acked.
        whenDurable: undefined,
        wireLog: () => log,
        async close() {
          provider.destroy()
          if (--owner.refs === 0) {
            sessions.delete(key)
            owner.socket.destroy()
          }
        },
      }
    },
  }
}
