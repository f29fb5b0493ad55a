"""One configuration: where the store and the model registry are.

Each setting comes from the first of: a flag (`--db`, `--models`), the environment (`VOC_DB`,
`VOC_MODELS`), a `voc.toml` found upward from the working directory or in `VOC_HOME`, else the
defaults `voc.duckdb` and `voc-models` in the working directory. Paths in a `voc.toml` are relative
to its folder, so a cron job or a service started elsewhere finds the same store and models.

    [store]
    db = "voc.duckdb"            # or postgresql://user@host/db
    [models]
    registry = "voc-models"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "voc.toml"
DEFAULTS = {"db": "voc.duckdb", "models": "voc-models"}
ENV = {"db": "VOC_DB", "models": "VOC_MODELS"}
TOML_KEYS = {"db": ("store", "db"), "models": ("models", "registry")}


@dataclass(frozen=True)
class Settings:
    """The resolved store and registry, and where each came from."""

    db: str
    models: str
    origin: dict[str, str]

    def describe(self) -> str:
        return f"store {self.db} ({self.origin['db']}); models {self.models} ({self.origin['models']})"


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `voc.toml` from `start` (the working directory) upward, else `$VOC_HOME/voc.toml`."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_NAME).is_file():
            return candidate / CONFIG_NAME
    home = os.environ.get("VOC_HOME")
    if home and (Path(home) / CONFIG_NAME).is_file():
        return Path(home) / CONFIG_NAME
    return None


def absolute(value: str, base: Path) -> str:
    """A store or registry path made absolute against `base` (URLs and absolute paths as they are)."""
    if value.startswith(("postgresql://", "postgres://")) or Path(value).is_absolute():
        return value
    return str((base / value).resolve())


def resolve(db: str | Path | None = None, models: str | Path | None = None, start: Path | None = None) -> Settings:
    """Settle the store and the registry (flag > environment > voc.toml > defaults)."""
    flags = {"db": db, "models": models}
    config_path = find_config(start)
    config: dict = {}
    if config_path:
        try:
            config = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{config_path}: not valid TOML: {exc}") from exc
    values, origin = {}, {}
    for name in ("db", "models"):
        section, key = TOML_KEYS[name]
        from_toml = (config.get(section) or {}).get(key)
        if flags[name] is not None:
            values[name], origin[name] = str(flags[name]), "flag"
        elif os.environ.get(ENV[name]):
            values[name], origin[name] = os.environ[ENV[name]], f"env {ENV[name]}"
        elif from_toml:
            values[name], origin[name] = absolute(str(from_toml), config_path.parent), str(config_path)
        else:
            values[name], origin[name] = DEFAULTS[name], "default, in the working directory"
    return Settings(values["db"], values["models"], origin)
