// Per-note resync cost on one-socket-per-document protocols: the payload bytes a client with a cached,
// unchanged note exchanges to re-sync it, next to the cost of fetching it cold. Not the vault reconnect
// figure (that is protocol specific); a vault of M notes pays roughly M times this here.
import { setTimeout as sleep } from 'node:timers/promises'
import * as Y from 'yjs'
import type { BenchTarget, RunningTarget, WireKind, WireMessage } from '../BenchTarget.ts'
import type { BenchSettings } from '../BenchSettings.ts'
import { figure, type Figure } from '../figures.ts'
import { noteText } from '../noteText.ts'

/** After the first sync, listen this long for the remaining handshake (client's step2, awareness, status). */
const QUIET_MS = 300

export interface WireSummary {
  readonly sentBytes: Figure
  readonly receivedBytes: Figure
  readonly syncBytes: Figure
  readonly messages: number
  readonly byKind: Partial<Record<`${'sent' | 'received'}:${WireKind}`, { count: number; bytes: number }>>
}

export interface ResyncResult {
  readonly label: string
  readonly noteId: string
  readonly noteBytes: number
  readonly unchangedNote: WireSummary
  readonly coldFetch: WireSummary
}

export async function measureResync(
  target: BenchTarget,
  server: RunningTarget,
  settings: BenchSettings,
): Promise<ResyncResult> {
  // A realistic vault path: Hocuspocus repeats the document name in every message, so its length counts.
  const noteId = `Projects/Resync check ${Date.now() % 1000}.md`
  // The writer stays connected so in-memory servers keep the note.
  const writer = await target.openNote(server.url, noteId, { session: 'resync-writer' })
  const content = noteText(0, settings.noteBytes)
  writer.doc.getText('content').insert(0, content)

  const cold = await target.openNote(server.url, noteId, { session: 'resync-cold' })
  await untilText(cold.doc, content, settings.waitTimeoutMs)
  await sleep(QUIET_MS)
  const coldLog = [...cold.wireLog()]
  const cached = new Y.Doc()
  Y.applyUpdate(cached, Y.encodeStateAsUpdate(cold.doc))
  await cold.close()

  const warm = await target.openNote(server.url, noteId, { doc: cached, session: 'resync-warm' })
  await sleep(QUIET_MS)
  const warmLog = [...warm.wireLog()]
  if (warm.doc.getText('content').toString() !== content)
    throw new Error(`${target.name}: resynced note differs`)
  await warm.close()
  await writer.close()

  const how = `WebSocket message payloads (no framing) counted by a ws subclass given to the provider as WebSocketPolyfill; from connect until ${QUIET_MS} ms after the first sync; includes the provider's default awareness and auth messages`
  return {
    label:
      'reference only: bytes to re-sync ONE unchanged note over its own socket (y-websocket/Hocuspocus have one sync per document)',
    noteId,
    noteBytes: settings.noteBytes,
    unchangedNote: summarize(warmLog, `client already holding the note's full state reconnects; ${how}`),
    coldFetch: summarize(coldLog, `client with an empty document opens the note; ${how}`),
  }
}

function summarize(log: readonly WireMessage[], method: string): WireSummary {
  const byKind: Record<string, { count: number; bytes: number }> = {}
  let sent = 0
  let received = 0
  let sync = 0
  for (const m of log) {
    const key = `${m.direction}:${m.kind}`
    const entry = (byKind[key] ??= { count: 0, bytes: 0 })
    entry.count++
    entry.bytes += m.bytes
    if (m.direction === 'sent') sent += m.bytes
    else received += m.bytes
    if (m.kind === 'sync-step1' || m.kind === 'sync-step2') sync += m.bytes
  }
  return {
    sentBytes: figure(sent, 'bytes', `client → server; ${method}`),
    receivedBytes: figure(received, 'bytes', `server → client; ${method}`),
    syncBytes: figure(sync, 'bytes', `sync step1 + step2 messages, both directions; ${method}`),
    messages: log.length,
    byKind,
  }
}

async function untilText(doc: Y.Doc, expected: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (doc.getText('content').toString() !== expected) {
    if (performance.now() > deadline) throw new Error('note never reached the expected text')
    await sleep(5)
  }
}
