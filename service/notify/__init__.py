"""Notifications: a transactional outbox (outbox.py), its transports (smtp.py, sms.py) and the sender."""
