export { DEFAULT_CHUNKING, chunkLengths, chunkStream, cutPoint, validateParams } from './fastcdc.ts'
export type { ChunkingParams } from './fastcdc.ts'
export { HEX_SHA256, createSha256, fromHex, isSha256Hex, sha256Hex, sha256HexWith, toHex } from './hash.ts'
export type { Sha256, Sha256Factory } from './hash.ts'
export {
  DEFAULT_MANIFEST_LIMITS,
  MANIFEST_FORMAT,
  ManifestError,
  chunkOffsets,
  decodeManifest,
  distinctChunks,
  encodeManifest,
  versionIdOf,
} from './manifest.ts'
export type { ChunkRef, Manifest, ManifestLimits } from './manifest.ts'
export {
  PACK_MAGIC,
  PACK_MAX_BYTES,
  PACK_TARGET_BYTES,
  PackFormatError,
  encodePack,
  encodePackHeader,
  isValidChunkHash,
  packHeaderBytes,
  readPackHeader,
  readPackStream,
} from './pack.ts'
export type { PackEntry, PackHeader } from './pack.ts'
export { compareConcurrent, decideHead } from './heads.ts'
export type { HeadDecision, HeadRecord, VersionSummary } from './heads.ts'
export { BlobErrorCode, BlobPaths, MAX_COMMITS_PER_REQUEST, MAX_FETCH_BYTES, MAX_HASHES_PER_REQUEST } from './api.ts'
export type { BlobErrorBody, CommitAnswer, CommitResult, CommitsAnswer, CommitsRequest, MissingAnswer, MissingRequest, PackAnswer, VersionInfo, VersionsAnswer } from './api.ts'
export { MANIFEST_PATCH_FORMAT, applyManifestPatch, decodeManifestPatch, diffManifests, encodeManifestPatch, isManifestPatch } from './manifestPatch.ts'
export type { ManifestPatch } from './manifestPatch.ts'
