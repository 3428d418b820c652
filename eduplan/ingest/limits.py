"""Import limits: how large a file the importer agrees to read, as the `import` settings section.

Every limit is checked before (or while streaming, before storing) the data it guards, so that a
hostile or broken file — a cell at XFD1048576, a zip bomb, /dev/zero behind a .csv name, a CSV of
500 000 columns — is refused with a Chinese message in bounded time and memory instead of exhausting
the machine. The defaults leave ample room for a whole city's files (the demo district's largest
sheet has 5 434 rows × 16 columns, 2.6 MB of sheet XML); a bureau with larger files raises them in
its settings file:

    import:
      max_rows: 500000
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..settings import load_section

SECTION = "import"


class ImportLimits(BaseModel):
    """The `import` settings section: size and extent limits for the files `eduplan import` reads."""

    model_config = ConfigDict(extra="forbid")

    max_file_mb: float = Field(100.0, gt=0, description=(
        "单个文件的大小上限（MB）。超过即拒绝，不读取内容。默认 100 MB：全市一年的分年级学生数约 3 MB。"))
    max_unzipped_mb: float = Field(300.0, gt=0, description=(
        "xlsx/xlsm/ods 工作簿解压后的总大小上限（MB），按 zip 目录声明的大小在解压前检查，解压时再按实际字节数检查"
        "（防“压缩炸弹”）。默认 300 MB：示例区最大的工作表解压后 2.6 MB。"))
    max_zip_ratio: float = Field(250.0, gt=1, description=(
        "工作簿中单个成员（解压后超过 1 MB 时）的解压倍数上限。正常工作表约 5–20 倍，压缩炸弹在 1000 倍左右。"))
    max_zip_members: int = Field(10_000, gt=0, description=(
        "工作簿（zip 包）中的文件个数上限。正常工作簿 10–50 个。"))
    max_rows: int = Field(300_000, gt=0, description=(
        "一个工作表（或 CSV 文件）的行数上限，按最后一个有内容的行号计（也检查工作表声明的范围 <dimension>）。"
        "默认 300 000：全市 10 年分年级学生数约 12 万行。"))
    max_columns: int = Field(256, gt=0, description=(
        "一个工作表（或 CSV 文件）的列数上限，按最右一个有内容的列计（256 = A–IV 列）。最宽的模板不到 40 列；"
        "在 XFD 等远处列误填的内容会被指出，而不是让读取占用数 GB 内存。"))
    max_cells: int = Field(6_000_000, gt=0, description=(
        "一个文件中有内容的单元格总数上限（约占 500 MB 内存）；CSV 文件按字段计，空字段也计入（空字段同样占内存）。"
        "默认 600 万：示例区全部文件约 20 万个。"))
    max_cell_chars: int = Field(5_000, gt=0, description=(
        "单个单元格（或 CSV 字段）的字符数上限。最长的说明类字段也远小于此；Excel 本身上限 32 767。"))


def import_limits() -> ImportLimits:
    """The limits in force: defaults, overridden by the settings file's `import` section."""
    return load_section(SECTION, ImportLimits)
