// The Worker's half of `POST packs` (and of PUT files): verify every chunk of a pack against its name,
// then reserve a pack id in the vault's DO, write the object to R2 and register its chunks.

import { BlobErrorCode, PACK_MAX_BYTES, PackFormatError, packHeaderBytes, readPackHeader, sha256Hex } from '@amber/blobs'
import type { PackAnswer, PackEntry, PackHeader } from '@amber/blobs'
import { ApiError, ApiErrorCode } from '../ApiError.ts'
import type { Env } from '../Env.ts'
import { vaultStub } from '../vaultStub.ts'
import { blobKeys } from './blobKeys.ts'

/** More entries than this cannot fit in PACK_MAX_BYTES (each costs its header entry and at least one byte). */
const MAX_PACK_ENTRIES = Math.floor(PACK_MAX_BYTES / (packHeaderBytes(1) - packHeaderBytes(0) + 1))

/** The pack's header once every chunk matched its hash; 400 for a malformed pack, 422 naming the first bad chunk. */
export async function verifyPack(pack: Uint8Array): Promise<PackHeader> {
  const header = readHeader(pack)
  for (const { hash, offset, length } of header.entries) {
    if ((await sha256Hex(pack.subarray(offset, offset + length))) !== hash) {
      throw new ApiError(422, BlobErrorCode.ChunkHashMismatch, `chunk ${hash} does not match its bytes; nothing was stored`, { hash })
    }
  }
  return header
}

function readHeader(pack: Uint8Array): PackHeader {
  let header: PackHeader | undefined
  try {
    header = readPackHeader(pack, MAX_PACK_ENTRIES)
  } catch (error) {
    if (error instanceof PackFormatError) throw badPack(error.message)
    throw error
  }
  if (header === undefined) throw badPack('the body ends inside the pack header')
  if (header.entries.length === 0) throw badPack('a pack holds at least one chunk')
  if (header.totalBytes !== pack.length) throw badPack(`the header lists ${header.totalBytes} bytes, the body has ${pack.length}`)
  return header
}

function badPack(message: string): ApiError {
  return new ApiError(400, BlobErrorCode.BadPack, message)
}

/** Stores a verified pack: reserved first, so GC finds the object if this Worker dies before registering it. */
export async function storePack(env: Env, vaultId: string, pack: Uint8Array, entries: readonly PackEntry[]): Promise<PackAnswer> {
  const vault = vaultStub(env, vaultId)
  const packId = await vault.reservePack(vaultId, pack.length)
  const key = blobKeys.pack(vaultId, packId)
  await env.BLOBS.put(key, pack)
  const registered = await vault.registerPack(vaultId, packId, entries.map(({ hash, offset, length }) => ({ hash, offset, length })))
  if (registered === undefined) {
    // The reservation outlived the GC grace; its object is unknown to the index and would never be read.
    await env.BLOBS.delete(key)
    throw new ApiError(503, ApiErrorCode.Internal, 'the upload took longer than the GC grace; send the pack again')
  }
  return { packId, ...registered }
}
