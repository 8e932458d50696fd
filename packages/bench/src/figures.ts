// Every number in the results carries its unit and how it was measured; absent figures carry a reason.
export interface Figure {
  readonly value: number
  readonly unit: string
  readonly method: string
}

export interface NotApplicable {
  readonly value: 'n/a'
  readonly reason: string
}

export function figure(value: number, unit: string, method: string): Figure {
  return { value: round(value), unit, method }
}

export function notApplicable(reason: string): NotApplicable {
  return { value: 'n/a', reason }
}

/** Three significant decimals are more than these measurements can support. */
function round(value: number): number {
  return Number.isInteger(value) ? value : Math.round(value * 1000) / 1000
}
