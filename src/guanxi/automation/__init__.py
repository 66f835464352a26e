"""Work that happens by itself: approvals (审批) now; rules, reminders, notifications and webhooks later."""
