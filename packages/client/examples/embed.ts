// Embedding the Amber Sync SDK in a Node app: open a vault kept offline in SQLite, show sync status and
// catch-up progress, watch the tree, edit a note with presence, rename it, and wait until the server
// has durably stored every edit. docs/sdk.md shows this file verbatim; a test runs it.

import WebSocket from 'ws'
import { connectVault } from '@amber/client'
import type { TreeEntry } from '@amber/client'
import { SqliteStore } from '@amber/client/store/sqlite'

export interface ExampleOptions {
  /** The server, e.g. https://sync.example.com (or http://127.0.0.1:8787 for `npm run dev`). */
  readonly url: string
  readonly vaultId: string
  /** A vault token: `POST /api/v1/vaults` with the admin token answers `{ vaultId, token }`. */
  readonly token: string
  /** The SQLite file that keeps this vault on this device. */
  readonly file: string
}

export async function runExample({ url, vaultId, token, file }: ExampleOptions): Promise<string[]> {
  const log: string[] = []
  const store = new SqliteStore(file)
  const vault = await connectVault({
    url,
    vaultId,
    credential: token,
    store,
    WebSocket,
    deviceName: 'example',
  })

  vault.on('status', (status) => log.push(`status: ${status}`))
  vault.on('progress', ({ docsDone, docsTotal }) => log.push(`catch-up: ${docsDone}/${docsTotal}`))
  vault.on('error', (error) => log.push(`error: ${error.code} ${error.path ?? ''}`))
  vault.on('fatal', (error) => log.push(`stopped: ${error.code}`))
  vault.on('lineageChanged', ({ rescued }) =>
    log.push(`vault replaced on the server; ${rescued.length} notes rescued`),
  )

  // Everything stored locally is usable right away; the first catch-up brings the rest.
  await vault.whenLoaded()
  const stopWatching = vault.tree.watch((entries: TreeEntry[]) =>
    log.push(`tree: ${entries.map((entry) => entry.path).join(', ')}`),
  )

  const note = await vault.open('Journal/Today.md', { create: true })
  note.awareness.setLocalStateField('user', { name: 'Example app' })
  note.text.insert(note.text.length, 'Written through the SDK.\n')
  vault.tree.rename('Journal/Today.md', 'Journal/2026-11-28.md')
  log.push(`unsynced edits: ${note.hasLocalChanges}`)

  // Resolves only once the server has durably stored every edit made so far.
  await vault.whenSynced()
  log.push(`synced: ${note.path} = ${JSON.stringify(note.text.toString())}`)

  stopWatching()
  note.close()
  await vault.close()
  await store.close()
  return log
}
