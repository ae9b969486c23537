"""The data hedgesim ships (README.md cites every source): the extracts of the historical record
it uses and ``ensemble.toml``, the calibrated parameter ensemble. Installed as package data of
``hedgesim.data``, so the commands that read them work outside a clone."""
