// The page of the Chromium end-to-end test: the SDK with the IndexedDB store, driven from the test
// through `globalThis.amberSdk` (bundled by test/browser/harness.ts).

import { sha256Hex } from '@amber/blobs'
import { connectVault } from '../../../src/index.ts'
import type { Vault } from '../../../src/index.ts'
import { IndexedDbStore } from '../../../src/store/IndexedDbStore.ts'

let vault: Vault | undefined
let store: IndexedDbStore | undefined

function current(): Vault {
  if (!vault) throw new Error('call open() first')
  return vault
}

const api = {
  /** Opens the vault from this page's IndexedDB; uses the browser's WebSocket, so tickets, never the token in a URL. */
  async open(options: { origin: string; vaultId: string; token: string }): Promise<void> {
    store = await IndexedDbStore.open(`amber-${options.vaultId}`)
    vault = await connectVault({
      url: options.origin,
      vaultId: options.vaultId,
      credential: options.token,
      store,
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    })
  },
  /** Appends to a note, creating it first when missing; returns without waiting for anything. */
  async append(path: string, text: string): Promise<void> {
    const note = await current().open(path, { create: current().tree.get(path) === undefined })
    note.text.insert(note.text.length, text)
  },
  async text(path: string): Promise<string | undefined> {
    if (!current().tree.get(path)) return undefined
    return (await current().open(path)).text.toString()
  },
  hasLocalChanges: (): boolean => current().hasLocalChanges,
  status: (): string => current().status,
  whenSynced: (): Promise<void> => current().whenSynced(),
  connect: (): void => current().connect(),
  /** Writes `size` bytes (byte i = (i * 31 + seed) & 255, through a Blob) as a binary; answers its version. */
  async writeBinary(path: string, size: number, seed: number): Promise<string> {
    const bytes = new Uint8Array(size).map((_, index) => (index * 31 + seed) & 255)
    return (await current().writeFile(path, new Blob([bytes]))).version
  },
  /** Reads a binary; answers its size and SHA-256 (hex). */
  async readBinary(path: string): Promise<{ size: number; sha256: string }> {
    const bytes = await current().readFile(path)
    return { size: bytes.length, sha256: await sha256Hex(bytes) }
  },
  head: (path: string): string | undefined => current().head(path)?.version,
  /** The version the IndexedDB binary cache holds for the file at `path`. */
  async cachedVersion(path: string): Promise<string | undefined> {
    const entry = current().tree.get(path)
    return entry && (await store?.getBinary(entry.id))?.version
  },
}

declare global {
  var amberSdk: typeof api
}
globalThis.amberSdk = api
