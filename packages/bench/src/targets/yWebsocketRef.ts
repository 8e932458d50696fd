// The reference server: y-websocket 1.5.4 `bin/server.js` (documents in memory, one socket per
// document), driven by the y-websocket 3.1 client `WebsocketProvider`.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import type { BenchTarget, NoteClient, OpenNoteOptions, WireMessage } from '../BenchTarget.ts'
import { classifyYWebsocketPayload } from '../classifyPayload.ts'
import { createCountingWebSocket } from '../createCountingWebSocket.ts'
import { spawnPeer } from '../spawnPeer.ts'
import { withTimeout } from '../withTimeout.ts'
import { onUpdatesFrom } from '../onUpdatesFrom.ts'

const SYNC_TIMEOUT_MS = 30_000
/** Each WebsocketProvider adds a process 'exit' listener; past 10 Node warns of a leak that is not one. */
let openProviders = 0

export const yWebsocketRefTarget: BenchTarget = {
  name: 'y-websocket-ref',
  durable: false,
  multiplexes: false,
  description:
    'y-websocket 1.5.4 bin/server.js (in memory, HOST=127.0.0.1), in its own Node process; client y-websocket 3.1.0 WebsocketProvider',
  async start() {
    return spawnPeer('y-websocket-ref')
  },
  async openNote(url: string, noteId: string, options: OpenNoteOptions = {}): Promise<NoteClient> {
    const log: WireMessage[] = []
    const doc = options.doc ?? new Y.Doc()
    // One socket per document is the protocol; `session` has nothing to share here.
    const provider = new WebsocketProvider(url, noteId, doc, {
      WebSocketPolyfill: createCountingWebSocket(
        log,
        classifyYWebsocketPayload,
      ) as unknown as typeof WebSocket,
      disableBc: true,
    })
    openProviders++
    if (process.getMaxListeners() < openProviders + 10) process.setMaxListeners(openProviders + 10)
    const synced = new Promise<void>((resolve) => {
      const onSync = (isSynced: boolean): void => {
        if (!isSynced) return
        provider.off('sync', onSync)
        resolve()
      }
      provider.on('sync', onSync)
    })
    await withTimeout(synced, SYNC_TIMEOUT_MS, `y-websocket-ref: first sync of ${noteId}`)
    return {
      doc,
      onRemoteUpdate: (listener) => onUpdatesFrom(doc, provider, listener),
      // The y-websocket protocol has no acknowledgement of any kind.
      whenDurable: undefined,
      wireLog: () => log,
      async close() {
        provider.destroy()
        openProviders--
        // The provider made this Awareness but does not destroy it; its 3 s check interval would keep Node alive.
        provider.awareness.destroy()
      },
    }
  },
}
