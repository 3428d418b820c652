"""Help and usage errors are Chinese throughout, the framework's own words included (typer/click's
"Usage:", "Options", "[default: …]", "Show this message and exit", "Invalid value" …)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from eduplan.cli.app import COMMANDS, app
from eduplan.cli.common import chinese_error

runner = CliRunner()
ENGLISH = ("Usage:", "Show this message", "[default:", "[required]", "[env var:", "Options", "Arguments",
           "Commands", "Error", "Try '", "<int>", "<str>", "<path>", "<bool>", "Missing argument", "Invalid value")


def _every_command_path() -> list[list[str]]:
    import typer

    paths = [[]]
    root = typer.main.get_command(app)
    for name in root.list_commands(None):
        cmd = root.get_command(None, name)
        paths.append([name])
        for sub in getattr(cmd, "commands", {}) or {}:
            paths.append([name, sub])
    return paths


def test_top_level_help_lists_every_command_with_its_one_line():
    r = runner.invoke(app, ["--help"], terminal_width=200)
    assert r.exit_code == 0
    assert "用法： eduplan [选项] 命令 [参数]..." in r.stdout
    assert "显示本帮助并退出。" in r.stdout
    for name, (_, _, line) in COMMANDS.items():
        assert f" {name} " in r.stdout and line in r.stdout
    for word in ENGLISH:
        assert word not in r.stdout, word


@pytest.mark.parametrize("path", _every_command_path(), ids=lambda p: " ".join(p) or "eduplan")
def test_every_help_is_chinese(path):
    r = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert r.stdout.lstrip().startswith("用法： eduplan")
    for word in ENGLISH:
        assert word not in r.stdout, word


def test_defaults_required_and_env_vars_are_said_in_chinese():
    r = runner.invoke(app, ["explain", "--help"], terminal_width=200)
    assert "[默认：table]" in r.stdout and "[必填]" in r.stdout and "[环境变量：EDUPLAN_DB]" in r.stdout
    assert "╭─ 参数 " in r.stdout and "╭─ 选项 " in r.stdout


@pytest.mark.parametrize("args,said", [
    (["explain"], "缺少参数 指标。"),
    (["explain", "x", "--bogus"], "没有选项 --bogus"),
    (["explain", "x", "y"], "多余的参数：y"),
    (["indicators", "--year", "abc"], "--year 的值无效：应为整数"),
    (["indicators", "--year"], "选项 --year 后面需要一个值。"),
    (["indicatorz"], "没有命令“indicatorz”。是否想用：indicators？运行 eduplan --help 查看全部命令"),
    (["db", "statu"], "没有命令“statu”。是否想用：'status'？"),
])
def test_usage_errors_are_chinese(args, said):
    r = runner.invoke(app, args, terminal_width=200)
    assert r.exit_code == 2
    assert said in r.output
    for word in ("Usage:", "Error", "Try '", "Missing", "Invalid", "No such", "Got unexpected"):
        assert word not in r.output, word


def test_usage_error_shows_the_usage_line_and_where_help_is():
    r = runner.invoke(app, ["explain"], terminal_width=200)
    assert "用法： eduplan explain [选项] {指标}" in r.output
    assert "运行 eduplan explain --help 查看帮助。" in r.output
    assert "╭─ 错误 " in r.output


def test_framework_messages_translated_one_by_one():
    assert chinese_error("Missing option '--db'.") == "缺少选项 --db。"
    assert chinese_error("No such option: --yaer (Possible options: --year)") == "没有选项 --yaer（是否想用：--year）"
    assert chinese_error("Option '--n' requires 2 arguments.") == "选项 --n 后面需要 2 个值。"
    assert chinese_error("Invalid value for '--format': 'xx' is not one of 'table', 'json'.") == \
        "--format 的值无效：'xx' 不是可选的值（可选：'table', 'json'）"
    assert chinese_error("已经是中文的消息") == "已经是中文的消息"
