// @amber/client/node: binary transfers straight from and to disk (Node only; the main entry stays free
// of `node:` modules for browsers and Workers).

export { uploadFile, uploadFiles } from './uploadFiles.ts'
export type { FileToUpload } from './uploadFiles.ts'
export { downloadFile, partialPathOf } from './downloadFile.ts'
export type { DownloadResult } from './downloadFile.ts'
