"""``jknrules serve``: the HTTP API (and pages) on uvicorn; needs ``jknrules[serve]``.

Default ``127.0.0.1:8080`` and the policy folder the other commands read. Binding to any
other address needs API keys (``--api-keys-file`` or ``JKNRULES_API_KEYS``). The policy
set is loaded (and, with ``--require-signed``, verified) before the server starts: a set
that does not load is exit 2 with its located messages. SIGHUP or ``POST
/v1/admin/reload`` load it again; a set that does not load is refused and the one in
force keeps serving. Without the extra it says ``pip install 'jknrules[serve]'`` and
exits 2.
"""

from __future__ import annotations

import argparse
import copy
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any, TextIO

from jknrules.cli.batch import missing
from jknrules.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    POLICIES_HELP,
    add_record_options,
    record_options,
)
from jknrules.cli.track import add_webhook_options
from jknrules.errors import JknrulesError, diag

NAME = "serve"
#: how long uvicorn's supervisor waits for a worker to answer (and a new one to be ready)
WORKER_READY_SECONDS = 30
HELP = ("jalankan API HTTP (dan halaman Loket, Kebijakan, Periksa, Pemantauan) (perlu "
        "jknrules[serve]) / run the HTTP API (and the Loket, Kebijakan, Periksa, Pemantauan "
        "pages) (needs jknrules[serve])")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policies", type=Path, default=None, metavar="DIR",
                        help=POLICIES_HELP)
    parser.add_argument("--host", default="127.0.0.1",
                        help="alamat (bawaan 127.0.0.1; selain loopback perlu kunci API) / "
                        "address to bind (default 127.0.0.1; beyond loopback API keys are "
                        "required)")
    parser.add_argument("--port", type=_port, default=8080, help="port (bawaan / default 8080)")
    parser.add_argument("--workers", type=_workers, default=1,
                        help="jumlah proses (bawaan 1) / worker processes (default 1)")
    add_record_options(parser)
    parser.add_argument("--require-signed", action="store_true",
                        help="tolak (saat mulai dan saat muat ulang) kumpulan kebijakan yang "
                        "tidak bertanda tangan atau sudah diubah / refuse (at start and on "
                        "reload) a policy set that is unsigned or altered")
    parser.add_argument("--public-key", type=Path, action="append", default=None,
                        metavar="FILE",
                        help="kunci publik untuk --require-signed (bawaan: keys/*.pub di folder "
                        "kebijakan) / public key for --require-signed (default: keys/*.pub in "
                        "the policy folder)")
    parser.add_argument("--api-keys-file", type=Path, default=None, metavar="FILE",
                        help="berkas kunci API, satu per baris (juga: $JKNRULES_API_KEYS) / "
                        "file of API keys (bearer tokens), one per line (also: "
                        "$JKNRULES_API_KEYS)")
    parser.add_argument("--max-body", type=_positive, default=None, metavar="BYTES",
                        help="ukuran maksimum isi permintaan (bawaan 1000000) / largest request "
                        "body (default 1000000; /v1/batch: --max-batch)")
    parser.add_argument("--max-batch", type=_positive, default=None, metavar="BYTES",
                        help="ukuran maksimum isi /v1/batch / largest /v1/batch body "
                        "(default 268435456)")
    parser.add_argument("--session-hours", type=_hours, default=8, metavar="HOURS",
                        help="lama sesi masuk halaman (bawaan 8 jam) / how long a sign-in to "
                        "the pages lasts (default 8 hours; with keys the pages need one)")
    parser.add_argument("--secure-cookies", action="store_true",
                        help="kuki sesi hanya lewat https (di belakang proxy https) / session "
                        "cookies only over https (behind an https proxy)")
    parser.add_argument("--cors-origin", action="append", default=None, metavar="ORIGIN",
                        help="izinkan CORS dari asal ini (bawaan: CORS mati) / allow CORS "
                        "from this origin (default: CORS off)")
    parser.add_argument("--track", default=None, metavar="URL",
                        help="pantau permohonan di penyimpanan ini (berkas SQLite, sqlite:/// "
                        "atau postgresql://, seperti jknrules track --db): /v1/events, "
                        "/v1/cases, /v1/alerts, halaman Pemantauan / follow applications in "
                        "this store (SQLite file, sqlite:/// or postgresql:// URL, as jknrules "
                        "track --db): /v1/events, /v1/cases, /v1/alerts, the Pemantauan page")
    add_webhook_options(parser)
    parser.add_argument("--http", choices=("h11", "httptools"), default="h11",
                        help="pengurai HTTP/1.1 (bawaan h11) / HTTP/1.1 parser (default h11; "
                        "httptools is faster but drops the body of a request that offers an "
                        "HTTP/2 upgrade, as every stock Java HttpClient does: uvicorn issue "
                        "2722)")
    parser.add_argument("--log-level", choices=("critical", "error", "warning", "info",
                                                "debug"), default="info",
                        help="tingkat log / log level (default info)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="tanpa log akses / no access log")


def _int(text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(
            f"harus bilangan bulat {low}–{high} / must be a whole number {low}–{high}: {text!r}")
    return value


def _port(text: str) -> int:
    return _int(text, 0, 65535)


def _workers(text: str) -> int:
    return _int(text, 1, 64)


def _hours(text: str) -> int:
    return _int(text, 1, 24 * 30)


def _positive(text: str) -> int:
    return _int(text, 1, 1 << 40)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        import uvicorn

        from jknrules.serve.app import create_app
        from jknrules.serve.config import (
            CONFIG_ENV,
            SECRET_ENV,
            ServeConfig,
            read_api_keys,
            to_env,
        )
        from jknrules.serve.metrics import MULTIPROC_ENV
    except ImportError as exc:
        if (exc.name or "").startswith("jknrules"):  # our own module: a bug, not an extra
            raise
        err.write(missing("serve", exc).replace("jknrules batch", "jknrules serve"))
        return EXIT_INVALID
    record = record_options(args)
    defaults = ServeConfig()
    config = ServeConfig(
        policies=args.policies, host=args.host, port=args.port, workers=args.workers,
        record=record.log, record_without_identity=record.redact,
        record_key=record.key, require_signed=args.require_signed,
        public_keys=tuple(args.public_key or ()), api_keys_file=args.api_keys_file,
        max_body_bytes=args.max_body or defaults.max_body_bytes,
        max_batch_bytes=args.max_batch or defaults.max_batch_bytes,
        cors_origins=tuple(args.cors_origin or ()), handle_sighup=True, track=args.track,
        session_seconds=args.session_hours * 3600, secure_cookies=args.secure_cookies,
        alert_webhook=args.alert_webhook,
        alert_webhook_secret_file=args.alert_webhook_secret_file)
    if config.alert_webhook is not None and config.track is None:
        raise JknrulesError([diag("JKN-K063", "--alert-webhook hanya berlaku bersama --track",
                                  "--alert-webhook only applies with --track")])
    keys = read_api_keys(config)
    if not config.loopback_only and not keys:
        raise JknrulesError([diag(
            "JKN-S003",
            f"--host {config.host} menerima sambungan dari mesin lain: perlu kunci API "
            "(--api-keys-file atau JKNRULES_API_KEYS)",
            f"--host {config.host} accepts connections from other machines: API keys are "
            "required (--api-keys-file or JKNRULES_API_KEYS)",
            hint_id="atau tetap di 127.0.0.1 di belakang reverse proxy (docs/deploy.md)",
            hint_en="or stay on 127.0.0.1 behind a reverse proxy (docs/deploy.md)")])
    # one secret for every worker: a sign-in (or a receipt's seal) made by one is good
    # for the others; a new one each start (restarting signs everyone out)
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))
    app = create_app(config)  # loads (and verifies) the set: exit 2 here if it does not
    served = app.state.served
    err.write(f"jknrules serve: kebijakan {served.folder} ({served.origin}), sidik "
              f"{served.fingerprint[:16]}…; http://{_shown(config.host)}:{config.port} "
              f"(/docs) / policies {served.folder}, fingerprint {served.fingerprint[:16]}…\n")
    err.flush()
    options = {"host": config.host, "port": config.port, "log_level": args.log_level,
               "access_log": not args.no_access_log, "server_header": False,
               "proxy_headers": False, "log_config": _log_config(uvicorn), "http": args.http}
    if config.workers > 1:
        os.environ[CONFIG_ENV] = to_env(config)
        # /metrics sums every worker's counts: prometheus-client's multiprocess mode, in a
        # folder of this run only (set before the workers import it), removed at the end
        metrics_folder = tempfile.mkdtemp(prefix="jknrules-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_folder
        # a replacement worker must load the policies before it is ready: on a busy machine
        # that takes longer than uvicorn's 5 s, after which a SIGHUP restart is abandoned
        try:
            uvicorn.run("jknrules.serve.worker:app", factory=True, workers=config.workers,
                        timeout_worker_healthcheck=WORKER_READY_SECONDS, **options)
        finally:
            shutil.rmtree(metrics_folder, ignore_errors=True)
    else:
        uvicorn.run(app, **options)
    return EXIT_OK


def _log_config(uvicorn: Any) -> dict[str, Any]:
    """uvicorn's logging, with the server's own messages (reloads, internal errors)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["jknrules.serve"] = {"handlers": ["default"], "level": "INFO",
                                           "propagate": False}
    result: dict[str, Any] = config
    return result


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host
