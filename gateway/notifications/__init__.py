"""Telling people and systems what happened to cases: outbound webhooks and in-dashboard
notifications, both derived from the case changes on the CASES stream (:mod:`.intake`)."""
