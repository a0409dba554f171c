"""Preview, offered by the catalogue for errors a setting or a mapping heals: what stops an
order, then the exact receipt a sync would post once the product is mapped, then nothing to
do once it is in QuickBooks; the sandbox QBO's request log shows that no preview wrote there."""

from __future__ import annotations

import pytest

from tests.e2e.books import Books, order
from tests.e2e.live import Json, LiveShop
from tests.guide.steps import failing, fix, qbo_calls_since, qbo_log_mark, synced, writes

pytestmark = pytest.mark.e2e


def preview(shop: LiveShop, number: int) -> Json:
    return fix(shop, "product_not_mapped", "preview_order", id=str(number))


def item_refs(document: Json) -> list[str]:
    return [
        ln["SalesItemLineDetail"]["ItemRef"]["value"]
        for ln in document["Line"]
        if "SalesItemLineDetail" in ln
    ]


def amounts(document: Json) -> list[float]:
    return [float(ln["Amount"]) for ln in document["Line"] if "SalesItemLineDetail" in ln]


def test_preview_shows_what_stops_an_order_then_the_receipt_and_writes_nothing(
    shop: LiveShop, books: Books
) -> None:
    shop.send_order(order(6001, ("SOCKS",)))  # paid: fails on the product
    shop.send_order({**order(6002, ("SOCKS", "TEE")), "financial_status": "pending"})  # on hold
    failing(shop, 6001, "product_not_mapped")
    shop.wait_for_records([6002], lambda r: r["status"] == "on_hold")

    mark = qbo_log_mark(shop.stack)
    blocked, held = preview(shop, 6001), preview(shop, 6002)
    assert (blocked["action"], blocked["document"]) == ("blocked", None)
    assert [e["code"] for e in blocked["errors"]] == ["product_not_mapped"]
    assert "SOCKS" in blocked["errors"][0]["message"]
    assert [e["code"] for e in held["errors"]] == ["on_hold", "product_not_mapped"]
    assert writes(qbo_calls_since(shop, mark)) == []

    socks = books.item("Merino Socks", sku="SOCKS")
    mapped = fix(shop, "product_not_mapped", "auto_map_products")
    assert mapped["mapped"] == 1
    synced(shop, 6001)  # healed by the mapping

    mark = qbo_log_mark(shop.stack)
    ready = preview(shop, 6002)  # still on hold: only a manual sync posts it
    assert [e["code"] for e in ready["errors"]] == ["on_hold"]
    assert ready["manual_sync"]["posts"] is True and ready["creates"] == []
    document = ready["document"]["payload"]
    assert (ready["document"]["entity"], document["DocNumber"]) == ("SalesReceipt", "SH6002")
    assert item_refs(document) == [socks, books.tee]
    done = preview(shop, 6001)
    assert (done["action"], done["document"], done["qbo_doc_number"]) == (
        "nothing",
        None,
        "SH6001",
    )
    assert writes(qbo_calls_since(shop, mark)) == []
    assert "SH6002" not in shop.receipts()

    mark = qbo_log_mark(shop.stack)
    fix(shop, "on_hold", "sync_orders", id="6002")
    posted = synced(shop, 6002)[6002]
    assert [c["path"].rsplit("/", 1)[1] for c in writes(qbo_calls_since(shop, mark))] == [
        "salesreceipt"
    ]  # the sync's one write: the receipt the preview showed
    receipt = shop.receipts()["SH6002"]
    assert item_refs(receipt) == item_refs(document)
    for ref in ("CustomerRef", "DepositToAccountRef", "PaymentMethodRef"):
        assert receipt[ref]["value"] == document[ref]["value"], ref
    for name in ("DocNumber", "TxnDate"):
        assert receipt[name] == document[name], name
    assert amounts(receipt) == amounts(document) == [10.0, 10.0]
    assert posted["qbo_document"]["doc_number"] == "SH6002"
    assert preview(shop, 6002)["action"] == "nothing"
