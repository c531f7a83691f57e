"""The device API of the contract: timing tablets and chip readers post splits here.

`POST /api/v1/races/<slug>/timings` with a device token (Authorization: Bearer) or an
official's session. The rules are in results/timing/device_reads.py; this package only reads the
request, asks who may post where, and words the reply.
"""
