/**
 * Wraps `run` so that calls at any rate start it at most once per `intervalMs` and never twice at once:
 * the first call runs at once, calls after it fold into one later run, which sees what is current then.
 * For reports where only the latest figure matters (usage to D1 after every binary commit). A failed
 * run goes to `onError`; the next call runs as usual.
 */
export function coalesce(
  run: () => Promise<void>,
  options: { intervalMs: number; onError: (error: unknown) => void },
): () => void {
  const { intervalMs, onError } = options
  let lastStartedAt = -Infinity
  let running = false
  let wanted = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const startIfDue = (): void => {
    if (!wanted || running || timer !== undefined) return
    const wait = lastStartedAt + intervalMs - Date.now()
    if (wait > 0) {
      timer = setTimeout(() => {
        timer = undefined
        startIfDue()
      }, wait)
      return
    }
    wanted = false
    running = true
    lastStartedAt = Date.now()
    void run()
      .catch(onError)
      .finally(() => {
        running = false
        startIfDue()
      })
  }
  return () => {
    wanted = true
    startIfDue()
  }
}
