"""Dialogs and flows that stand alone: import, signing, identities, passphrase, settings, verify."""
