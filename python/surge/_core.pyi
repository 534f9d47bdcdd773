"""Type stubs for surge's native engine module (private: use the surge package)."""

from collections.abc import Callable
from enum import Enum

__version__: str

def now_ns() -> int: ...
def sample(spec: str, n: int, seed: int = 1) -> list[str]: ...
def render(template: str, variables: list[tuple[str, str]], n: int, seed: int = 1) -> list[str]: ...

class HdrHistogram:
    def __init__(
        self, lowest: int = 1, highest: int = 4398046511104, significant_digits: int = 3
    ) -> None: ...
    def record(self, value: int, count: int = 1) -> None: ...
    def record_many(self, values: list[int]) -> None: ...
    def add(self, other: HdrHistogram) -> None: ...
    def reset(self) -> None: ...
    @property
    def total_count(self) -> int: ...
    @property
    def min(self) -> int: ...
    @property
    def max(self) -> int: ...
    @property
    def mean(self) -> float: ...
    @property
    def stdev(self) -> float: ...
    def value_at_percentile(self, percentile: float) -> int: ...
    def highest_equivalent(self, value: int) -> int: ...
    def lowest_equivalent(self, value: int) -> int: ...
    def encode(self) -> str: ...
    @staticmethod
    def decode(blob: str) -> HdrHistogram: ...
    def nonzero_counts(self) -> list[tuple[int, int]]: ...

class TargetServer:
    def __init__(self) -> None: ...
    def start(self, host: str, port: int, threads: int) -> int: ...
    def stop(self) -> None: ...
    @property
    def running(self) -> bool: ...
    @property
    def port(self) -> int: ...
    @property
    def requests_served(self) -> int: ...
    @property
    def open_connections(self) -> int: ...
    def set_limits(self, idle_ns: int, request_ns: int, connections: int) -> None: ...
    def enable_tls(self, certificate_pem: str, key_pem: str) -> None: ...  # before start()
    def set_latency(self, kind: str, a_ms: float, b_ms: float) -> None: ...
    def set_stall(self, every_ns: int, length_ns: int) -> None: ...
    @property
    def stall_origin_ns(self) -> int: ...
    def set_error_ratio(self, ratio: float) -> None: ...
    def set_drop_ratio(self, ratio: float) -> None: ...
    def set_cpu_work(self, ns: int) -> None: ...  # CPU per request on its server thread; 0: off
    def set_leak(self, bytes: int) -> None: ...  # bytes each request keeps alive; 0: stop
    @property
    def leaked_bytes(self) -> int: ...
    def cache_get(self, key: str) -> str | None: ...
    def cache_size(self) -> int: ...

class LoadModel(Enum):
    closed = 0
    open = 1

class Arrivals(Enum):
    uniform = 0
    poisson = 1

class ThinkKind(Enum):
    none = 0
    constant = 1
    uniform = 2
    exponential = 3
    pacing = 4

class LoadSpec:
    model: LoadModel
    threads: int
    requests: int
    duration_ns: int
    warmup_ns: int
    interval_ns: int
    arrivals: Arrivals
    connections: int
    max_connections: int
    max_backlog: int
    late_after_ns: int
    iterations_per_user: int
    def __init__(self) -> None: ...
    # Stages are (duration_s, from, to); float("inf") marks an open-ended last stage.
    def set_rate_stages(self, stages: list[tuple[float, float, float]]) -> None: ...
    def set_user_stages(self, stages: list[tuple[float, float, float]]) -> None: ...
    def set_think(self, kind: ThinkKind, a_ns: int, b_ns: int) -> None: ...

class HttpOperation:
    name: str
    weight: float
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: str
    variables: list[tuple[str, str]]
    expect_status: list[int]
    expect_body: str
    miss_status: int
    max_body_bytes: int  # 0: no limit
    def __init__(self) -> None: ...

class RunSettings:
    load: LoadSpec
    connect_timeout_ns: int
    request_timeout_ns: int
    seed: int
    network_latency_ns: int
    network_jitter_ns: int
    drain_ns: int
    interval_histograms: bool
    warm_start: bool  # open and set up the first connections before t0; False: a cold start
    share_index: int  # a distributed run: this process runs share share_index of share_count
    share_count: int

class TlsClientOptions:
    verify: bool
    ca_file: str  # empty: the system's trust store
    cert_file: str
    key_file: str
    resume: bool
    def __init__(self) -> None: ...

def tls_self_signed(
    common_name: str = "localhost", expired: bool = False
) -> tuple[str, str]: ...  # cert, key PEM; expired: valid until yesterday

class HttpRunSpec(RunSettings):
    host: str
    port: int
    host_header: str
    tls: bool  # https://
    tls_options: TlsClientOptions
    http_version: int  # 1, 2, or 0: ALPN's choice on https://, HTTP/1.1 on http://
    max_streams: int  # HTTP/2: streams in flight per connection
    operations: list[HttpOperation]
    def __init__(self) -> None: ...

class RedisOperation:
    name: str
    weight: float
    command: str
    variables: list[tuple[str, str]]
    def __init__(self) -> None: ...

class RedisRunSpec(RunSettings):
    host: str
    port: int
    unix_path: str
    username: str
    password: str
    db: int
    pipeline: int
    tls: bool  # rediss://
    tls_options: TlsClientOptions
    operations: list[RedisOperation]
    def __init__(self) -> None: ...

class PgStatement:
    sql: str
    params: list[str]
    def __init__(self) -> None: ...

class PgOperation:
    name: str
    weight: float
    statements: list[PgStatement]
    variables: list[tuple[str, str]]
    read: bool
    retries: int
    listen_channel: str
    listeners: int
    def __init__(self) -> None: ...

class PipelineSync(Enum):
    operation = 0
    batch = 1

class PgRunSpec(RunSettings):
    conninfo: str
    pipeline: int
    pipeline_sync: PipelineSync
    operations: list[PgOperation]
    def __init__(self) -> None: ...

class OperationStats:
    response: HdrHistogram
    service: HdrHistogram
    lag: HdrHistogram
    failed: HdrHistogram  # outcomes without a response: time from the intended start to failure
    count: int
    dropped: int
    unfinished: int
    late: int
    hits: int
    misses: int
    retries: int
    reconnects: int
    error_codes: dict[str, int]  # the protocol's own codes: SQLSTATEs for PostgreSQL
    errors: dict[str, int]
    error_examples: dict[str, list[str]]

class IntervalRow:
    t_s: float
    length_s: float  # the interval's length; the last one may be partial
    operation: int | None  # None on a row of all operations
    count: int
    errors: int
    error_classes: dict[str, int]  # error class -> count, classes that occurred
    dropped: int
    late: int
    hits: int
    misses: int
    p50_ns: int
    p90_ns: int
    p95_ns: int
    p99_ns: int
    max_ns: int
    # Per-operation rows with interval_histograms: V2 compressed, base64, ns; else "".
    histogram: str
    target_rate_per_s: float | None  # all-operations rows of open-model runs
    users: int | None  # all-operations rows of closed-model runs (planned)
    active_users: int | None  # all-operations rows of closed-model runs (running)

class RunningTotals:
    count: int
    errors: dict[str, int]
    hits: int
    misses: int
    response: HdrHistogram

class IntervalReport:
    elapsed_s: float
    interval_s: float
    rows: list[IntervalRow]
    total: IntervalRow
    cumulative: list[RunningTotals]  # per operation, since the start of measurement

class ConnectionStats:
    connect: HdrHistogram  # attempt started -> connection up, ns
    handshake: HdrHistogram  # connection up -> its set-up answered, ns
    opened: int
    failed: int
    tls_full: int  # TLS handshakes that made a new session
    tls_resumed: int  # and those that resumed one

class WarmUpReport:
    warm: bool
    seconds: float  # from the start of the run to t0
    not_ready: int  # connections still opening when the schedule started anyway

class RunResult:
    operation_names: list[str]
    operations: list[OperationStats]
    total: OperationStats  # the operations the load sends, merged
    timeseries: list[IntervalRow]
    timeseries_total: list[IntervalRow]
    interval_s: float
    measure_start_ns: int
    measured_s: float
    unfinished: int
    interrupted: bool
    connections: ConnectionStats  # every attempt of the run, warm start included
    warm_up: WarmUpReport
    protocol_version: str  # HTTP: "http/1.1", "h2" or "h2c"
    pacer_lag: HdrHistogram  # open model: how late the pacer sent each measured arrival, ns
    failure: str  # why the engine stopped early on an error of its own; "" when it did not

def run_http(
    spec: HttpRunSpec, progress: Callable[[IntervalReport], bool | None] | None = None
) -> RunResult: ...
def run_redis(
    spec: RedisRunSpec, progress: Callable[[IntervalReport], bool | None] | None = None
) -> RunResult: ...
def run_pg(
    spec: PgRunSpec, progress: Callable[[IntervalReport], bool | None] | None = None
) -> RunResult: ...
def pg_execute(conninfo: str, sql: str) -> tuple[list[str], list[list[str]]]: ...
