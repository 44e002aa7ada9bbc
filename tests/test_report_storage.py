"""The report's storage rows find a field's columns or attributes through the catalog (`Member.field`), never by
name: a value object flattened into columns on PostgreSQL, one map attribute of the single table on DynamoDB."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemac.build import build, options_for
from schemac.report import build_report

COMMERCE = Path(__file__).resolve().parent.parent / "examples" / "commerce.sdl"


@pytest.mark.parametrize(("target", "address", "labels"), [
    ("postgres", "6 columns shipping_address_* in customers", "one column products.labels (VARCHAR(40)[])"),
    ("mysql", "6 columns shipping_address_* in customers", "one column products.labels (JSON)"),
    ("dynamodb", "one attribute commerce.shipping_address (M)", "one attribute commerce.labels (L)"),
])
def test_storage_rows_name_what_the_target_stores(target: str, address: str, labels: str) -> None:
    result = build(COMMERCE, target, options_for(target))
    assert result.ok
    rows = {r.subject: r.storage for r in build_report(result).decisions.storage}
    assert rows["Customer.shipping_address"] == address
    assert rows["Product.labels"] == labels
