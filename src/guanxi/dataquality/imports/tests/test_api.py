"""API: upload (multipart), mapping and options, run, status and counts, failed rows, templates."""

import json

import pytest

from guanxi.core.testing import assert_matrix
from guanxi.customers.models import Customer
from guanxi.dataquality.imports.models import Import, MappingTemplate

from .conftest import upload_of

pytestmark = pytest.mark.django_db

BASE = "/api/v1/imports"


def upload(client, name="customers_utf8_bom.csv", entity="customers", content=None):
    return client.post(BASE, {"entity": entity, "file": upload_of(name, content)})


def send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_upload_answers_with_the_mapping_found_and_a_preview(importers, api):
    response = upload(api(importers.carol))
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "draft" and data["total_rows"] == 4
    assert data["headers"][:3] == ["客户名称", "电话", "邮箱"]
    assert data["mapping"] == ["name", "phone", "email", "grade", "status", "industry", "region", "owner", "notes"]
    assert {"key": "name", "label": "Name", "required": True} in data["fields"]
    preview = data["preview"]
    assert preview["total_rows"] == 4 and preview["counts"] == {"create": 3, "fail": 1}
    failing = next(r for r in preview["rows"] if r["action"] == "fail")
    assert failing["number"] == 5 and "Grade" in failing["errors"]


def test_mapping_options_run_status_and_failed_rows(importers, api, django_capture_on_commit_callbacks):
    client = api(importers.carol)
    data = upload(client).json()
    url = f"{BASE}/{data['id']}"
    mapping = [*data["mapping"][:-1], ""]
    response = send(client, "patch", url, {"mapping": mapping, "duplicate_mode": "update", "template_name": "我的模板"})
    assert response.status_code == 200
    assert response.json()["mapping"][-1] == "" and response.json()["duplicate_mode"] == "update"
    assert MappingTemplate.objects.get().name == "我的模板"
    assert client.get(f"{BASE}/templates?entity=customers").json()[0]["name"] == "我的模板"
    preview = client.get(f"{url}/preview?limit=2").json()
    assert len(preview["rows"]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{url}/run")
    assert started.status_code == 202
    assert started.json()["job_id"] == Import.objects.get().job_id
    status = client.get(url).json()
    assert (status["status"], status["created"], status["failed"], status["rows_done"]) == ("done", 3, 1, 4)
    assert status["failures"][0]["row"] == 5
    xlsx = client.get(f"{url}/failed-rows")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    csv_file = client.get(f"{url}/failed-rows?format=csv")
    assert "北京华信精密机械有限公司" in b"".join(csv_file.streaming_content).decode("utf-8-sig")
    assert client.get(f"{url}/failed-rows?format=pdf").status_code == 422
    again = client.post(f"{url}/run")
    assert again.status_code == 400 and again.json()["code"] == "import_started"
    assert send(client, "patch", url, {"duplicate_mode": "skip"}).status_code == 400
    assert Customer.objects.count() == 3


def test_who_may_upload(importers, api):
    def uploads(user):
        return upload(api(user), "customers_gbk.csv").status_code == 201

    assert_matrix(importers, uploads, {"alice": True, "bob": True, "carol": True, "dave": True, "erin": False,
                                       "root": True})
    assert upload(api(importers.erin)).json()["code"] == "forbidden"


def test_an_import_belongs_to_its_uploader(importers, api, django_capture_on_commit_callbacks):
    data = upload(api(importers.alice), "customers_gbk.csv").json()
    url = f"{BASE}/{data['id']}"

    def reads(user):
        return api(user).get(url).status_code == 200

    assert_matrix(importers, reads, {"alice": True, "bob": False, "carol": False, "dave": False, "erin": False,
                                     "root": True})
    for user in (importers.bob, importers.root):
        client = api(user)
        assert client.post(f"{url}/run").status_code == 404
        assert send(client, "patch", url, {"duplicate_mode": "create"}).status_code == 404
        assert client.get(f"{url}/preview").status_code == 404
    assert api(importers.bob).get(f"{url}/failed-rows").status_code == 404
    assert [i["id"] for i in api(importers.bob).get(BASE).json()] == []
    assert [i["id"] for i in api(importers.alice).get(BASE).json()] == [data["id"]]


@pytest.mark.parametrize(("name", "content", "status", "code"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n0000", 400, "wrong_file_type"),
    ("empty.csv", b"", 400, "empty_file"),
    ("data.csv", "深圳市腾远电子科技有限公司,13812345678\n".encode(), 400, "no_header"),
    ("only.csv", "客户名称,电话\n".encode(), 400, "no_rows"),
])
def test_bad_files(importers, api, name, content, status, code):
    response = upload(api(importers.alice), name, content=content)
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["errors"]["file"]
    assert not Import.objects.exists()


def test_bad_requests(importers, api):
    client = api(importers.alice)
    assert upload(client, entity="opportunities").status_code == 400
    assert client.post(BASE, {"entity": "customers"}).status_code == 422
    data = upload(client, "customers_gbk.csv").json()
    url = f"{BASE}/{data['id']}"
    assert send(client, "patch", url, {"mapping": ["name"]}).status_code == 400
    assert send(client, "patch", url, {"mapping": ["x" * 61] * 5}).status_code == 422
    assert send(client, "patch", url, {"duplicate_mode": "merge"}).status_code == 422
    assert send(client, "patch", url, {"unknown": 1}).status_code == 422
    assert send(client, "patch", url, {"mapping": ["name\x00", "", "", "", ""]}).status_code == 422
    assert client.get(f"{BASE}/99999999").status_code == 404
    assert client.delete(f"{BASE}/templates/12345").status_code == 404
