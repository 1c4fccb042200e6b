"""The document viewer: continuous pages rendered by a guarded worker, zoom, find, the page strip."""
