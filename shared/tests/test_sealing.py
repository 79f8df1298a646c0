"""Sealing a complaint's personal data with its own data key, and wrapping that key."""

from __future__ import annotations

import base64

import pytest

from complaints_shared.sealing import (
    InvalidTag,
    InvalidUnwrap,
    master_key_from_base64,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)

PLAINTEXT = '{"name": "张三丰", "phone": "13800138000"}'.encode()


def test_a_sealed_value_opens_with_its_key_and_hides_the_plaintext():
    key = new_data_key()
    assert len(key) == 32
    sealed = seal(key, "cmp-1", PLAINTEXT)
    assert sealed.key_id == "cmp-1"
    assert PLAINTEXT not in base64.b64decode(sealed.ciphertext)
    assert "张三丰" not in sealed.model_dump_json()
    assert open_sealed(key, sealed) == PLAINTEXT


def test_every_sealing_uses_a_fresh_nonce():
    key = new_data_key()
    assert seal(key, "cmp-1", PLAINTEXT).nonce != seal(key, "cmp-1", PLAINTEXT).nonce


def test_another_key_cannot_open_it():
    sealed = seal(new_data_key(), "cmp-1", PLAINTEXT)
    with pytest.raises(InvalidTag):
        open_sealed(new_data_key(), sealed)


def test_it_is_bound_to_its_complaint_id():
    key = new_data_key()
    sealed = seal(key, "cmp-1", PLAINTEXT)
    moved = sealed.model_copy(update={"key_id": "cmp-2"})
    with pytest.raises(InvalidTag):
        open_sealed(key, moved)


def test_a_changed_ciphertext_does_not_open():
    key = new_data_key()
    sealed = seal(key, "cmp-1", PLAINTEXT)
    raw = bytearray(base64.b64decode(sealed.ciphertext))
    raw[0] ^= 1
    tampered = sealed.model_copy(update={"ciphertext": base64.b64encode(raw).decode()})
    with pytest.raises(InvalidTag):
        open_sealed(key, tampered)
    with pytest.raises(InvalidTag):
        open_sealed(key, sealed.model_copy(update={"nonce": "not base64!"}))


def test_a_wrapped_key_unwraps_only_with_its_master_key():
    master, other = new_data_key(), new_data_key()
    key = new_data_key()
    wrapped = wrap_key(master, key)
    assert key not in wrapped
    assert len(wrapped) == 40
    assert unwrap_key(master, wrapped) == key
    with pytest.raises(InvalidUnwrap):
        unwrap_key(other, wrapped)


def test_a_master_key_is_base64_of_32_bytes():
    key = new_data_key()
    assert master_key_from_base64(base64.b64encode(key).decode()) == key
    for bad in ("not base64!", base64.b64encode(b"short").decode(), ""):
        with pytest.raises(ValueError):
            master_key_from_base64(bad)
