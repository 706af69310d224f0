"""The durable e-mail outbox: queuing messages and delivering them."""
