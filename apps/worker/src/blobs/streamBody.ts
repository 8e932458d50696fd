// A response body pulled from an async generator: nothing is read from R2 before the client asks for
// it, and a failure mid-stream (a chunk that fails verification) errors the stream — the client sees a
// truncated body and a network error, never wrong bytes presented as complete.

export function streamBody(source: AsyncGenerator<Uint8Array>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await source.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      } catch (error) {
        onError(error)
        controller.error(error)
      }
    },
    async cancel() {
      await source.return(undefined)
    },
  })
}
