// The contract every benchmarked server implements: start a server on loopback, open one note as a
// client, edit it, observe remote updates and, where the server has one, wait for a durable ack.
import type * as Y from 'yjs'


/** A benchmarked sync server: how to run it and how to open a note against it. */
export interface BenchTarget {
  /** Stable key in the results JSON, e.g. `hocuspocus-sqlite`. */
  readonly name: string
  /** What runs, with which configuration; copied into the results. */
  readonly description: string
  /** Server limits the run used (name → value), copied into the results; absent for servers without any. */
  readonly limits?: Readonly<Record<string, string>>
  /** True when documents survive a restart on the same `storageDir`. */
  readonly durable: boolean
  /** True when notes opened with the same `session` share one connection; false for one socket per note. */
  readonly multiplexes: boolean
  /** Starts a server listening on 127.0.0.1 only. Starting again with the same `storageDir` restarts on the same storage. */
  start(options: StartOptions): Promise<RunningTarget>
  /** Opens one note document as a new client of the server at `url`. Resolves once the first sync completed. */
  openNote(url: string, noteId: string, options?: OpenNoteOptions): Promise<NoteClient>
}

export interface StartOptions {
  /** An existing directory the server may keep its storage in; ignored by in-memory servers. */
  readonly storageDir: string
}

export interface RunningTarget {
  /** Where clients connect, e.g. `ws://127.0.0.1:41234`. */
  readonly url: string
  /** Process id of the server, used to read its RSS from /proc; undefined when not a local child process. */
  readonly pid: number | undefined
  /** Heap and RSS measured inside the server process after a full GC; undefined where the target cannot report it. */
  readonly memory: (() => Promise<ServerMemory>) | undefined
  /** Graceful stop: the server flushes whatever it persists on shutdown, then its process exits. */
  stop(): Promise<void>
}

export interface ServerMemory {
  readonly rssBytes: number
  readonly heapUsedBytes: number
  readonly heapTotalBytes: number
  readonly externalBytes: number
  readonly arrayBuffersBytes: number
}

export interface OpenNoteOptions {
  /** Local state to start from (an offline cache); a fresh empty document when absent. */
  readonly doc?: Y.Doc
  /** Notes opened with the same session id share one connection where the protocol allows it. */
  readonly session?: string
}

/** One open note: edit `doc` directly (any transaction not originating from the client is sent). */
export interface NoteClient {
  readonly doc: Y.Doc
  /** Calls `listener` for every update that arrived from the server; returns an unsubscribe function. */
  onRemoteUpdate(listener: (update: Uint8Array) => void): () => void
  /** Resolves when every local edit made so far is durably stored; undefined where the server has no durable ack. */
  readonly whenDurable: (() => Promise<void>) | undefined
  /** Application payloads over this client's connection so far (WebSocket framing excluded). */
  wireLog(): readonly WireMessage[]
  /** Closes the note (and its connection, if no other note of its session remains open). */
  close(): Promise<void>
}

export const WIRE_KINDS = [
  'sync-step1',
  'sync-step2',
  'sync-update',
  'awareness',
  'query-awareness',
  'auth',
  'sync-status',
  'ping',
  'other',
] as const
export type WireKind = (typeof WIRE_KINDS)[number]

export interface WireMessage {
  readonly direction: 'sent' | 'received'
  readonly kind: WireKind
  readonly bytes: number
}
