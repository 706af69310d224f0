"""A NUL character anywhere a request carries text is refused at once (400):
the path, a query string's names and values, a form's names and values
(plain or multipart), a JSON body."""

from __future__ import annotations

import io

import pytest

REFUSED = "La requête contient un caractère invalide."


@pytest.fixture
def signed_in(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.login(user.email)
    return client


@pytest.mark.parametrize("path", ["/plans%00", "/plans?%00=1", "/plans?q=a%00b", "/plans?q=a&q=%00"])
def test_a_nul_in_the_path_or_the_query_string_is_refused(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"na\x00me": "x"},
        {"name": "x\x00"},
        {"name": "x", "file": (io.BytesIO(b"\x00 in a file is fine"), "f.txt"), "note": "\x00"},
    ],
)
def test_a_nul_in_a_form_is_refused(signed_in, data):
    response = signed_in.post("/account", data=data)
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)


def test_a_nul_in_a_json_body_is_refused(signed_in):
    response = signed_in.post("/account", json={"nested": [{"name": "x\x00"}]})
    assert response.status_code == 400


def test_a_plain_page_and_a_file_holding_nul_bytes_pass(signed_in):
    assert signed_in.get("/plans?q=fine").status_code == 200
    upload = {"file": (io.BytesIO(b"\x00\x01"), "f.bin")}
    assert signed_in.post("/account", data=upload).status_code != 400
