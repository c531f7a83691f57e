from django.dispatch import Signal

# Sent after the commit of any change that can move the standings (a split, a status, the
# course). Arguments: race_id.
standings_changed = Signal()

# Sent after the commit of a change to closed results: a correction while provisional, or the
# results made official. Publishing makes the results book again if one was made. Arguments:
# race_id.
closed_results_changed = Signal()
