// Server memory with K notes of ~2 KB open, spread over a few idle client sessions: RSS from
// /proc/<pid>/status and, where the peer reports it over IPC, V8 heap after forced GC.
import { setTimeout as sleep } from 'node:timers/promises'
import type { BenchTarget, NoteClient, ServerMemory } from '../BenchTarget.ts'
import type { BenchSettings } from '../BenchSettings.ts'
import { figure, notApplicable, type Figure, type NotApplicable } from '../figures.ts'
import { noteText } from '../noteText.ts'
import { readRssBytes } from '../spawnPeer.ts'
import { withTimeout } from '../withTimeout.ts'

const SETTLE_MS = 1000

export interface MemoryResult {
  readonly notes: number
  readonly noteBytes: number
  readonly clientSessions: number
  readonly connections: string
  readonly rssIdle: Figure
  readonly rssLoaded: Figure
  readonly rssPerNote: Figure
  readonly heapUsedIdle: Figure | NotApplicable
  readonly heapUsedLoaded: Figure | NotApplicable
  readonly heapUsedPerNote: Figure | NotApplicable
  readonly openAllNotes: Figure
}

export async function measureMemory(
  target: BenchTarget,
  settings: BenchSettings,
  storageDir: string,
): Promise<MemoryResult> {
  const server = await target.start({ storageDir })
  const clients: NoteClient[] = []
  try {
    const pid = server.pid
    if (pid === undefined) throw new Error(`${target.name}: no local process to measure`)
    await sleep(SETTLE_MS)
    const idleHeap = await server.memory?.()
    const idleRss = readRssBytes(pid)

    const t0 = performance.now()
    for (let start = 0; start < settings.notes; start += settings.openConcurrency) {
      const batch: Promise<NoteClient>[] = []
      for (let i = start; i < Math.min(settings.notes, start + settings.openConcurrency); i++) {
        batch.push(
          target
            .openNote(server.url, `memory-note-${i}`, { session: `idle-client-${i % settings.idleClients}` })
            .then((client) => {
              client.doc.getText('content').insert(0, noteText(i, settings.noteBytes))
              return client
            }),
        )
      }
      clients.push(...(await Promise.all(batch)))
    }
    const openMs = performance.now() - t0

    // The protocols have no ack to wait on: prove the server holds the notes by reading a sample with fresh clients.
    const step = Math.max(1, Math.floor(settings.notes / 10))
    for (let i = 0; i < settings.notes; i += step) {
      const reader = await target.openNote(server.url, `memory-note-${i}`, { session: 'memory-reader' })
      const expected = noteText(i, settings.noteBytes)
      await withTimeout(
        (async () => {
          while (reader.doc.getText('content').toString() !== expected) await sleep(5)
        })(),
        settings.waitTimeoutMs,
        `${target.name}: server holding memory-note-${i}`,
      )
      await reader.close()
    }
    await sleep(SETTLE_MS)
    const loadedHeap = await server.memory?.()
    const loadedRss = readRssBytes(pid)

    const rssMethod = 'VmRSS of the server process read from /proc/<pid>/status in the bench process'
    const heapMethod =
      'process.memoryUsage().heapUsed inside the server process (peerHost.mjs answers an IPC request) after two global.gc() calls (node --expose-gc)'
    const perNote = (idle: number, loaded: number): number => (loaded - idle) / settings.notes
    const heapFigure = (m: ServerMemory | undefined, when: string): Figure | NotApplicable =>
      m
        ? figure(m.heapUsedBytes, 'bytes', `${heapMethod}, ${when}`)
        : notApplicable(`${target.name} does not report its heap`)
    return {
      notes: settings.notes,
      noteBytes: settings.noteBytes,
      clientSessions: settings.idleClients,
      connections: target.multiplexes
        ? `${settings.idleClients} connections, notes assigned round-robin and multiplexed`
        : `${settings.notes} connections (one per note; the protocol has no multiplexing), notes grouped round-robin into ${settings.idleClients} sessions`,
      rssIdle: figure(
        idleRss,
        'bytes',
        `${rssMethod}, fresh server, no clients, ${SETTLE_MS} ms after start`,
      ),
      rssLoaded: figure(
        loadedRss,
        'bytes',
        `${rssMethod}, all notes open and idle, ${SETTLE_MS} ms after the last write was read back`,
      ),
      rssPerNote: figure(perNote(idleRss, loadedRss), 'bytes/note', '(rssLoaded - rssIdle) / notes'),
      heapUsedIdle: heapFigure(idleHeap, 'fresh server, no clients'),
      heapUsedLoaded: heapFigure(loadedHeap, 'all notes open and idle'),
      heapUsedPerNote:
        idleHeap && loadedHeap
          ? figure(
              perNote(idleHeap.heapUsedBytes, loadedHeap.heapUsedBytes),
              'bytes/note',
              '(heapUsedLoaded - heapUsedIdle) / notes',
            )
          : notApplicable(`${target.name} does not report its heap`),
      openAllNotes: figure(
        openMs,
        'ms',
        `open ${settings.notes} notes (${settings.openConcurrency} concurrently) and write each one's text`,
      ),
    }
  } finally {
    for (const client of clients) await client.close()
    await server.stop()
  }
}
