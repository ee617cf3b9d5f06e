"""Schemathesis hooks of the contract checks: a generated request is sent as a real client
would send it where the contract states a rule that no schema can.

- `Idempotency-Key`: a client makes a new key for each new request. Hypothesis reuses its
  small examples ("0", "!") across operations, and the API rightly answers a key reused for
  another request with a 422. A valid key is replaced with a fresh one; invalid keys (too long,
  not visible ASCII) are sent as generated, so their rejection is still tested.
- `cursor`, and the event feed's `after`: opaque tokens that only the API hands out
  (`next_cursor`); any other value is a 400 `invalid-query` by design. Schema-valid (positive)
  requests leave them out; negative ones keep them.
- the event feed's `wait`: a long poll holds the request open up to that many seconds when no
  event comes, by design; the checks wait at most one second, as a client that wants an
  answer at once would.
"""
import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and VALID_KEY.match(value):
            headers[name] = "contract-" + uuid.uuid4().hex
    meta = case.meta
    positive = meta is not None and meta.generation.mode.is_positive
    if positive and case.query:
        for opaque in ("cursor", "after"):
            case.query.pop(opaque, None)
    if case.query and isinstance(case.query.get("wait"), (int, str)):
        try:
            if int(case.query["wait"]) > 1:
                case.query["wait"] = "1"
        except ValueError:
            pass
