import pytest

from tests.browser.conftest import fits_width, login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_page_and_login(page, phone, world):
    page.goto(page.base + "/public/")
    assert page.locator("h1").count() >= 1
    screenshot(page, "public-index")
    phone.goto(phone.base + "/public/")
    assert fits_width(phone)
    login(page, world.officer.username)
    assert page.locator(".who").inner_text() == str(world.officer)
