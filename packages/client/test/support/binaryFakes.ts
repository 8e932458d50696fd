// SDK devices against the in-process fakes of the socket and the binary HTTP API, with fast retries.

import type { Vault } from '../../src/index.ts'
import { MemoryStore } from '../../src/store/MemoryStore.ts'
import { FakeBlobServer } from './FakeBlobServer.ts'
import { FakeVaultServer } from './FakeVaultServer.ts'
import { connectFake } from './sdk.ts'
import type { TransferFaults } from './TransferFaults.ts'

export const FAST_RETRY = { attempts: 4, minDelayMs: 1, maxDelayMs: 5 }

export interface Fakes {
  readonly server: FakeVaultServer
  readonly blobs: FakeBlobServer
  /** Every device opened on them, for `closeDevices`. */
  readonly opened: Vault[]
}

export function createFakes(): Fakes {
  const server = new FakeVaultServer()
  return { server, blobs: new FakeBlobServer(server), opened: [] }
}

export interface DeviceOptions {
  readonly store?: MemoryStore
  /** Route HTTP through this wrapper (around `fakes.blobs.fetch`). */
  readonly faults?: TransferFaults
  readonly fetch?: typeof fetch
  readonly lazy?: boolean
  readonly offline?: boolean
}

/** A connected vault on the fakes, loaded (unless offline). */
export async function device(fakes: Fakes, options: DeviceOptions = {}): Promise<Vault> {
  const vault = await connectFake(fakes.server, options.store ?? new MemoryStore(), {
    fetch: options.fetch ?? options.faults?.fetch ?? fakes.blobs.fetch,
    transferRetry: FAST_RETRY,
    ...(options.lazy ? { lazy: true } : {}),
    ...(options.offline ? { offline: true } : {}),
  })
  fakes.opened.push(vault)
  if (!options.offline) await vault.whenLoaded()
  return vault
}

/** Resolves once `vault` knows a head for `path` (the heads document reached it). */
export function untilHead(fakes: Fakes, vault: Vault, path: string, version?: string): Promise<void> {
  return fakes.server.until(() => {
    const head = vault.head(path)
    return head !== undefined && (version === undefined || head.version === version)
  })
}

export async function closeDevices(fakes: Fakes): Promise<void> {
  await Promise.all(fakes.opened.splice(0).map((vault) => vault.close()))
}
