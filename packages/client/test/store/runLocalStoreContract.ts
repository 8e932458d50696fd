// Registers the LocalStore contract with vitest: one `it` per case, each on a fresh location.
// `SEED=n` replays the seeded cases with another seed.

import { describe, it } from 'vitest'
import { LOCAL_STORE_CONTRACT_SEED, localStoreContractCases, runContractCase } from './localStoreContract.ts'
import type { StoreLocationFactory } from './localStoreContract.ts'

export function contractSeed(): number {
  const seed = process.env.SEED
  return seed === undefined || seed === '' ? LOCAL_STORE_CONTRACT_SEED : Number(seed)
}

export function runLocalStoreContract(name: string, factory: StoreLocationFactory): void {
  const seed = contractSeed()
  describe(`LocalStore contract: ${name} (seed ${seed})`, () => {
    for (const contractCase of localStoreContractCases) {
      it(contractCase.name, () => runContractCase(contractCase, factory, seed))
    }
  })
}
