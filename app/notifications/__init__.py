"""The supporter's own e-mails: a copy of their letters, e-mail confirmation, unsubscribing."""
