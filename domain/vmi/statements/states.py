"""The statement status machine (pure): which action is allowed from which status, and where it
leads. Who may take an action is the service's business; this table only says when.

    draft ──issue──▶ issued ──confirm──▶ confirmed ──settle──▶ settled
      ▲ regenerate     │  ▲                                      ▲
      └────────────    dispute └──reissue── disputed ──settle───┘"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError, ErrorCode
from domain.vmi.statements.models import StatementStatus

S = StatementStatus


class Action(StrEnum):
    REGENERATE = "regenerate"
    ISSUE = "issue"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    REISSUE = "reissue"
    SETTLE = "settle"
    COMMENT = "comment"
    ADD_CREDIT = "add_credit"


# action → (statuses it is allowed from, the status it leads to; None keeps the status)
TRANSITIONS: dict[Action, tuple[frozenset[S], S | None]] = {
    Action.REGENERATE: (frozenset({S.DRAFT}), S.DRAFT),
    Action.ISSUE: (frozenset({S.DRAFT}), S.ISSUED),
    Action.CONFIRM: (frozenset({S.ISSUED}), S.CONFIRMED),
    Action.DISPUTE: (frozenset({S.ISSUED}), S.DISPUTED),
    Action.REISSUE: (frozenset({S.DISPUTED}), S.ISSUED),
    Action.SETTLE: (frozenset({S.CONFIRMED, S.DISPUTED}), S.SETTLED),
    Action.COMMENT: (frozenset({S.ISSUED, S.CONFIRMED, S.DISPUTED, S.SETTLED}), None),
    Action.ADD_CREDIT: (frozenset({S.DRAFT, S.DISPUTED}), None),
}

_WORDS = {
    Action.REGENERATE: "regenerated",
    Action.ISSUE: "issued",
    Action.CONFIRM: "confirmed",
    Action.DISPUTE: "disputed",
    Action.REISSUE: "re-issued",
    Action.SETTLE: "settled",
    Action.COMMENT: "commented on",
    Action.ADD_CREDIT: "given a credit",
}


def allowed(current: S, action: Action) -> bool:
    return current in TRANSITIONS[action][0]


def next_status(current: S | str, action: Action) -> S:
    """The status after `action`, or INVALID_STATE naming what is possible."""
    status = S(current)
    sources, target = TRANSITIONS[action]
    if status not in sources:
        options = sorted(a.value for a, (src, _) in TRANSITIONS.items() if status in src)
        hint = f"; possible now: {', '.join(options)}" if options else ""
        raise DomainError(
            ErrorCode.INVALID_STATE,
            f"a {status.value} statement cannot be {_WORDS[action]}{hint}",
            ["statementId"],
        )
    return target or status
