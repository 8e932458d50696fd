// The identity verifiers this Worker consults for credentials that are not Amber tokens. To plug in
// another identity system, implement IdentityVerifier and add its factory here (see docs/security.md).

import type { Env } from '../Env.ts'
import type { IdentityVerifier, IdentityVerifierFactory } from './IdentityVerifier.ts'
import { jwtVerifierFromEnv } from './jwtVerifier.ts'

const FACTORIES: readonly IdentityVerifierFactory[] = [jwtVerifierFromEnv]

export function identityVerifiers(env: Env): IdentityVerifier[] {
  return FACTORIES.map((factory) => factory(env)).filter((verifier) => verifier !== undefined)
}
