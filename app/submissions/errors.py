"""Why a submission was not accepted, in a form both the API and the HTML pages can show.

``SubmissionError`` carries the HTTP status, a stable ``code`` a program can act on, a plain
message for people, and the field(s) at fault. Codes:

- 404 ``campaign_not_found``; 409 ``campaign_not_open`` (draft, paused or closed);
- 422 ``invalid_input`` (with ``fields``), ``invalid_address``, ``address_not_found``,
  ``no_district``, ``outside_targets``, ``no_officials``, ``edit_not_allowed``,
  ``unknown_office``, ``idempotency_key_reused``;
- 400 ``invalid_idempotency_key``; 409 ``request_in_progress``;
- 429 ``rate_limited`` (``retry_after`` seconds);
- 503 ``upstream_unavailable``, ``letters_unavailable``, ``storage_unavailable`` (nothing was
  saved; try again, ``retry_after`` seconds).
"""

from typing import Any


class SubmissionError(Exception):
    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        fields: list[dict[str, str]] | None = None,
        retry_after: float | None = None,
        candidates: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.field = field
        self.fields = fields if fields is not None else []
        if field is not None and not self.fields:
            self.fields = [{"field": field, "reason": message}]
        self.retry_after = retry_after
        self.candidates = candidates

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "fields": self.fields}
        if self.candidates is not None:
            error["candidates"] = self.candidates
        return {"error": error}
