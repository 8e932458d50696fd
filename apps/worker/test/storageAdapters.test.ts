// The shared StorageAdapter contract against the real backends inside workerd: DO SQLite (through
// runInDurableObject, since its storage only works inside the object) and local R2.

import type { StorageAdapter } from '@amber/core'
import { describeStorageContract } from '@amber/core/storage-contract'
import { env, runInDurableObject } from 'cloudflare:test'
import { DoSqliteStorageAdapter } from '../src/storage/DoSqliteStorageAdapter.ts'
import { R2StorageAdapter } from '../src/storage/R2StorageAdapter.ts'

/** Runs every call inside a fresh VaultDO instance: each contract case gets its own SQLite database. */
function doSqliteAdapter(): StorageAdapter {
  const stub = env.VAULT.get(env.VAULT.idFromName(`contract-${crypto.randomUUID()}`))
  const inDo = <T>(fn: (adapter: DoSqliteStorageAdapter) => Promise<T>): Promise<T> =>
    runInDurableObject(stub, (_instance, state) => fn(new DoSqliteStorageAdapter(state.storage)))
  return {
    load: (key) => inDo((a) => a.load(key)),
    loadRange: (prefix) => inDo((a) => a.loadRange(prefix)),
    listKeys: (prefix) => inDo((a) => a.listKeys(prefix)),
    commit: (batch) => inDo((a) => a.commit(batch)),
  }
}

describeStorageContract('DoSqliteStorageAdapter', async () => ({ adapter: doSqliteAdapter() }))

describeStorageContract('R2StorageAdapter', async () => {
  // A fresh vault prefix per case, next to a decoy object the adapter must never see.
  const vaultId = `contract-${crypto.randomUUID()}`
  await env.BLOBS.put(`vaults/${vaultId}x/decoy`, 'outside the prefix')
  const adapter = R2StorageAdapter.forVault(env.BLOBS, vaultId)
  return {
    adapter,
    cleanup: async () => {
      const keys = await adapter.listKeys('')
      await adapter.commit({ remove: keys })
      await env.BLOBS.delete(`vaults/${vaultId}x/decoy`)
    },
  }
})
