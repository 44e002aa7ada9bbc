"""The README's MongoDB section stays true: it says where the target is verified, and the opt-in variable and
test file it names are the ones the opt-in test reads."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## MongoDB\n")
    return text[start: text.index("\n## ", start + 1)]


def test_readme_says_how_mongodb_is_verified() -> None:
    section = _section()
    assert "verified on mongomock and mongo-schema, not on mongod" in section
    assert 'mongosh "$URL" schemac-out/mongodb/setup.js' in section
    server_test = (ROOT / "tests" / "test_mongo_proof_server.py").read_text(encoding="utf-8")
    assert "SCHEMAC_MONGODB_URL" in section and 'os.environ.get("SCHEMAC_MONGODB_URL"' in server_test
    assert "tests/test_mongo_proof_server.py" in section
    for name in ("mongo_mock.py",):
        assert (ROOT / "tests" / "helpers" / name).exists()
