"""The third-party files the web application serves itself (no CDN, no byte from the internet at run time).

The one place they are declared: each asset's name, pinned version, the npm tarball it comes from with the
registry's `dist.integrity` (sha512 of the tarball), the files taken out of it with their sha256, and the licence.
`tools/fetch_assets.py` installs them into `eduplan/web/static/vendor/` at build time (`make setup`, which `make demo`
and `make test` run); `missing_message()` tells in Chinese what is missing or altered when the server starts
without them. To pin another version: change `version`, `url`, `integrity` (`npm view echarts@X dist.integrity`)
and the members' sha256, then run `tools/fetch_assets.py`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).parent / "static" / "vendor"
FETCH_COMMAND = ".venv/bin/python tools/fetch_assets.py"
FROM_VARIABLE = "EDUPLAN_ASSETS_FROM"


@dataclass(frozen=True)
class Member:
    """One file taken out of an asset's tarball: its path in the tarball, its name in static/vendor, its sha256."""

    source: str
    target: str
    sha256: str


@dataclass(frozen=True)
class Asset:
    """One pinned third-party package served under /static/vendor/."""

    name: str
    version: str
    url: str  # the npm registry's tarball
    integrity: str  # the registry's dist.integrity: "sha512-<base64>" of the tarball
    licence: str
    members: tuple[Member, ...]

    @property
    def tarball(self) -> str:
        """The tarball's file name, as npm names it (`npm pack echarts@6.1.0` writes the same name)."""
        return self.url.rsplit("/", 1)[-1]


ECHARTS = Asset(
    name="echarts",
    version="6.1.0",
    url="https://registry.npmjs.org/echarts/-/echarts-6.1.0.tgz",
    integrity="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
    licence="Apache-2.0 (部分代码 BSD-3-Clause，见 echarts-LICENSE-d3.txt)",
    members=(
        Member("package/dist/echarts.min.js", "echarts.min.js",
               "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"),
        Member("package/LICENSE", "echarts-LICENSE.txt",
               "634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a"),
        Member("package/NOTICE", "echarts-NOTICE.txt",
               "d491d358344f842685c1b1585970999db65fe30ecf7ef3867af8814f4016c016"),
        Member("package/licenses/LICENSE-d3", "echarts-LICENSE-d3.txt",
               "e1211892da0b0e0585b7aebe8f98c1274fba15bafe47fa1f4ee8a7a502c06304"),
    ),
)

ASSETS: tuple[Asset, ...] = (ECHARTS,)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def problems(vendor: Path = VENDOR) -> list[tuple[Asset, Member, str]]:
    """The members missing from `vendor` or differing from their pinned sha256: (asset, member, "缺少"|"校验值不符")."""
    found = []
    for asset in ASSETS:
        for member in asset.members:
            path = vendor / member.target
            if not path.is_file():
                found.append((asset, member, "缺少"))
            elif sha256_of(path) != member.sha256:
                found.append((asset, member, "校验值不符"))
    return found


def missing_message(vendor: Path = VENDOR) -> str | None:
    """None when every pinned file is in place; otherwise a Chinese message naming each missing or altered file
    and the command that installs them (with the offline way: a local tarball)."""
    found = problems(vendor)
    if not found:
        return None
    lines = ["网页所需的第三方文件不完整（页面中的图表将无法显示）："]
    for asset, member, what in found:
        lines.append(f"  - {asset.name} {asset.version}：{vendor / member.target}（{what}）")
    names = "、".join(sorted({f"{a.tarball}（{a.url}）" for a, _, _ in found}))
    lines.append(f"请在项目目录运行 `{FETCH_COMMAND}`（或 `make setup`）从 npm 下载并校验；")
    lines.append(f"没有外网时，把 {names} 拷到本机，再运行 `{FROM_VARIABLE}=<该 .tgz 文件或其所在文件夹> {FETCH_COMMAND}`。")
    return "\n".join(lines)
