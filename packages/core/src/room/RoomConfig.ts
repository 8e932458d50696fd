// Every limit and threshold of a vault room, with defaults; hosts override from their environment.

export interface RoomConfig {
  /** Group-commit window: updates arriving within it share one storage commit. */
  readonly batchWindowMs: number
  /** Largest update accepted from a client, in bytes. */
  readonly maxUpdateBytes: number
  /** Most structs (items, GC runs, skips) one update may carry. */
  readonly maxUpdateStructs: number
  /** Largest frame accepted from a client, in bytes; a larger one is answered `FRAME_TOO_LARGE`. */
  readonly maxFrameBytes: number
  /** Most bytes one document may keep stored (snapshot plus log tail); an update past it is `DOC_TOO_LARGE`. */
  readonly maxDocBytes: number
  /** Most bytes the whole vault may keep stored, across documents; an update past it is `QUOTA_EXCEEDED`. */
  readonly quotaBytes: number
  /** Frames per second one socket may send on average (token bucket refill rate). */
  readonly messageRatePerSecond: number
  /** Frames one socket may send at once before the rate applies (token bucket size). */
  readonly messageBurst: number
  /** Hot log bytes of one document that trigger a flush of its entries to a cold segment. */
  readonly flushBytes: number
  /** Hot log entries of one document that trigger a flush. */
  readonly flushEntries: number
  /** Age of the oldest hot entry of a document after which it is flushed anyway. */
  readonly flushAfterMs: number
  /** Cold segments of one document that trigger compaction into a snapshot. */
  readonly compactSegments: number
  /**
   * Cold segment bytes of one document that trigger compaction once they also exceed its snapshot's
   * size: stored bytes stay within about twice the state, and the tail a cold open replays stays short.
   */
  readonly compactBytes: number
  /** A loaded document unused this long is dropped from memory. */
  readonly unloadIdleMs: number
  /**
   * How long a note state served over plain HTTP stays usable as an If-Match base (up to 8 per note are
   * kept in hot storage); a write naming an older one gets 412.
   */
  readonly servedBaseTtlMs: number
}

export const DEFAULT_ROOM_CONFIG: RoomConfig = {
  batchWindowMs: 2,
  maxUpdateBytes: 8 * 1024 * 1024,
  maxUpdateStructs: 200_000,
  maxFrameBytes: 16 * 1024 * 1024,
  maxDocBytes: 16 * 1024 * 1024,
  quotaBytes: 1024 * 1024 * 1024,
  messageRatePerSecond: 200,
  messageBurst: 2_000,
  flushBytes: 256 * 1024,
  flushEntries: 1_000,
  flushAfterMs: 60_000,
  compactSegments: 4,
  compactBytes: 64 * 1024,
  unloadIdleMs: 120_000,
  servedBaseTtlMs: 24 * 60 * 60 * 1000,
}
