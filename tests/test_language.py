def test_chinese_by_default_even_for_english_browsers(client, db):
    response = client.get("/public/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "公示" in response.content.decode()


def test_english_on_request(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/public/"})
    response = client.get("/public/")
    assert response.headers["Content-Language"] == "en"
    assert "Public notice" in response.content.decode()
    assert client.get("/public/?lang=zh-hans").headers["Content-Language"] == "zh-hans"
