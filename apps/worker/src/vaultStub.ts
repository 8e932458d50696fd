// The vault's Durable Object, for RPC from a route that has already authorized the caller for it.

import type { Env } from './Env.ts'
import type { VaultDO } from './VaultDO.ts'

export function vaultStub(env: Env, vaultId: string): DurableObjectStub<VaultDO> {
  return env.VAULT.get(env.VAULT.idFromName(vaultId))
}
