// The two kinds of socket a vault room serves: vault-protocol sessions (every document over one
// socket) and plain y-websocket sessions (one note, for stock editors).

import { HEADS_DOC_ID, TREE_DOC_ID, canWrite } from '@amber/protocol'
import type { Connection, SessionAccess } from './hostTypes.ts'
import type { TokenBucket } from './TokenBucket.ts'

/** The tree and the heads: every vault session receives them unsubscribed, and the room keeps them loaded. */
export function isVaultWide(docId: string): boolean {
  return docId === TREE_DOC_ID || docId === HEADS_DOC_ID
}

export class VaultSession {
  readonly kind = 'vault'
  hello: { readonly deviceId: string; readonly version: number; readonly subscribeAll: boolean } | undefined
  /** Documents a lazy client subscribed to (eager clients receive everything). */
  readonly subscriptions = new Set<string>()
  /** Awareness client ids this session announced, per document, to clear when it closes. */
  readonly awarenessClients = new Map<string, Set<number>>()
  /** Client sequence numbers whose updates are durable but not yet acknowledged on the wire. */
  readyAcks: number[] = []
  /** The committed seq this session was last told about. */
  cursorSent = 0
  /**
   * False until the session's catch-up went out: an Ack's cursor promises the client holds everything up
   * to it, which is only true once the catch-up (sent after the commit that fires the Ack) is on the wire.
   */
  caughtUp = false

  constructor(
    readonly conn: Connection,
    readonly sessionId: string,
    readonly access: SessionAccess,
    /** Not kept across hibernation: a woken socket starts with a full bucket. */
    readonly rate: TokenBucket,
  ) {}

  get canWrite(): boolean {
    return canWrite(this.access.role)
  }

  receives(docId: string): boolean {
    if (!this.hello) return false
    return this.hello.subscribeAll || isVaultWide(docId) || this.subscriptions.has(docId)
  }
}

export class YSession {
  readonly kind = 'y'
  readonly awarenessClients = new Set<number>()

  constructor(
    readonly conn: Connection,
    readonly sessionId: string,
    readonly access: SessionAccess,
    readonly rate: TokenBucket,
    /** Bound at connect: a rename elsewhere does not move the socket to another note. */
    readonly docId: string,
    /** The path asked for; used to create the note on its first write when it did not exist. */
    readonly path: string | undefined,
  ) {}

  get canWrite(): boolean {
    return canWrite(this.access.role)
  }

  receives(docId: string): boolean {
    return docId === this.docId
  }
}

export type Session = VaultSession | YSession
