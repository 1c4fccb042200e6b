"""CaseView: independent review of anonymised children's services case files."""


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata only when asked for: importlib.metadata costs
    # ~40 ms at start-up, which every command would otherwise pay (``caseview search`` included).
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("caseview")
    except metadata.PackageNotFoundError:  # a frozen build without dist-info
        version = "0.1.0"
    globals()["__version__"] = version
    return version
