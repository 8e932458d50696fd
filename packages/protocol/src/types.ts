// Typed shapes of every frame. Branded ids keep document ids, device ids and epochs apart.

import type { CatchUpKind, ErrorCode, MessageType, SyncStep } from './constants.ts'

export type DocId = string & { readonly __brand: 'DocId' }
export type DeviceId = string & { readonly __brand: 'DeviceId' }

/** Position in a vault's update log. `epoch === ''` means "no cursor". */
export interface VaultCursor {
  readonly epoch: string
  readonly seq: number
}

export interface DocHave {
  readonly docId: DocId
  readonly stateVector: Uint8Array
}

export interface SeqRange {
  readonly first: number
  readonly last: number
}

export interface CatchUpEntry {
  readonly docId: DocId
  readonly kind: CatchUpKind
  readonly bytes: number
}

export type SyncMessage =
  | { readonly step: typeof SyncStep.Step1; readonly stateVector: Uint8Array }
  | { readonly step: typeof SyncStep.Step2 | typeof SyncStep.Update; readonly update: Uint8Array }

export type Message =
  | {
      readonly type: typeof MessageType.Hello
      readonly versions: readonly number[]
      readonly deviceId: DeviceId
      readonly cursor: VaultCursor
      readonly subscribeAll: boolean
      readonly docs: readonly DocHave[]
    }
  | {
      readonly type: typeof MessageType.Welcome
      readonly version: number
      readonly epoch: string
      readonly headSeq: number
      readonly sessionId: string
      /** The vault's history id: a different lineage is a different history (see PROTOCOL.md). */
      readonly lineage: string
    }
  | {
      readonly type: typeof MessageType.CatchUp
      readonly epoch: string
      readonly fromSeq: number
      readonly toSeq: number
      readonly entries: readonly CatchUpEntry[]
    }
  | { readonly type: typeof MessageType.CatchUpDoc; readonly docId: DocId; readonly update: Uint8Array }
  | { readonly type: typeof MessageType.CatchUpEnd; readonly cursor: VaultCursor }
  | {
      readonly type: typeof MessageType.Doc
      readonly docId: DocId
      readonly body:
        | { readonly channel: 0; readonly clientSeq: number; readonly sync: SyncMessage }
        | { readonly channel: 1; readonly awareness: Uint8Array }
    }
  | { readonly type: typeof MessageType.Subscribe; readonly docId: DocId; readonly stateVector: Uint8Array }
  | { readonly type: typeof MessageType.Unsubscribe; readonly docId: DocId }
  | { readonly type: typeof MessageType.Ack; readonly cursor: VaultCursor; readonly ranges: readonly SeqRange[] }
  | { readonly type: typeof MessageType.Resync; readonly cursor: VaultCursor }
  | { readonly type: typeof MessageType.Resume; readonly cursor: VaultCursor; readonly docs: readonly DocHave[] }
  | {
      readonly type: typeof MessageType.Error
      readonly docId: string
      readonly clientSeq: number
      readonly code: ErrorCode
      readonly message: string
    }

export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>
