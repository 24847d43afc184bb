"""``rapport serve``: the web app and REST API over a search index (a thin layer over ``nlp.web``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import InputError, RapportError
from .defaults import DEFAULT_INDEX

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_app(args: argparse.Namespace):  # noqa: ANN201 - a FastAPI app
    try:
        from .web import create_app
        import uvicorn  # noqa: F401 - checked here for a clear message
    except ImportError as exc:
        raise RapportError(f"`rapport serve` needs fastapi, uvicorn and jinja2 ({exc.name} is missing); "
                           "install them with `pip install -c requirements.lock -e .`.") from None
    if args.store and not Path(args.store, "catalog.json").exists():
        raise InputError(f"{args.store}: no document store here (create it with `rapport ingest PATH --store {args.store}`).")
    return create_app(args.index, store_dir=args.store, programs_path=args.programs)


def cmd_serve(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise InputError("--port must be between 1 and 65535.")
    if args.limit_concurrency < 1 or not 0 < args.header_timeout <= 3600:
        raise InputError("--limit-concurrency must be at least 1 and --header-timeout between 0 and 3600 seconds.")
    app = build_app(args)
    if args.host not in LOOPBACK:
        sys.stderr.write(f"rapport: serving on {args.host}: reachable from other machines (read-only).\n")
    data = app.state.data
    data.warm()
    sys.stderr.write(f"rapport: {len(data.index.manifest['documents'])} reports, {len(data.index.passages)} passages "
                     f"from {args.index}; open http://{args.host}:{args.port}/ (API: /api/search, /openapi.json)\n")
    from .web.server import serve

    serve(app, host=args.host, port=args.port, limit_concurrency=args.limit_concurrency, log_level=args.log_level,
          header_timeout=args.header_timeout)
    return 0


def register(sub: argparse._SubParsersAction, formatter: type) -> None:
    p = sub.add_parser(
        "serve", help="Web app and REST API (search, reports, themes, programs, reuse); read-only.",
        description="Serve the search index to a browser and as a REST API (FastAPI; OpenAPI at /openapi.json). "
                    "Read-only: nothing is uploaded or changed.",
        epilog="Examples:\n  rapport serve --index .rapport/index\n"
               "  rapport serve --index .rapport/index --store .rapport/store --port 8080\n"
               "  curl 'http://127.0.0.1:8000/api/search?q=trygghet&district=Södermalm'",
        formatter_class=formatter)
    p.add_argument("--index", default=str(DEFAULT_INDEX), help=f"index folder (default: {DEFAULT_INDEX})")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--store", metavar="DIR", help="document store (`rapport ingest`): reuse read from the stored "
                                                  "documents instead of rebuilt from the index, and its programs.json "
                                                  "as the program registry")
    p.add_argument("--programs", metavar="FILE", help="program registry file (nlp.programs.Registry.load; default: <store>/programs.json)")
    p.add_argument("--limit-concurrency", type=int, default=64,
                   help="requests answered at once before answering 503 (default 64); idle connections do not count")
    p.add_argument("--header-timeout", type=float, default=10.0,
                   help="seconds a connection has to send its request head before it is closed (default 10)")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="warning")
    p.set_defaults(handler=cmd_serve)


def main(argv: list[str] | None = None) -> int:
    """``python -m nlp.cli_serve --index DIR``: the same as ``rapport serve``."""
    parser = argparse.ArgumentParser(prog="rapport")
    register(parser.add_subparsers(dest="command"), argparse.RawDescriptionHelpFormatter)
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.handler(args)
    except RapportError as exc:
        sys.stderr.write(f"rapport: error: {exc}\n")
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
