"""Fusion: the party-branch grid, grid resolution, correlation into cases, the closed loop."""
