"""HMAC pseudonyms and the demo database."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pandas as pd
import pytest

from painmech import storage
from painmech.datasets import dataset_path
from painmech.io import read_observations, read_subjects

KEY = bytes.fromhex("0b" * 20)  # RFC 4231 test case 1 key


def test_hmac_matches_rfc_4231_and_the_stdlib():
    # RFC 4231 test case 1: HMAC-SHA-256(key=0x0b*20, "Hi There")
    expected = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert hmac.new(KEY, b"Hi There", hashlib.sha256).hexdigest() == expected
    # "Hi There" folds to "hi there", so compute the reference on the folded text
    ref = hmac.new(KEY, b"hi there", hashlib.sha256).digest()
    assert storage.pseudonymize("Hi There", KEY) == "p" + base64.b32encode(ref).decode()[
        :12].lower()


def test_pseudonyms_are_stable_normalised_and_key_dependent():
    names = pd.Series([" Müller ", "MÜLLER", "Meier"])
    out = storage.pseudonymize(names, KEY)
    assert out.iloc[0] == out.iloc[1] != out.iloc[2]
    assert storage.pseudonymize("Müller", b"x" * 16) != out.iloc[0]
    with pytest.raises(ValueError, match="at least 128 bits"):
        storage.pseudonymize("a", b"short")
    with pytest.raises(ValueError, match="empty"):
        storage.pseudonymize("  ", KEY)


def test_key_file_is_private_and_never_overwritten(tmp_path, monkeypatch):
    path = storage.generate_pseudonym_key(tmp_path / "keys" / "pseudonym.key")
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError, match="refusing"):
        storage.generate_pseudonym_key(path)
    monkeypatch.delenv("PAINMECH_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("PAINMECH_PSEUDONYM_KEY_FILE", str(path))
    assert len(storage.load_pseudonym_key()) == 32
    monkeypatch.delenv("PAINMECH_PSEUDONYM_KEY_FILE")
    with pytest.raises(KeyError, match="no pseudonym key"):
        storage.load_pseudonym_key()


def test_build_demo_database_gives_a_working_login(db_url):
    subj_path, obs_path = dataset_path("example")
    subjects = read_subjects(subj_path)
    observations = read_observations(obs_path, subjects=subjects)
    login = storage.build_demo_database(db_url, subjects, observations)
    assert (login.n_subjects, login.n_observations) == (len(subjects), len(observations))
    db = storage.open_database(db_url)
    with db.write() as s:
        user = storage.authenticate(s, login.username, login.password)
        actor = storage.actor_for(user)
        assert storage.list_studies(s, actor)["code"].tolist() == [login.study]
        assert storage.verify_audit(s).ok
    db.dispose()
