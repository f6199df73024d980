"""Lot identity and standing: the ground floor supplies, recalls and traceability all build on.

It owns how a lot number is read ("Lot-Nr. D 199" is D199, "N/A" is no lot, D190 to D199 is a
range), every change of a lot's status (quarantine, recall, release), and whether an open recall
covers a lot. It imports models and the audit chain only, never another domain package, so
receiving a lot can block it against a recall without supplies importing recalls.
"""
