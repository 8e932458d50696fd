// Helpers for SDK tests against the in-process FakeVaultServer: a seeded connect, and waiting on
// events instead of sleeping.

import { connectVault } from '../../src/index.ts'
import type { ConnectVaultOptions, LocalStore, Vault, VaultStatus } from '../../src/index.ts'
import type { FakeVaultServer } from './FakeVaultServer.ts'

/** A seeded PRNG (mulberry32) for backoff jitter. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function connectFake(
  server: FakeVaultServer,
  store: LocalStore,
  extra: Partial<ConnectVaultOptions> = {},
): Promise<Vault> {
  return connectVault({
    url: 'http://fake.test',
    vaultId: 'v1',
    credential: 'amber_test_token',
    store,
    connectSocket: (request) => server.connect(request.headers),
    reconnect: { minDelayMs: 1, maxDelayMs: 20 },
    random: seeded(1),
    ...extra,
  })
}

/** Resolves when the vault reaches `status` (at once when it is there). */
export function untilStatus(vault: Vault, status: VaultStatus): Promise<void> {
  if (vault.status === status) return Promise.resolve()
  return new Promise((resolve) => {
    const off = vault.on('status', (next) => {
      if (next !== status) return
      off()
      resolve()
    })
  })
}
