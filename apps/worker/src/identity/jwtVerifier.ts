// The built-in foreign-identity verifier: a JWT signed by the Grove app's identity service, carrying
// the vault and role it grants. HS256 with a shared secret (AMBER_JWT_SECRET) or any algorithm jose
// supports through the app's public JWKS (AMBER_JWT_JWKS_URL). `iss` must be AMBER_JWT_ISSUER and `aud`
// must be "amber-sync"; `sub`, `vault`, `role` and `exp` are required.

import { AMBER_JWT_AUDIENCE, VaultRole } from '@amber/protocol'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import type { Env } from '../Env.ts'
import type { ForeignGrant, IdentityVerifier } from './IdentityVerifier.ts'

const ROLES = new Set<string>(Object.values(VaultRole))
/** A JWT is three base64url parts; anything else is not ours to judge. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

export function jwtVerifierFromEnv(env: Env): IdentityVerifier | undefined {
  const issuer = env.AMBER_JWT_ISSUER?.trim()
  if (!issuer) return undefined
  if (env.AMBER_JWT_SECRET) return createJwtVerifier({ issuer, key: new TextEncoder().encode(env.AMBER_JWT_SECRET), algorithms: ['HS256'] })
  if (env.AMBER_JWT_JWKS_URL) return createJwtVerifier({ issuer, key: createRemoteJWKSet(new URL(env.AMBER_JWT_JWKS_URL)) })
  return undefined
}

export function createJwtVerifier(options: { issuer: string; key: Uint8Array | JWTVerifyGetKey; algorithms?: string[] }): IdentityVerifier {
  return {
    name: 'jwt',
    async verify(credential: string): Promise<ForeignGrant | undefined> {
      if (!JWT_SHAPE.test(credential)) return undefined
      try {
        const verifyOptions = { issuer: options.issuer, audience: AMBER_JWT_AUDIENCE, requiredClaims: ['sub', 'exp'], algorithms: options.algorithms }
        const { payload } =
          options.key instanceof Uint8Array
            ? await jwtVerify(credential, options.key, verifyOptions)
            : await jwtVerify(credential, options.key, verifyOptions)
        const { sub, vault, role, exp } = payload
        if (typeof sub !== 'string' || typeof vault !== 'string' || typeof role !== 'string' || !ROLES.has(role) || typeof exp !== 'number') {
          return undefined
        }
        return { subject: sub, vaultId: vault, role: role as VaultRole, expiresAt: exp * 1000 }
      } catch {
        // Bad signature, expired, wrong issuer or audience: not a credential we accept.
        return undefined
      }
    },
  }
}
