"""Set-up tools of rapport (run from the repository root: ``python -m tools.<name>``); not part of the runtime package."""
