// Steps of the binary tests: seeded chunks, packs and manifests, calls to the chunk and files APIs, and
// looks into what the vault stores (its DO's blob index and its R2 objects).

import { encodeManifest, encodePack, sha256Hex } from '@amber/blobs'
import type { Manifest } from '@amber/blobs'
import { seededBytes } from '@amber/blobs/test-support'
import { createEntry } from '@amber/core'
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { TEST_ORIGIN, connectInWorkerd } from './connectInWorkerd.ts'
import type { TestVault } from './connectInWorkerd.ts'
import { VaultTestClient } from './VaultTestClient.ts'

export interface TestChunk {
  readonly hash: string
  readonly bytes: Uint8Array
}

export async function chunkOf(bytes: Uint8Array): Promise<TestChunk> {
  return { hash: await sha256Hex(bytes), bytes }
}

/** Seeded chunks of the given sizes; `seed` keeps them apart from other tests' chunks. */
export function seededChunks(seed: number, ...sizes: number[]): Promise<TestChunk[]> {
  return Promise.all(sizes.map((size, index) => chunkOf(seededBytes(size, seed * 1000 + index + 1))))
}

/** A call to `/api/v1/vaults/<id>/<path>` with the vault's owner token unless another is given. */
export function vaultFetch(vault: TestVault, path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const { token = vault.token, headers, ...rest } = init
  return SELF.fetch(`${TEST_ORIGIN}/api/v1/vaults/${vault.vaultId}/${path}`, { ...rest, headers: { Authorization: `Bearer ${token}`, ...headers } })
}

export function postJson(vault: TestVault, path: string, body: unknown, token?: string): Promise<Response> {
  return vaultFetch(vault, path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, ...(token === undefined ? {} : { token }) })
}

export function uploadPack(vault: TestVault, chunks: readonly TestChunk[]): Promise<Response> {
  return vaultFetch(vault, 'packs', { method: 'POST', body: encodePack(chunks) })
}

/** The manifest of a file made of `chunks`. */
export async function manifestOf(chunks: readonly TestChunk[], mtime: number, device = 'test-device'): Promise<{ manifest: Manifest; bytes: Uint8Array; version: string }> {
  const whole = new Uint8Array(chunks.reduce((sum, { bytes }) => sum + bytes.length, 0))
  let at = 0
  for (const { bytes } of chunks) {
    whole.set(bytes, at)
    at += bytes.length
  }
  const manifest: Manifest = { size: whole.length, sha256: await sha256Hex(whole), mtime, device, chunks: chunks.map(({ hash, bytes }) => [hash, bytes.length]) }
  const bytes = encodeManifest(manifest)
  return { manifest, bytes, version: await sha256Hex(bytes) }
}

export function commitVersion(vault: TestVault, fileId: string, manifest: Uint8Array, base?: string): Promise<Response> {
  return vaultFetch(vault, `binaries/${fileId}/versions${base === undefined ? '' : `?base=${base}`}`, { method: 'POST', body: manifest })
}

/** Creates binary entries in the vault's tree through a connected device, as the SDK would; returns their ids. */
export async function createBinaryEntries(vault: TestVault, ...paths: string[]): Promise<string[]> {
  const client = new VaultTestClient(`setup-${crypto.randomUUID()}`)
  const ws = await connectInWorkerd(client, vault)
  await client.whenCaughtUp()
  const ids = paths.map((path) => createEntry(client.tree, { path, kind: 'binary', now: Date.now() }))
  await client.whenAllAcked()
  ws.close(1000, 'done')
  return ids
}

export function vaultObject(vault: TestVault) {
  return env.VAULT.get(env.VAULT.idFromName(vault.vaultId))
}

/** Every row of one of the vault's blob tables. */
export function blobRows(vault: TestVault, table: 'blob_chunks' | 'blob_packs' | 'blob_versions' | 'blob_manifests_hot'): Promise<Record<string, SqlStorageValue>[]> {
  return runInDurableObject(vaultObject(vault), (_instance, state) => state.storage.sql.exec(`SELECT * FROM ${table} ORDER BY 1`).toArray())
}

/** R2 keys under the vault's `packs/`. */
export async function blobKeysIn(vault: TestVault, folder: 'packs'): Promise<string[]> {
  const listed = await env.BLOBS.list({ prefix: `vaults/${vault.vaultId}/${folder}/` })
  return listed.objects.map((object) => object.key)
}

/** Moves every blob timestamp `ms` into the past: as if the vault had been idle that long. */
export function ageBlobs(vault: TestVault, ms: number): Promise<void> {
  return runInDurableObject(vaultObject(vault), (_instance, state) => {
    state.storage.sql.exec('UPDATE blob_chunks SET touched_at = touched_at - ?', ms)
    state.storage.sql.exec('UPDATE blob_packs SET created_at = created_at - ?', ms)
  })
}

/** Moves hot manifests' storage time into the past, so the next alarm flushes them to R2. */
export function ageHotManifests(vault: TestVault, ms: number): Promise<void> {
  return runInDurableObject(vaultObject(vault), (_instance, state) => {
    state.storage.sql.exec('UPDATE blob_manifests_hot SET stored_at = stored_at - ?', ms)
  })
}

/** Runs the vault's alarm now (GC runs in it when due); false when none was set. */
export function runAlarm(vault: TestVault): Promise<boolean> {
  return runDurableObjectAlarm(vaultObject(vault))
}
