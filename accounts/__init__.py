"""Logins: who may log in from where (throttles and lockouts by client address),
initial passwords that must be changed, and what a password change ends (API tokens).

Layer 0, beside ``core``: it imports no domain app.
"""
