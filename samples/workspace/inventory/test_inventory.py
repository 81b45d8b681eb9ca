"""Tests of inventory.py: run with `python -m pytest inventory`."""

from datetime import date

import pytest

from inventory import Inventory, Item


def make_inventory() -> Inventory:
    inventory = Inventory()
    inventory.add(Item("TEA-01", "Green tea", 4.5, quantity=12))
    inventory.add(Item("MUG-02", "Blue mug", 9.0, quantity=3))
    return inventory


def test_restock_adds_units_and_records_the_day():
    inventory = make_inventory()
    item = inventory.restock("MUG-02", 10, on=date(2024, 5, 1))
    assert item.quantity == 13
    assert item.last_restocked == date(2024, 5, 1)


def test_selling_more_than_the_stock_is_refused():
    inventory = make_inventory()
    with pytest.raises(ValueError):
        inventory.sell("MUG-02", 4)


def test_low_stock_lists_items_at_or_below_their_reorder_level():
    inventory = make_inventory()
    assert [item.sku for item in inventory.low_stock()] == ["MUG-02"]
