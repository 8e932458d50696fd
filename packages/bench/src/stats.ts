// Summary statistics for latency samples: nearest-rank percentiles, mean, median.
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('no samples')
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] as number
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50)
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error('no samples')
  return samples.reduce((sum, x) => sum + x, 0) / samples.length
}
