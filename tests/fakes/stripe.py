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
        return 200, {"object": "list", "data": found[:1], "has_more": False, "url": "/v1/customers"}

    def _create_customer(self, params: dict) -> tuple[int, dict]:
        customer = fixture("customer") | {"id": self.new_id("cus"), "email": params["email"]}
        return 200, self._store(customer)

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
        return session

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
