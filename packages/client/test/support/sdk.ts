// Helpers for SDK tests against the in-process FakeVaultServer: a seeded connect, and waiting on
// events instead of sleeping.

import * as prng from 'lib0/prng'
import { connectVault } from '../../src/index.ts'
import type { ConnectVaultOptions, LocalStore, Vault, VaultEvents, VaultStatus } from '../../src/index.ts'
import type { FakeVaultServer } from './FakeVaultServer.ts'

/** A seeded random source in [0, 1) (lib0's PRNG), for backoff jitter and seeded test runs. */
export function seeded(seed: number): () => number {
  const gen = prng.create(seed)
  return () => prng.real53(gen)
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

/** Resolves with the arguments of the vault's next `event`. */
export function nextEvent<E extends keyof VaultEvents>(vault: Vault, event: E): Promise<Parameters<VaultEvents[E]>[0]> {
  return new Promise((resolve) => {
    const off = vault.on(event, ((value: Parameters<VaultEvents[E]>[0]) => {
      off()
      resolve(value)
    }) as VaultEvents[E])
  })
}
