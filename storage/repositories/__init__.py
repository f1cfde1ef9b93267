"""Every query the application makes: keyword-only async functions, session passed in.

One module per concern; import the package (``from storage import repositories as repo``) and
call ``repo.<query>``."""

from __future__ import annotations

from storage.repositories.deliveries import (
    claim_inbound,
    conversation_ref,
    save_conversation_ref,
    settle_inbound,
)
from storage.repositories.facts import (
    desk_fact,
    open_requests_for_update,
    set_desk_fact,
)
from storage.repositories.outbox import (
    add_outbox_once,
    claim_outbox,
    outbox_by_id,
    outbox_counts,
    thread_parent_id,
)
from storage.repositories.reminders import (
    drop_pending_reminders,
    due_reminder_refs,
    due_reminders_for,
    lock_ticket,
    reminders_for,
)
from storage.repositories.tickets import (
    PENDING,
    REFERENCE_COUNTERS,
    add,
    all_breaches,
    all_notes,
    all_requests,
    audit_head,
    breach_by_ref,
    breaches_to_erase,
    closing_stats,
    count_requests,
    events_for,
    iter_events,
    list_breaches,
    list_requests,
    lock_audit_head,
    next_number,
    notes_for,
    open_requests_by_type_state,
    pauses_by_request,
    pauses_for,
    request_by_ref,
    requests_to_erase,
    ticket_refs,
)

__all__ = [
    "PENDING",
    "REFERENCE_COUNTERS",
    "add",
    "add_outbox_once",
    "all_breaches",
    "all_notes",
    "all_requests",
    "audit_head",
    "breach_by_ref",
    "breaches_to_erase",
    "claim_inbound",
    "claim_outbox",
    "closing_stats",
    "conversation_ref",
    "count_requests",
    "desk_fact",
    "drop_pending_reminders",
    "due_reminder_refs",
    "due_reminders_for",
    "events_for",
    "iter_events",
    "list_breaches",
    "list_requests",
    "lock_audit_head",
    "lock_ticket",
    "next_number",
    "notes_for",
    "open_requests_by_type_state",
    "open_requests_for_update",
    "outbox_by_id",
    "outbox_counts",
    "pauses_by_request",
    "pauses_for",
    "reminders_for",
    "request_by_ref",
    "requests_to_erase",
    "save_conversation_ref",
    "set_desk_fact",
    "settle_inbound",
    "thread_parent_id",
    "ticket_refs",
]
