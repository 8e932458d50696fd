// An open note: its Y.Doc (text in `getText('content')`), presence (y-protocols Awareness) and
// per-note sync state. Several handles of one note share one document and one awareness.

import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { Emitter } from './Emitter.ts'
import type { FileId } from './tree/coreTree.ts'

/** Events of a {@link NoteHandle}. */
export interface NoteHandleEvents {
  /**
   * The note's document and awareness were replaced (the server's vault was restored or re-created
   * and local state was moved aside): re-bind editors to `handle.doc` / `handle.awareness`.
   */
  reset: (doc: Y.Doc) => void
}

/** What a handle needs from its vault. @internal */
export interface NoteHost {
  docOf(id: FileId): Y.Doc
  awarenessOf(id: FileId): Awareness
  pathOf(id: FileId): string | undefined
  hasLocalChanges(id: FileId): boolean
  whenSynced(id: FileId): Promise<void>
  whenLoaded(id: FileId): Promise<void>
  release(handle: NoteHandle): void
}

/**
 * An open note, from `vault.open(path)`.
 *
 * @example
 * ```ts
 * const note = await vault.open('Daily/2026-11-27.md')
 * note.text.insert(note.text.length, '\n- call Anna')
 * note.awareness.setLocalStateField('user', { name: 'Ada', color: '#f80' })
 * await note.whenSynced() // the server has durably stored the edit
 * note.close()
 * ```
 */
export class NoteHandle {
  /** The file id: stable across renames and moves. */
  readonly id: FileId
  readonly #host: NoteHost
  readonly #events = new Emitter<NoteHandleEvents>()
  #awareness: Awareness
  #closed = false

  /** @internal */
  constructor(id: FileId, host: NoteHost) {
    this.id = id
    this.#host = host
    this.#awareness = host.awarenessOf(id)
  }

  /** The note's Yjs document. Bind an editor to `doc.getText('content')`. */
  get doc(): Y.Doc {
    return this.#host.docOf(this.id)
  }

  /** The note's text, `doc.getText('content')`. */
  get text(): Y.Text {
    return this.doc.getText('content')
  }

  /** Presence for this note (cursors, selections, user names), relayed to the other devices viewing it. */
  get awareness(): Awareness {
    return this.#awareness
  }

  /** The note's current path (it follows renames and moves); undefined once deleted for good. */
  get path(): string | undefined {
    return this.#host.pathOf(this.id)
  }

  /** True while an edit of this note lacks the server's durable ack (never false on merely "sent"). */
  get hasLocalChanges(): boolean {
    return this.#host.hasLocalChanges(this.id)
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Resolves once every edit of this note made so far has the server's durable ack (at once when there
   * is none). Rejects with a `VaultError` when the server rejected one for good (`READ_ONLY`,
   * `DOC_TOO_LARGE`, `QUOTA_EXCEEDED`, `FRAME_TOO_LARGE`, …) or it was moved aside (`LINEAGE_CHANGED`).
   * @example
   * note.text.insert(0, 'Title\n')
   * await note.whenSynced()
   */
  whenSynced(): Promise<void> {
    return this.#host.whenSynced(this.id)
  }

  /**
   * Resolves once the server's copy of this note reached this device in this session (the first
   * catch-up of an eager vault, or the answer to this note's subscription in a lazy one). Wait for it
   * before deciding that a note is empty.
   */
  whenLoaded(): Promise<void> {
    return this.#host.whenLoaded(this.id)
  }

  /** Adds an event listener; returns the function that removes it. */
  on<E extends keyof NoteHandleEvents>(event: E, listener: NoteHandleEvents[E]): () => void {
    return this.#events.on(event, listener)
  }

  /**
   * Releases the handle: this device's presence is withdrawn once no handle of the note is open, and a
   * lazy vault stops receiving the note (its local copy stays). Unsent edits are kept and still sync.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#host.release(this)
    this.#events.removeAll()
  }

  /** @internal */
  emitReset(): void {
    this.#awareness = this.#host.awarenessOf(this.id)
    this.#events.emit('reset', this.doc)
  }
}
