/** Formatting of prices and quantities for the shop's pages. */

/** Formats an amount in cents as a price, e.g. 1234 -> "€12.34". */
export function formatPrice(cents: number, currency = 'EUR', locale = 'en-IE'): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 100);
}

/** "1 item", "3 items". */
export function formatQuantity(count: number, noun = 'item'): string {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/** A discount as a label: 0.15 -> "15% off". */
export function formatDiscount(rate: number): string {
  if (rate <= 0 || rate >= 1) throw new RangeError(`a discount rate is between 0 and 1, got ${rate}`);
  return `${Math.round(rate * 100)}% off`;
}
