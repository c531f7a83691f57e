from django.dispatch import Signal

# Sent inside the transaction that closes a race (results.standings.closing), so what a receiver
# writes commits or rolls back with the close. Arguments: race, user.
race_closed = Signal()

# Sent by the refresh task once a race's standings are computed and cached: readers of the fresh
# standings (the followers' announcements) start from here. Arguments: race_id, version.
standings_refreshed = Signal()
