"""Whatever a hand or a disk does to the link-status file, `validate` and `build` answer with a message and
exit 3 (or accept it), never with a traceback."""

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cli import main
from tests.conftest import FIXTURES

VALID = json.loads((FIXTURES / "handbook-link-status.json").read_text(encoding="utf-8"))
GUIDE, CURATION = FIXTURES / "handbook-guide.txt", FIXTURES / "handbook-curation.toml"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@st.composite
def damaged_status_files(draw) -> str:
    """A valid status file with one value replaced, one key dropped or added; or any JSON value; or bytes."""
    choice = draw(st.sampled_from(["field", "entry", "top", "anything", "text"]))
    document = json.loads(json.dumps(VALID))
    entries = document["urls"]
    url = draw(st.sampled_from(sorted(entries)))
    if choice == "field":
        field = draw(st.sampled_from(sorted(entries[url])))
        entries[url][field] = draw(json_values)
    elif choice == "entry":
        entries[url] = draw(json_values)
    elif choice == "top":
        key = draw(st.sampled_from(["checked_at", "confirm_after", "format", "urls", "extra"]))
        document[key] = draw(json_values)
    elif choice == "anything":
        document = draw(json_values)
    else:
        return draw(st.text(max_size=200))
    return json.dumps(document)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=damaged_status_files())
def test_any_status_file_gets_a_message_never_a_traceback(text, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("status")
    status = Path(folder) / "link-status.json"
    status.write_text(text, encoding="utf-8")
    code = main(
        [
            "validate",
            "-q",
            "--raw",
            str(GUIDE),
            "--curation",
            str(CURATION),
            "--processed",
            str(folder),
            "--releases",
            str(folder / "releases"),
            "--link-status",
            str(status),
        ]
    )
    err = capsys.readouterr().err
    assert code in (0, 3), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 3:
        assert err.startswith(f"error: {status}") and "hint:" in err
