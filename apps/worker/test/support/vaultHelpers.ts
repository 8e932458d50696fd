// Shared steps of the integration tests: create a note in a client's tree, compare replicas exactly.

import { createEntry, resolvePath } from '@amber/core'
import { expect } from 'vitest'
import * as Y from 'yjs'
import type { VaultTestClient } from './VaultTestClient.ts'

/** Creates `path` in the client's tree (an update the client sends) and returns the note's doc id. */
export function createNote(client: VaultTestClient, path: string): string {
  return createEntry(client.tree, { path, now: Date.now() })
}

export function noteId(client: VaultTestClient, path: string): string | undefined {
  return resolvePath(client.tree, path)
}

export function textOf(client: VaultTestClient, docId: string): string {
  return client.doc(docId).getText('content').toString()
}

/** Equal state vectors and equal encoded state, not only equal text (Yjs testHelper). */
export function expectSameDoc(a: Y.Doc, b: Y.Doc, what: string): void {
  expect(Y.encodeStateVector(a), `${what}: state vector`).toEqual(Y.encodeStateVector(b))
  expect(Y.encodeStateAsUpdate(a), `${what}: encoded state`).toEqual(Y.encodeStateAsUpdate(b))
}

/** True once both replicas of `docId` hold the same state vector. */
export function sameStateVector(a: VaultTestClient, b: VaultTestClient, docId: string): boolean {
  const left = Y.encodeStateVector(a.doc(docId))
  const right = Y.encodeStateVector(b.doc(docId))
  return left.length === right.length && left.every((byte, i) => byte === right[i])
}
