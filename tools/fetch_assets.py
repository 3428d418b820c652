"""Install the web application's pinned third-party files (ECharts) into eduplan/web/static/vendor/.

The assets, versions and checksums are declared in eduplan/web/assets.py. For each asset: when every file it
provides is already present with its pinned sha256, nothing is done; otherwise its npm tarball is downloaded
(Python's urllib; no npm needed) or read from a local copy, checked against the registry's sha512 integrity, and
the pinned files are taken out of it, each checked against its sha256 and written atomically.

    .venv/bin/python tools/fetch_assets.py                       # from registry.npmjs.org (run by `make setup`)
    EDUPLAN_ASSETS_FROM=/mnt/usb/echarts-6.1.0.tgz .venv/bin/python tools/fetch_assets.py   # no internet
    EDUPLAN_NPM_REGISTRY=https://registry.npmmirror.com .venv/bin/python tools/fetch_assets.py  # a mirror

Exit status 0 when every asset is in place, 1 (with a Chinese message on stderr) otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import io
import os
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_TARBALL = 64 << 20  # the echarts 6.1.0 tarball is 12 MB
TIMEOUT = 120


def _load_assets():
    """eduplan/web/assets.py by its path: it needs only the standard library, and so does this script (it can run
    before the package's dependencies are installed)."""
    spec = importlib.util.spec_from_file_location("_eduplan_web_assets", ROOT / "eduplan" / "web" / "assets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


assets = _load_assets()


class FetchError(Exception):
    """An asset could not be installed; the message is for the user (Chinese)."""


def _integrity(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def _offline_hint(asset) -> str:
    return (f"没有外网时：在能上网的机器上下载 {asset.url}（或 `npm pack {asset.name}@{asset.version}`），"
            f"拷到本机后运行 `{assets.FROM_VARIABLE}=<{asset.tarball} 的路径或其所在文件夹> {assets.FETCH_COMMAND}`；"
            f"也可用 EDUPLAN_NPM_REGISTRY=<内网 npm 镜像地址> 指定镜像。")


def _read_local(asset, source: Path) -> bytes:
    path = source / asset.tarball if source.is_dir() else source
    if not path.is_file():
        where = f"文件夹 {source} 中没有 {asset.tarball}" if source.is_dir() else f"找不到文件 {source}"
        raise FetchError(f"{assets.FROM_VARIABLE}：{where}（需要 {asset.name} {asset.version} 的 npm 包 {asset.tarball}）。")
    if path.stat().st_size > MAX_TARBALL:
        raise FetchError(f"{path}：文件大于 {MAX_TARBALL >> 20} MB，不是 {asset.tarball}。")
    return path.read_bytes()


def _download(asset, registry: str | None) -> bytes:
    url = asset.url
    if registry:
        url = registry.rstrip("/") + "/" + url.split("registry.npmjs.org/", 1)[1]
    print(f"下载 {asset.name} {asset.version}：{url}", file=sys.stderr)
    request = urllib.request.Request(url, headers={"User-Agent": "eduplan-fetch-assets"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data = response.read(MAX_TARBALL + 1)
    except urllib.error.HTTPError as e:
        raise FetchError(f"无法下载 {asset.name} {asset.version}（{url}）：服务器返回 HTTP {e.code}。\n{_offline_hint(asset)}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise FetchError(f"无法下载 {asset.name} {asset.version}（{url}）：{reason}。\n{_offline_hint(asset)}") from None
    if len(data) > MAX_TARBALL:
        raise FetchError(f"{url}：下载内容大于 {MAX_TARBALL >> 20} MB，不是 {asset.tarball}。")
    return data


def _install(asset, data: bytes, origin: str, vendor: Path) -> None:
    algorithm = asset.integrity.split("-", 1)[0]
    got = _integrity(data, algorithm)
    if got != asset.integrity:
        raise FetchError(f"{origin}：校验值不符，不是 {asset.name} {asset.version} 的官方 npm 包"
                         f"（应为 {asset.integrity}，实为 {got}）；未安装任何文件。")
    vendor.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in asset.members:
            try:
                info = tar.getmember(member.source)
            except KeyError:
                raise FetchError(f"{origin}：包内没有 {member.source}。") from None
            handle = tar.extractfile(info) if info.isfile() else None
            if handle is None:
                raise FetchError(f"{origin}：{member.source} 不是普通文件。")
            content = handle.read()
            if hashlib.sha256(content).hexdigest() != member.sha256:
                raise FetchError(f"{origin}：{member.source} 的 sha256 与 eduplan/web/assets.py 中登记的不符。")
            target = vendor / member.target
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(content)
            os.replace(partial, target)


def fetch(vendor: Path, source: Path | None, registry: str | None) -> list[str]:
    """Install every asset not already in place; returns what was done, one Chinese line per asset."""
    done = []
    for asset in assets.ASSETS:
        bad = [m for a, m, _ in assets.problems(vendor) if a is asset]
        if not bad:
            done.append(f"{asset.name} {asset.version} 已就绪（{vendor}）")
            continue
        if source is not None:
            data, origin = _read_local(asset, source), str(source / asset.tarball if source.is_dir() else source)
        else:
            data, origin = _download(asset, registry), asset.url
        _install(asset, data, origin, vendor)
        done.append(f"{asset.name} {asset.version} 已安装到 {vendor}（{len(asset.members)} 个文件，校验通过）")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendor", type=Path, default=assets.VENDOR, help="target folder (default: %(default)s)")
    parser.add_argument("--from", dest="source", type=Path, default=os.environ.get(assets.FROM_VARIABLE) or None,
                        help=f"a local .tgz (or a folder holding it) instead of the registry (env {assets.FROM_VARIABLE})")
    parser.add_argument("--registry", default=os.environ.get("EDUPLAN_NPM_REGISTRY") or None,
                        help="an npm registry mirror's base URL (env EDUPLAN_NPM_REGISTRY)")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 with the message when incomplete")
    args = parser.parse_args(argv)
    if args.check:
        message = assets.missing_message(args.vendor)
        if message:
            print(message, file=sys.stderr)
            return 1
        return 0
    try:
        for line in fetch(args.vendor, args.source, args.registry):
            print(line, file=sys.stderr)
    except FetchError as e:
        print(f"fetch_assets：{e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
