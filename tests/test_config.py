from pathlib import Path

import pytest

from node.config import Config, config_from_dict, load_config
from node.errors import ConfigError
from tests.conftest import run_cli

BASE = '[node]\nagency_code = "000.00.01.H26"\nagency_name = "UBND"\ndata_dir = "data"\n'


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "node.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_minimal_config_fills_defaults_and_resolves_paths(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, BASE))
    assert isinstance(cfg, Config)
    assert cfg.data_dir == tmp_path / "data"
    assert cfg.web.port == 8080
    assert cfg.node.timezone == "Asia/Ho_Chi_Minh"


def test_example_config_loads() -> None:
    cfg = load_config(Path(__file__).parent.parent / "provisioning" / "node.example.toml")
    assert cfg.scanner.folders[0].purpose == "incoming"


@pytest.mark.parametrize(
    ("extra", "key", "problem"),
    [
        ("[web]\nprot = 8080\n", "web.prot", "unknown key"),
        ('[web]\nport = "8080"\n', "web.port", "expected an integer"),
        ("[web]\nsecure_cookies = 1\n", "web.secure_cookies", "expected true or false"),
        ("[scanner]\n[[scanner.folders]]\npath = \"x\"\npurpose = \"outgoing\"\n",
         "scanner.folders[0].purpose", "must be one of"),
        ("[[scanner.folders]]\n", "scanner.folders[0].path", "required key is missing"),
        ("[[web]]\n", "web", "expected a table"),
        ("[signing]\ntrust_anchors = \"ca.pem\"\n", "signing.trust_anchors", "expected an array"),
        ("bogus = 1\n", "node.bogus", "unknown key"),
    ],
)
def test_bad_keys_name_the_key_and_file(tmp_path: Path, extra: str, key: str, problem: str) -> None:
    path = write(tmp_path, BASE + extra)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = str(e.value)
    assert msg.startswith(f"{path}: {key}: ")
    assert problem in msg
    assert "\n" not in msg


def test_unknown_top_level_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"node.toml: nodes: unknown key"):
        load_config(write(tmp_path, "[nodes]\n" + BASE))


def test_missing_required_key() -> None:
    with pytest.raises(ConfigError, match=r"node.data_dir: required key is missing"):
        config_from_dict({"node": {"agency_code": "x", "agency_name": "y"}})


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[node\n"))


@pytest.mark.parametrize("command", [["doctor"], ["serve"], ["verify"], ["audit", "verify"]])
def test_cli_refuses_bad_config_with_one_line(tmp_path: Path, command: list[str]) -> None:
    path = write(tmp_path, BASE + "[web]\nprot = 1\n")
    proc = run_cli("--config", str(path), *command)
    assert proc.returncode == 2, proc.stderr
    out = (proc.stdout + proc.stderr).strip()
    assert "web.prot" in out and str(path) in out
    assert "Traceback" not in out
    assert len(out.splitlines()) <= 2  # doctor prints its red line; the others one error line


def test_missing_config_file(tmp_path: Path) -> None:
    proc = run_cli("--config", str(tmp_path / "nope.toml"), "verify")
    assert proc.returncode == 2
    assert "config file not found" in proc.stderr
    assert "Traceback" not in proc.stderr
