// A Node device in its own process, with its vault in a SQLite file, for the kill-and-restart test.
// Usage: tsx sqliteDevice.ts <edit|resume> <file> <origin> <vaultId> <token>
//   edit:   syncs "base ", then makes three more edits in separate turns, commits them to SQLite,
//           prints STORED and waits to be killed (their acks are still on their way).
//   resume: reopens the same file, waits until everything is durably acknowledged, prints the note's
//           text and state vector as JSON, exits.

import WebSocket from 'ws'
import * as Y from 'yjs'
import { connectVault } from '../../../src/index.ts'
import { SqliteStore } from '../../../src/store/SqliteStore.ts'

const [mode, file, origin, vaultId, token] = process.argv.slice(2) as [string, string, string, string, string]
const store = new SqliteStore(file)
const vault = await connectVault({
  url: origin,
  vaultId,
  credential: token,
  store,
  WebSocket,
  reconnect: { minDelayMs: 50, maxDelayMs: 500 },
})
vault.on('fatal', (error) => {
  console.error(`fatal: ${error.code}`)
  process.exit(2)
})

if (mode === 'edit') {
  await vault.whenLoaded()
  const note = await vault.open('Crash.md', { create: true })
  note.text.insert(0, 'base ')
  await vault.whenSynced()
  for (const word of ['one ', 'two ', 'three ']) {
    note.text.insert(note.text.length, word)
    await new Promise((resolve) => setImmediate(resolve))
  }
  await vault.flush()
  console.log('STORED')
  // Killed here, mid-sync.
  await new Promise(() => undefined)
} else {
  await vault.whenSynced()
  const note = await vault.open('Crash.md')
  console.log(JSON.stringify({ text: note.text.toString(), stateVector: [...Y.encodeStateVector(note.doc)] }))
  await vault.close()
  await store.close()
  process.exit(0)
}
