/** A shopping cart: lines of products, a discount code, and the total in cents. */
import { formatPrice, formatQuantity } from './format';

export interface Product {
  readonly sku: string;
  readonly name: string;
  /** Price of one unit, in cents. */
  readonly price: number;
}

export interface CartLine {
  readonly product: Product;
  quantity: number;
}

/** Discount codes and the share of the total they take off. */
const DISCOUNTS: Readonly<Record<string, number>> = { WELCOME10: 0.1, SPRING15: 0.15 };

export class Cart {
  private readonly lines = new Map<string, CartLine>();
  private discount = 0;

  /** Adds `quantity` units of `product`, merging with a line already in the cart. */
  add(product: Product, quantity = 1): void {
    if (!Number.isInteger(quantity) || quantity < 1) throw new RangeError(`quantity must be a positive integer, got ${quantity}`);
    const line = this.lines.get(product.sku);
    if (line) line.quantity += quantity;
    else this.lines.set(product.sku, { product, quantity });
  }

  /** Removes a product's line; returns whether there was one. */
  remove(sku: string): boolean {
    return this.lines.delete(sku);
  }

  /** Applies a discount code; unknown codes are refused. */
  applyCode(code: string): void {
    const rate = DISCOUNTS[code.trim().toUpperCase()];
    if (rate === undefined) throw new Error(`unknown discount code "${code}"`);
    this.discount = rate;
  }

  /** Number of units in the cart. */
  get count(): number {
    let count = 0;
    for (const line of this.lines.values()) count += line.quantity;
    return count;
  }

  /** Total in cents after the discount, rounded to the cent. */
  get total(): number {
    let subtotal = 0;
    for (const { product, quantity } of this.lines.values()) subtotal += product.price * quantity;
    return Math.round(subtotal * (1 - this.discount));
  }

  /** One line of text for the cart icon, e.g. "3 items, €27.00". */
  summary(): string {
    return `${formatQuantity(this.count)}, ${formatPrice(this.total)}`;
  }
}
