"""A fake Stripe API for offline tests, injected into ``StripeClient(http_client=…)``.

It answers from JSON fixtures shaped like Stripe's objects (``stripe_fixtures/``),
keeps the objects it made so later retrievals see their current state, replays
the first answer for a repeated idempotency key (as Stripe does), and records
every request so tests can assert what was sent. ``sign`` builds a webhook
``Stripe-Signature`` header exactly as Stripe does.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

FIXTURES = Path(__file__).parent / "stripe_fixtures"
DECLINING_CARD = "pm_card_chargeDeclined"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def decode_form(body: str) -> dict:
    """Stripe's bracket form encoding back into nested dicts and lists (values stay strings)."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(result)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header of ``payload``: ``t=…,v1=HMAC-SHA256(secret, "t.payload")``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Request:
    method: str
    path: str
    params: dict
    idempotency_key: str | None
    stripe_version: str | None


class FakeStripe(stripe.HTTPClient):
    """Answers the endpoints the Stripe backend uses; other paths get Stripe's 404."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Request] = []
        self.objects: dict[str, dict] = {}
        self._replies: dict[str, tuple[str, int, dict]] = {}
        self._ids = itertools.count(1)
        # (method, path) -> a (status, body) to answer once, e.g. an outage.
        self.fail_next: dict[tuple[str, str], tuple[int, dict]] = {}

    # --- what tests look at --------------------------------------------------------------------

    def sent(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    # --- HTTPClient ------------------------------------------------------------------------------

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        method = method.upper()
        params = decode_form(post_data.decode() if isinstance(post_data, bytes) else post_data or parts.query)
        key = (headers or {}).get("Idempotency-Key")
        self.requests.append(Request(method, parts.path, params, key, (headers or {}).get("Stripe-Version")))
        if key and key in self._replies:
            return self._replies[key]
        failure = self.fail_next.pop((method, parts.path), None)
        if failure is not None:
            status, body = failure
            return json.dumps(body), status, {"Request-Id": "req_fake", "stripe-should-retry": "false"}
        status, body = self._route(method, parts.path, params)
        reply = (json.dumps(body), status, {"Request-Id": f"req_fake_{len(self.requests)}"})
        if key and method == "POST":
            self._replies[key] = reply
        return reply

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError

    def close(self) -> None:
        pass

    # --- routes ----------------------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        routes = [
            ("GET", r"/v1/customers", self._list_customers),
            ("POST", r"/v1/customers", self._create_customer),
            ("POST", r"/v1/customers/(?P<id>[\w]+)", self._update_customer),
            ("POST", r"/v1/invoices", self._create_invoice),
            ("GET", r"/v1/invoices/(?P<id>[\w]+)", self._retrieve),
            ("POST", r"/v1/invoiceitems", self._create_invoice_item),
            ("POST", r"/v1/invoices/(?P<id>[\w]+)/finalize", self._finalize_invoice),
            ("POST", r"/v1/invoices/(?P<id>[\w]+)/send", self._send_invoice),
            ("POST", r"/v1/invoices/(?P<id>[\w]+)/pay", self._pay_invoice),
            ("POST", r"/v1/invoices/(?P<id>[\w]+)/void", self._void_invoice),
            ("POST", r"/v1/checkout/sessions", self._create_checkout),
            ("GET", r"/v1/checkout/sessions/(?P<id>[\w]+)", self._retrieve),
            ("POST", r"/v1/payment_intents", self._create_payment_intent),
            ("GET", r"/v1/payment_intents/(?P<id>[\w]+)", self._retrieve),
            ("POST", r"/v1/refunds", self._create_refund),
        ]
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if route_method == method and match:
                return handler(params, **match.groupdict())
        return 404, self._missing(path)

    @staticmethod
    def _missing(what: str) -> dict:
        return {"error": {"type": "invalid_request_error", "code": "resource_missing", "message": f"No such {what}"}}

    def _store(self, obj: dict) -> dict:
        self.objects[obj["id"]] = obj
        return obj

    def _expanded(self, obj: dict, expand: list[str]) -> dict:
        obj = copy.deepcopy(obj)
        for field in expand:
            value = obj.get(field)
            if isinstance(value, str) and value in self.objects:
                obj[field] = copy.deepcopy(self.objects[value])
        return obj

    def _retrieve(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        if id not in self.objects:
            return 404, self._missing(id)
        return 200, self._expanded(self.objects[id], params.get("expand", []))

    def _list_customers(self, params: dict) -> tuple[int, dict]:
        found = [o for o in self.objects.values() if o["object"] == "customer" and o["email"] == params.get("email")]
        limit = int(params.get("limit", 10))
        return 200, {"object": "list", "data": found[:limit], "has_more": len(found) > limit, "url": "/v1/customers"}

    def _create_customer(self, params: dict) -> tuple[int, dict]:
        customer = fixture("customer") | {"id": self.new_id("cus"), "email": params["email"]}
        customer.update(self._customer_details(params))
        if params.get("tax_id_data"):
            customer["tax_ids"] = {
                "object": "list",
                "data": [{"object": "tax_id", "type": t["type"], "value": t["value"]} for t in params["tax_id_data"]],
            }
        return 200, self._store(customer)

    @staticmethod
    def _customer_details(params: dict) -> dict:
        details = {key: params[key] for key in ("name", "preferred_locales") if key in params}
        if "address" in params:
            details["address"] = {"line2": None, "state": None, "country": None} | params["address"]
        return details

    def _update_customer(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        customer = self.objects.get(id)
        if customer is None:
            return 404, self._missing(id)
        customer.update(self._customer_details(params))
        return 200, customer

    # --- invoices --------------------------------------------------------------------------------

    def _create_invoice(self, params: dict) -> tuple[int, dict]:
        customer = self.objects.get(params.get("customer", ""))
        if customer is None:
            return 404, self._missing(params.get("customer", "customer"))
        invoice_id = self.new_id("in")
        invoice = fixture("invoice")
        invoice.update(
            id=invoice_id,
            customer=customer["id"],
            customer_email=customer["email"],
            customer_name=customer.get("name"),
            customer_address=customer.get("address"),
            currency=params.get("currency", "eur"),
            collection_method=params.get("collection_method", "charge_automatically"),
            auto_advance=params.get("auto_advance") == "true",
            custom_fields=params.get("custom_fields"),
            footer=params.get("footer"),
            metadata=params.get("metadata", {}),
            number=params.get("number"),
            created=int(time.time()),
        )
        invoice["lines"]["url"] = f"/v1/invoices/{invoice_id}/lines"
        if "days_until_due" in params:
            invoice["due_date"] = invoice["created"] + int(params["days_until_due"]) * 86400
        settings = params.get("payment_settings", {})
        invoice["payment_settings"] = {
            "default_mandate": None,
            "payment_method_options": settings.get("payment_method_options"),
            "payment_method_types": settings.get("payment_method_types"),
        }
        return 200, self._store(invoice)

    def _create_invoice_item(self, params: dict) -> tuple[int, dict]:
        invoice = self.objects.get(params.get("invoice", ""))
        if invoice is None:
            return 404, self._missing(params.get("invoice", "invoice"))
        if invoice["status"] != "draft":
            return 400, {"error": {"type": "invalid_request_error", "message": "Invoice is not a draft."}}
        quantity = int(params.get("quantity", 1))
        unit = Decimal(params["unit_amount_decimal"])
        amount = int(unit * quantity)
        item = fixture("invoiceitem") | {
            "id": self.new_id("ii"),
            "amount": amount,
            "net_amount": amount,
            "currency": params.get("currency", invoice["currency"]),
            "customer": params["customer"],
            "description": params.get("description"),
            "invoice": invoice["id"],
            "metadata": params.get("metadata", {}),
            "quantity": quantity,
            "quantity_decimal": str(quantity),
        }
        item["pricing"] = item["pricing"] | {"unit_amount_decimal": params["unit_amount_decimal"]}
        line = fixture("invoice_line_item") | {
            "id": self.new_id("il"),
            "amount": amount,
            "subtotal": amount,
            "description": item["description"],
            "invoice": invoice["id"],
            "quantity": quantity,
            "quantity_decimal": str(quantity),
            "pricing": item["pricing"],
        }
        line["parent"]["invoice_item_details"]["invoice_item"] = item["id"]
        lines = invoice["lines"]
        lines["data"].append(line)
        lines["total_count"] = len(lines["data"])
        total = sum(entry["amount"] for entry in lines["data"])
        invoice.update(
            subtotal=total,
            subtotal_excluding_tax=total,
            total=total,
            total_excluding_tax=total,
            amount_due=total,
            amount_remaining=total,
        )
        return 200, self._store(item)

    def _invoice_or_404(self, invoice_id: str) -> dict | None:
        invoice = self.objects.get(invoice_id)
        return invoice if invoice is not None and invoice["object"] == "invoice" else None

    def _finalize_invoice(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        invoice = self._invoice_or_404(id)
        if invoice is None:
            return 404, self._missing(id)
        if invoice["status"] == "draft":
            invoice.update(
                status="open",
                number=invoice["number"] or f"A1B2C3D4-{next(self._ids):04d}",
                auto_advance=params.get("auto_advance", "false") == "true",
                hosted_invoice_url=f"https://invoice.stripe.com/i/acct_test/{id}",
                invoice_pdf=f"https://pay.stripe.com/invoice/acct_test/{id}/pdf",
                effective_at=int(time.time()),
            )
            invoice["status_transitions"]["finalized_at"] = int(time.time())
        return 200, invoice

    def _send_invoice(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        invoice = self._invoice_or_404(id)
        if invoice is None:
            return 404, self._missing(id)
        if invoice["status"] != "open" or invoice["collection_method"] != "send_invoice":
            return 400, {"error": {"type": "invalid_request_error", "message": "Only open send_invoice invoices."}}
        return 200, invoice

    def _pay_invoice(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        invoice = self._invoice_or_404(id)
        if invoice is None:
            return 404, self._missing(id)
        if invoice["status"] == "paid":
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "invoice_already_paid",
                    "message": "Invoice is already paid",
                }
            }
        if invoice["status"] != "open":
            return 400, {
                "error": {"type": "invalid_request_error", "code": "invoice_not_open", "message": "Invoice is not open"}
            }
        self.pay_invoice(id, out_of_band=params.get("paid_out_of_band") == "true")
        return 200, invoice

    def _void_invoice(self, params: dict, id: str) -> tuple[int, dict]:  # noqa: A002
        invoice = self._invoice_or_404(id)
        if invoice is None:
            return 404, self._missing(id)
        if invoice["status"] not in ("open", "uncollectible"):
            return 400, {
                "error": {"type": "invalid_request_error", "code": "invoice_not_open", "message": "Invoice is not open"}
            }
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = int(time.time())
        return 200, invoice

    def _create_checkout(self, params: dict) -> tuple[int, dict]:
        session = fixture("checkout_session")
        session_id = self.new_id("cs")
        session.update(
            id=session_id,
            mode=params["mode"],
            currency=params.get("currency"),
            customer=params.get("customer"),
            metadata=params.get("metadata", {}),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            expires_at=int(params["expires_at"]),
            locale=params.get("locale"),
            invoice_creation=params.get("invoice_creation"),
            url=f"https://checkout.stripe.com/c/pay/{session_id}",
        )
        if params["mode"] == "setup":
            intent = fixture("setup_intent") | {
                "id": self.new_id("seti"),
                "customer": params.get("customer"),
                "metadata": params.get("setup_intent_data", {}).get("metadata", {}),
            }
            session["setup_intent"] = self._store(intent)["id"]
        else:
            line = params["line_items"][0]
            total = int(line["price_data"]["unit_amount"]) * int(line["quantity"])
            session.update(amount_subtotal=total, amount_total=total, payment_status="unpaid")
        return 200, self._store(session)

    def _create_payment_intent(self, params: dict) -> tuple[int, dict]:
        amount = int(params["amount"])
        intent = fixture("payment_intent") | {
            "id": self.new_id("pi"),
            "amount": amount,
            "currency": params["currency"],
            "customer": params.get("customer"),
            "payment_method": params.get("payment_method"),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
        }
        if params.get("payment_method") == DECLINING_CARD:
            error = fixture("card_declined")
            intent.update(
                status="requires_payment_method",
                last_payment_error=error["error"] | {"payment_method": {"id": DECLINING_CARD}},
            )
            error["error"]["payment_intent"] = self._store(intent)
            return 402, error
        charge = fixture("charge") | {
            "id": self.new_id("ch"),
            "amount": amount,
            "amount_captured": amount,
            "payment_intent": intent["id"],
            "customer": params.get("customer"),
            "payment_method": params.get("payment_method"),
        }
        intent.update(status="succeeded", amount_received=amount, latest_charge=self._store(charge)["id"])
        return 200, self._store(intent)

    def _create_refund(self, params: dict) -> tuple[int, dict]:
        intent = self.objects.get(params.get("payment_intent", ""))
        if intent is None:
            return 404, self._missing(params.get("payment_intent", "payment_intent"))
        charge = self.objects[intent["latest_charge"]]
        amount = int(params.get("amount", charge["amount"] - charge["amount_refunded"]))
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        refund = fixture("refund") | {
            "id": self.new_id("re"),
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "metadata": params.get("metadata", {}),
            "reason": params.get("reason"),
        }
        return 200, self._store(refund)

    # --- what happens on Stripe's side, outside our calls --------------------------------------

    def complete_setup(self, checkout_id: str, payment_method: str = "pm_card_visa") -> dict:
        """The person saved a card on the hosted page."""
        session = self.objects[checkout_id]
        intent = self.objects[session["setup_intent"]]
        intent.update(status="succeeded", payment_method=payment_method)
        session.update(status="complete")
        return session

    def complete_payment(self, checkout_id: str, payment_method: str = "pm_card_visa") -> dict:
        """The person paid on the hosted page (the card is saved: setup_future_usage)."""
        session = self.objects[checkout_id]
        status, intent = self._create_payment_intent(
            {
                "amount": str(session["amount_total"]),
                "currency": session["currency"],
                "customer": session["customer"],
                "payment_method": payment_method,
                "metadata": session["metadata"],
            }
        )
        assert status == 200
        session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
        if (session.get("invoice_creation") or {}).get("enabled"):
            session["invoice"] = self._checkout_invoice(session)["id"]
        return session

    def _checkout_invoice(self, session: dict) -> dict:
        """The paid invoice Checkout issues when ``invoice_creation`` is enabled."""
        data = session["invoice_creation"].get("invoice_data", {})
        invoice = fixture("invoice") | {
            "id": self.new_id("in"),
            "customer": session["customer"],
            "collection_method": "charge_automatically",
            "currency": session["currency"],
            "custom_fields": data.get("custom_fields"),
            "metadata": data.get("metadata", {}),
            "number": f"A1B2C3D4-{next(self._ids):04d}",
            "status": "paid",
            "amount_due": session["amount_total"],
            "amount_paid": session["amount_total"],
            "total": session["amount_total"],
            "subtotal": session["amount_total"],
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_test/receipt",
            "invoice_pdf": "https://pay.stripe.com/invoice/acct_test/receipt/pdf",
        }
        invoice["status_transitions"] = invoice["status_transitions"] | {"paid_at": int(time.time())}
        return self._store(invoice)

    def pay_invoice(self, invoice_id: str, *, out_of_band: bool = False) -> dict:
        """The customer's bank transfer reached their balance and paid the invoice."""
        invoice = self.objects[invoice_id]
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            amount_paid_off_stripe=invoice["amount_due"] if out_of_band else 0,
            attempted=True,
            attempt_count=invoice["attempt_count"] + 1,
        )
        invoice["status_transitions"]["paid_at"] = int(time.time())
        return invoice

    def mark_uncollectible(self, invoice_id: str) -> dict:
        """Finance staff gave up on the invoice in the Stripe dashboard."""
        invoice = self.objects[invoice_id]
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = int(time.time())
        return invoice

    def expire(self, checkout_id: str) -> dict:
        session = self.objects[checkout_id]
        session.update(status="expired", url=None)
        return session

    def event(self, event_type: str, obj: dict, *, secret: str, event_id: str | None = None) -> tuple[str, str]:
        """A webhook body carrying a snapshot of ``obj``, and its signature header."""
        event = fixture("event") | {
            "id": event_id or self.new_id("evt"),
            "type": event_type,
            "data": {"object": copy.deepcopy(obj)},
        }
        body = json.dumps(event)
        return body, sign(body, secret)


WEBHOOK_SECRET = "whsec_test_fake"


def install(monkeypatch, settings) -> tuple[FakeStripe, Any]:
    """Make ``get_backend("stripe")`` (and the default backend) a Stripe backend talking to a FakeStripe."""
    from enrolments.payments import base
    from enrolments.payments.stripe_api import StripeBackend

    fake = FakeStripe()
    backend = StripeBackend(api_key="sk_test_fake", webhook_secret=WEBHOOK_SECRET, http_client=fake)
    built = base._backend
    monkeypatch.setattr(base, "_backend", lambda name: backend if name == "stripe" else built(name))
    settings.PAYMENT_BACKEND = "stripe"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return fake, backend
