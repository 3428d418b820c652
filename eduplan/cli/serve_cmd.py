"""`eduplan serve`: the web application over one store (eduplan.web)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import DbOption, DEFAULT_DB, err, handle_errors, safe


@handle_errors
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option("--host", help="监听地址（默认 127.0.0.1，只接受本机访问；局域网服务请放在 HTTPS 反向代理之后）")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口（默认 8000）")] = 8000,
) -> None:
    """启动网页服务：局、督学、学校与公众的页面和 /api/v1/ 接口（无须连接互联网）。

    服务运行期间独占数据库文件：其他 eduplan 命令会被告知数据库正被网页服务使用；导入、撤销等请在网页上操作，
    或先停止服务（Ctrl+C）。用户用 eduplan users add 建立；公开页面在 /，接口文档在 /api/v1/docs。
    例：eduplan serve --db out/demo.duckdb --port 8000
    """
    import errno
    import socket

    from ..store import Store
    from ..web.app import serve as run
    from ..web.assets import missing_message as missing_assets

    problems = missing_assets()
    if problems:
        err.print(f"[bold red]错误：[/]{safe(problems)}")
        raise typer.Exit(1)
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as e:
            why = "已被其他程序占用" if e.errno == errno.EADDRINUSE else f"不可用（{e.strerror}）"
            err.print(f"[bold red]错误：[/]地址 {safe(host)}:{port} {why}；请用 --port 换一个端口，或先停止占用它的程序")
            raise typer.Exit(1)
    Store(Path(db)).close()  # open once: a clear message now when the file is wrong, locked or outdated
    err.print(f"网页服务：http://{safe(host)}:{port}/（公开页面），接口 http://{safe(host)}:{port}/api/v1/docs；Ctrl+C 停止")
    run(db, host=host, port=port)
