from django.dispatch import Signal

# Sent inside the transaction that closes a race (results.standings.closing), so what a receiver
# writes commits or rolls back with the close. Arguments: race, user.
race_closed = Signal()
