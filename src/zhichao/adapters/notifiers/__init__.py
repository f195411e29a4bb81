"""Channel adapters for the notice outbox: each has ``send(message) -> delivery_ref`` and raises
``DeliveryFailed`` (domain/outbox.py) when the channel did not take the message. docs/notifications.md
describes what each sends."""
