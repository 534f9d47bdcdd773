"""The live web UI: `surge ui` and `--web` serve a page that starts, watches, steers and keeps
the runs of a session (docs/web-ui.md). Starlette and uvicorn load only when it is used."""
