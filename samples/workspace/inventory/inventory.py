"""Stock keeping for a small shop: items, restocking and low-stock reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Item:
    """One product on the shelf."""

    sku: str
    name: str
    unit_price: float
    quantity: int = 0
    reorder_level: int = 5
    last_restocked: date | None = None

    def needs_reorder(self) -> bool:
        """True when the stock has fallen to the reorder level or below."""
        return self.quantity <= self.reorder_level


@dataclass
class Inventory:
    """All items, by SKU."""

    items: dict[str, Item] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        """Adds a new item; refuses a SKU that is already stocked."""
        if item.sku in self.items:
            raise ValueError(f"SKU {item.sku} is already in the inventory")
        self.items[item.sku] = item

    def restock(self, sku: str, quantity: int, on: date | None = None) -> Item:
        """Adds `quantity` units of `sku` and records the day."""
        if quantity <= 0:
            raise ValueError(f"restock quantity must be positive, got {quantity}")
        item = self.items[sku]
        item.quantity += quantity
        item.last_restocked = on or date.today()
        return item

    def sell(self, sku: str, quantity: int = 1) -> float:
        """Removes sold units and returns the price of the sale."""
        item = self.items[sku]
        if quantity > item.quantity:
            raise ValueError(f"only {item.quantity} of {item.name} left, cannot sell {quantity}")
        item.quantity -= quantity
        return round(item.unit_price * quantity, 2)

    def low_stock(self) -> list[Item]:
        """Items that need reordering, the emptiest first."""
        return sorted((item for item in self.items.values() if item.needs_reorder()), key=lambda item: item.quantity)

