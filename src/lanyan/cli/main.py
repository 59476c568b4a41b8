"""The ``lanyan`` command (Typer + Rich).

Subcommands are imported only when they run (``lanyan --help`` imports none of them, see
:mod:`lanyan.cli.lazy`). To add a command: write ``lanyan/cli/<name>_cmd.py`` with
``register(app: typer.Typer)`` adding it (``@app.command()`` or ``app.add_typer(group,
name=...)``), then add ONE line to ``COMMANDS`` below — its name, module and the first paragraph
of its help (tests/cli/test_lazy_cli.py checks that line against the command's own help). A module
adding several commands (``io_cmd``: import and export) gets one line per command. Do not import
command modules here: that would bring back the 2+ s start-up for every command.
"""

from __future__ import annotations

import typer

from lanyan.cli.lazy import LanyanGroup, Lazy

_ = "lanyan.cli."
COMMANDS: dict[str, Lazy] = {
    "init": Lazy(_ + "server_cmd", "Create or upgrade the database to the current schema."),
    "serve": Lazy(_ + "server_cmd", "Run the web platform and API."),
    "demo": Lazy(
        _ + "demo_cmd", "Build the synthetic Dafeng (大丰区) demo county, with one log-in per role."
    ),
    "import": Lazy(
        _ + "io_cmd", "Import a CSV, XLSX or GeoJSON file: every row, or none if any is bad."
    ),
    "export": Lazy(
        _ + "io_cmd",
        "Export the rows in scope as CSV, XLSX or GeoJSON (a file ``lanyan import`` reads back).",
    ),
    "route": Lazy(
        _ + "route_cmd",
        "Fastest route by road: prints JSON with seconds, meters and path (lon, lat pairs).",
    ),
    "recommend": Lazy(
        _ + "recommend_cmd",
        "Vehicles to send by road ETA, nearest water sources and building facts, as JSON.",
    ),
    "coverage": Lazy(
        _ + "planning_cmd",
        "Who is reached within the standard (站点覆盖), per station and in total.",
    ),
    "site": Lazy(
        _ + "planning_cmd", "Optimal new station sites on road travel times (HiGHS), as JSON."
    ),
    "user": Lazy(_ + "user_cmd", "Manage users."),
    "audit": Lazy(_ + "audit_cmd", "Inspect the audit log."),
    "incidents": Lazy(_ + "incidents_cmd", "Incidents (警情)."),
    "gb26875": Lazy(_ + "gb26875_cmd", "GB/T 26875.3 报警传输网络通信协议 frames."),
    "gateway": Lazy(_ + "gateway_cmd", "GB/T 26875.3 device gateway 报警传输网关."),
    "mqtt": Lazy(_ + "mqtt_cmd", "MQTT device ingest 物联网设备接入."),
    "monitor": Lazy(_ + "monitor_cmd", "Monitoring centre 监控中心: service mode and chores."),
    "simulate": Lazy(_ + "simulate_cmd", "Load generators."),
    "hydrants": Lazy(_ + "hydrants_cmd", "Hydrant planning (市政消火栓规划)."),
    "equipment": Lazy(_ + "equipment_cmd", "Equipment (装备): QR labels."),
    "draw": Lazy(_ + "draw_cmd", "双随机 draws: plan, run, verify, export"),
    "plan": Lazy(_ + "plan_cmd", "Fire plans (消防规划): indicators, projects, evaluation."),
    "risk": Lazy(_ + "risk_cmd", "unit and area fire risk (风险评估): weights, compute, list"),
    "outreach": Lazy(_ + "outreach_cmd", "People, training and outreach (人员、培训、宣传教育)."),
    "stats": Lazy(_ + "stats_cmd", "Fire statistics (火灾统计): records, import/export, analysis."),
    "backup": Lazy(
        _ + "backup_cmd",
        'Back up the database and evidence files into one archive (see README "Backup and '
        'restore"). Without a subcommand: make a backup.',
    ),
    "restore": Lazy(
        _ + "backup_cmd",
        "Restore ARCHIVE into the configured database (empty unless --force), then check it.",
    ),
    "geocode": Lazy(
        _ + "geocode_cmd",
        "Print the places matching the text, best first (lon/lat WGS84), or import a file.",
    ),
    "jt808": Lazy(_ + "jt808_cmd", "JT/T 808 道路运输车辆卫星定位终端 frames and gateway."),
    "webhooks": Lazy(_ + "webhooks_cmd", "Outbound webhooks (数据交换): deliver"),
    "cap": Lazy(_ + "cap_cmd", "CAP 1.2 weather warnings (气象预警): import"),
    "client": Lazy(
        _ + "client_cmd", "Machine clients (机器接入): API tokens of other departments' systems."
    ),
    "opinion": Lazy(_ + "opinion_cmd", "Public opinion monitoring (舆情监测): poll the feeds."),
}


class Lanyan(LanyanGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    help="Lanyan 蓝焰 smart-fire platform.",
    no_args_is_help=True,
    add_completion=False,
    cls=Lanyan,  # lazy subcommands; one line, never a stack trace, for any error let through
)


@app.callback()
def _root() -> None:
    """Lanyan 蓝焰 smart-fire platform."""


if __name__ == "__main__":
    app()
