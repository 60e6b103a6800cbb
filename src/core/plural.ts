/**
 * Counts in messages: "1 region", "2 regions", "0 images" — never "1 regions" nor "region(s)".
 */

/** The noun for `n` things: `plural(1, 'region')` is "region", `plural(2, 'region')` is "regions". */
export function plural(n: number, noun: string, pluralForm = `${noun}s`): string {
  return n === 1 ? noun : pluralForm;
}

/** The count and its noun: `count(1, 'region')` is "1 region", `count(3, 'crop')` is "3 crops". */
export function count(n: number, noun: string, pluralForm?: string): string {
  return `${n} ${plural(n, noun, pluralForm)}`;
}
