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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.notify import NotifySettings

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


def load_config(start: Path | None = None) -> tuple[Path | None, dict]:
    """The nearest `voc.toml` (see `find_config`) and its contents ({} where there is none)."""
    config_path = find_config(start)
    if not config_path:
        return None, {}
    try:
        return config_path, tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{config_path}: not valid TOML: {exc}") from exc


def absolute(value: str, base: Path) -> str:
    """A store or registry path made absolute against `base` (URLs and absolute paths as they are)."""
    if value.startswith(("postgresql://", "postgres://")) or Path(value).is_absolute():
        return value
    return str((base / value).resolve())


def resolve(db: str | Path | None = None, models: str | Path | None = None, start: Path | None = None) -> Settings:
    """Settle the store and the registry (flag > environment > voc.toml > defaults)."""
    flags = {"db": db, "models": models}
    config_path, config = load_config(start)
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


@dataclass(frozen=True)
class CaseSettings:
    """Where the case rules and the touchpoint owners are, and where notifications go."""

    rules: Path
    touchpoints: Path
    notify: "NotifySettings"


def case_settings(rules: str | Path | None = None, touchpoints: str | Path | None = None,
                  start: Path | None = None) -> CaseSettings:
    """Case rules and touchpoint file: the arguments, else VOC_CASES / VOC_TOUCHPOINTS, else voc.toml's
    `[cases]`, else `data/cases.yaml` and `data/touchpoints.yaml`. Notifications from `[notify]`
    (`smtp_host`, `smtp_port`, `sender`, `starttls`, `user`, `webhook`), overridden by VOC_SMTP_HOST,
    VOC_SMTP_PORT, VOC_WEBHOOK; the SMTP password only from VOC_SMTP_PASSWORD (never a file)."""
    from pipeline.notify import NotifySettings
    from pipeline.paths import DATA_DIR

    config_path, config = load_config(start)
    section = config.get("cases") or {}
    base = config_path.parent if config_path else Path.cwd()

    def pick(flag, env: str, key: str, default: Path) -> Path:
        if flag is not None:
            return Path(flag)
        if os.environ.get(env):
            return Path(os.environ[env])
        if section.get(key):
            return Path(absolute(str(section[key]), base))
        return default

    notify = dict(config.get("notify") or {})
    unknown = set(notify) - {"smtp_host", "smtp_port", "sender", "starttls", "user", "webhook"}
    if unknown:
        raise ValueError(f"{config_path}: unknown [notify] settings {sorted(unknown)}")
    for key, env in (("smtp_host", "VOC_SMTP_HOST"), ("smtp_port", "VOC_SMTP_PORT"), ("webhook", "VOC_WEBHOOK")):
        if os.environ.get(env):
            notify[key] = os.environ[env]
    if "smtp_port" in notify:
        notify["smtp_port"] = int(notify["smtp_port"])
    return CaseSettings(pick(rules, "VOC_CASES", "rules", DATA_DIR / "cases.yaml"),
                        pick(touchpoints, "VOC_TOUCHPOINTS", "touchpoints", DATA_DIR / "touchpoints.yaml"),
                        NotifySettings(**notify, password=os.environ.get("VOC_SMTP_PASSWORD")))
