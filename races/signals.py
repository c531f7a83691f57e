from django.dispatch import Signal

# Sent after the commit of any change that can move the standings (a split, a status, the
# course). Arguments: race_id.
standings_changed = Signal()
