"""The web page at `/` in a real browser: headless Chromium driven by Selenium against a live server.

One scenario walks the page as a person would: type the key, create a collection, ingest photos and sounds
from the shared data (and a corrupt file), search with a phrase and with a dropped sound, label a photo, and
check that every request stayed on the server. Screenshots go to `$BINDSPACE_SCREENSHOT_DIR` (default: the
test's temporary directory). Needs Debian's `chromium` and `chromium-driver` (installed by `.ci/run`).
"""

import base64
import functools
import json
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx
import numpy as np
import pytest
from PIL import Image

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from live_server import LiveServer, imu_csv_bytes, live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1000")
KEY = "page-test-key"
WAIT_S = 90
PHOTOS = ("dog_image.jpg", "car_image.jpg", "bird_image.jpg")
SOUNDS = ("dog_audio.wav", "car_audio.wav", "bird_audio.wav")


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server(api_keys=[KEY], model=None)


@pytest.fixture()
def browser(tmp_path):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_script_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture()
def screenshots(tmp_path) -> Path:
    directory = Path(os.environ.get("BINDSPACE_SCREENSHOT_DIR") or tmp_path / "screenshots")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def wait(driver, condition, what: str):
    return WebDriverWait(driver, WAIT_S, poll_frequency=0.2).until(lambda d: condition(d), message=what)


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def open_view(driver, name: str) -> None:
    driver.find_element(By.ID, f"tab-{name}").click()
    wait(driver, lambda d: d.find_element(By.ID, f"view-{name}").is_displayed(), f"the {name} view")


def drop_file(driver, zone_id: str, name: str, data: bytes, media_type: str) -> None:
    """Drop one file onto a drop zone as a person dragging it from the desktop would."""
    driver.execute_script("""
        const [zoneId, name, b64, type] = arguments;
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, {type}));
        const zone = document.getElementById(zoneId);
        for (const kind of ["dragenter", "dragover", "drop"]) {
          zone.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: transfer}));
        }""", zone_id, name, base64.b64encode(data).decode(), media_type)


# Whether a canvas shows colours (a false-colour map), not only greys.
COLOURFUL = """
    const canvas = arguments[0];
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i] - pixels[i + 1]) > 40 || Math.abs(pixels[i + 1] - pixels[i + 2]) > 40) return true;
    }
    return false;"""


def made_maps_and_motion(directory: Path) -> list[Path]:
    """A depth map (.npy), a thermal image (16-bit PNG) and an IMU recording (CSV), for the other previews."""
    rows, cols = np.mgrid[0:96, 0:128]
    depth = directory / "room.npy"
    np.save(depth, (1.0 + rows / 24.0 + cols / 64.0).astype(np.float32))
    thermal = directory / "face_thermal.png"
    heat = 20000 + 20000 * np.exp(-((rows - 48) ** 2 + (cols - 64) ** 2) / 800.0)
    Image.fromarray(heat.astype(np.uint16)).save(thermal)
    imu = directory / "walk.csv"
    imu.write_bytes(imu_csv_bytes(3, rows=300))
    return [depth, thermal, imu]


def result_cards(driver) -> list:
    return driver.find_elements(By.CSS_SELECTOR, "#search-results > li.card")


def previews_loaded(driver) -> bool:
    """Every result shows its preview: images decoded, players ready to play."""
    return driver.execute_script("""
        const cards = [...document.querySelectorAll('#search-results > li.card')];
        return cards.length > 0 && cards.every(card => {
          const img = card.querySelector('img.preview');
          if (img) return img.complete && img.naturalWidth > 0;
          const player = card.querySelector('audio.preview, video.preview');
          if (player) return player.readyState >= 1;
          return card.querySelector('canvas.preview, svg.preview, blockquote.preview') !== null;
        });""")


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def search(driver, phrase: str = "") -> list:
    box = driver.find_element(By.ID, "search-text")
    box.clear()
    if phrase:
        box.send_keys(phrase)
    driver.find_element(By.ID, "search-go").click()
    wait(driver, lambda d: text_of(d, "search-summary").endswith("results in album") or text_of(d, "search-error"),
         "search results")
    assert text_of(driver, "search-error") == ""
    wait(driver, previews_loaded, "result previews")
    return result_cards(driver)


def test_page_ingests_searches_and_labels_with_the_server_only(server, browser, shared_dir, screenshots,
                                                               tmp_path) -> None:
    assets = shared_dir / "data" / "imagebind_assets"
    browser.get(f"{server.url}/")
    # No key yet: the API's own 401 message is shown.
    wait(browser, lambda d: "Missing API key" in text_of(d, "search-error"), "the missing-key message")
    browser.find_element(By.ID, "key").send_keys(KEY, Keys.ENTER)
    wait(browser, lambda d: text_of(d, "search-error") == "", "the key to be accepted")

    # Keyboard: the arrow keys move between the view tabs.
    browser.find_element(By.ID, "tab-search").send_keys(Keys.ARROW_RIGHT)
    wait(browser, lambda d: d.find_element(By.ID, "view-label").is_displayed(), "the label view by keyboard")

    open_view(browser, "collections")
    browser.find_element(By.ID, "create-name").send_keys("album")
    Select(browser.find_element(By.ID, "create-media")).select_by_value("thumbnail")
    browser.find_element(By.ID, "create-go").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#collections-rows tr[data-name=album]"), "the new row")

    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    files = [assets / name for name in PHOTOS + SOUNDS] + made_maps_and_motion(tmp_path) + [corrupt]
    Select(browser.find_element(By.ID, "ingest-collection")).select_by_value("album")
    browser.find_element(By.ID, "ingest-files").send_keys("\n".join(str(f) for f in files))
    wait(browser, lambda d: text_of(d, "ingest-status").startswith("Done"), "the ingest to finish")
    assert text_of(browser, "ingest-status") == "Done: 9 of 10 files ingested into album; 1 failed (listed below)."
    assert browser.find_element(By.ID, "ingest-progress").get_attribute("value") == "10"
    failures = browser.find_elements(By.CSS_SELECTOR, "#ingest-failed li")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        corrupt_uri = "data:image/jpeg;base64," + base64.b64encode(corrupt.read_bytes()).decode()
        answer = client.post("/v1/collections/album/items", json={"items": [  # the request the page sends
            {"id": "corrupt.jpg", "input": {"modality": "image", "data": corrupt_uri}}]})
    assert answer.status_code == 422
    api_message = answer.json()["error"]["message"]
    assert [f.text for f in failures] == [f"corrupt.jpg: {api_message}"]
    row = browser.find_element(By.CSS_SELECTOR, "#collections-rows tr[data-name=album]")
    assert "audio 3, depth 1, image 3, imu 1, thermal 1" in row.text and "thumbnail" in row.text
    browser.save_screenshot(str(screenshots / "page-collections.png"))

    # A phrase: every item comes back with its preview (photos as thumbnails, sounds as players).
    open_view(browser, "search")
    Select(browser.find_element(By.ID, "search-collection")).select_by_value("album")
    cards = search(browser, "a dog barking")
    assert len(cards) == 9
    assert len(browser.find_elements(By.CSS_SELECTOR, "#search-results img.preview")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#search-results audio.preview")) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "#search-results svg.preview polyline")) == 6
    maps = browser.find_elements(By.CSS_SELECTOR, "#search-results canvas.preview")
    assert sorted(m.get_attribute("aria-label") for m in maps) == ["depth map in false colour",
                                                                   "thermal map in false colour"]
    assert all(browser.execute_script(COLOURFUL, m) for m in maps)
    browser.execute_script("document.getElementById('search-summary').scrollIntoView()")
    browser.save_screenshot(str(screenshots / "page-search.png"))

    # A dropped sound: its own stored copy is the nearest item, at cosine 1.
    drop_file(browser, "search-drop", "dog_audio.wav", (assets / "dog_audio.wav").read_bytes(), "audio/wav")
    wait(browser, lambda d: "dog_audio.wav (audio)" in text_of(d, "search-terms"), "the dropped file as a term")
    cards = search(browser)
    assert cards[0].get_attribute("data-id") == "dog_audio.wav"
    assert cards[0].find_element(By.CLASS_NAME, "score").text == "1.000"

    # The sound plus 0.5 x a phrase: a weighted combination, no longer the sound alone.
    weight = browser.find_element(By.ID, "search-text-weight")
    weight.clear()
    weight.send_keys("0.5")
    cards = search(browser, "a dog")
    assert float(cards[0].find_element(By.CLASS_NAME, "score").text) < 0.999

    # The kind filter keeps only photos.
    browser.find_element(By.CSS_SELECTOR, "#search-kinds input[value=image]").click()
    cards = search(browser)
    assert {card.get_attribute("data-kind") for card in cards} == {"image"}

    # Label a photo (and the corrupt file, whose card shows the API's message).
    open_view(browser, "label")
    browser.find_element(By.ID, "label-files").send_keys(f"{assets / 'dog_image.jpg'}\n{corrupt}")
    browser.find_element(By.ID, "label-labels").send_keys("dog\ncar\nbird")
    browser.find_element(By.ID, "label-go").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#label-results .ranked li")) == 3, "ranked labels")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#label-results .error"), "the corrupt file's error")
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as client:
        classify = client.post("/v1/classify", json={"input": {"modality": "image", "data": corrupt_uri},
                                                     "candidate_labels": ["dog", "car", "bird"]})
    assert classify.status_code == 422
    assert browser.find_element(By.CSS_SELECTOR, "#label-results .error").text == classify.json()["error"]["message"]
    bars = browser.find_elements(By.CSS_SELECTOR, "#label-results .ranked .bar")
    scores = [float(bar.get_attribute("aria-valuenow")) for bar in bars]
    assert scores == sorted(scores, reverse=True) and abs(sum(scores) - 1) < 1e-3
    browser.find_element(By.ID, "label-csv").click()
    download = tmp_path / "downloads" / "labels.csv"
    wait(browser, lambda d: download.exists(), "the CSV download")
    lines = download.read_text().strip().split("\n")
    assert lines[0] == "input,kind,label,score,cosine" and len(lines) == 4
    assert {line.split(",")[2] for line in lines[1:]} == {"dog", "car", "bird"}
    wait(browser, lambda d: d.execute_script(
        "const img = document.querySelector('#label-results img.preview'); return img && img.naturalWidth > 0"),
        "the labelled photo's preview")
    browser.save_screenshot(str(screenshots / "page-label.png"))

    # Phone width: the search view fits without sideways scrolling.
    browser.set_window_size(390, 900)
    open_view(browser, "search")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.execute_script("document.getElementById('search-summary').scrollIntoView()")
    browser.save_screenshot(str(screenshots / "page-search-phone.png"))

    # Every network request of the browser went to this server; the rest (blob:, data:, the browser's own
    # chrome: pages) never leave it.
    urls = requested_urls(browser)
    assert any(url.endswith("/v1/collections/album/search") for url in urls)
    network = [url for url in urls if url.split(":", 1)[0] in ("http", "https", "ws", "wss", "ftp")]
    assert [url for url in network if not url.startswith(server.url + "/")] == []
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith((server.url + "/", "blob:", "data:")) for name in resources)
    console = [entry["message"] for entry in browser.get_log("browser")]
    assert not [line for line in console if "Content Security Policy" in line or "Uncaught" in line]
    assert {p.name for p in screenshots.iterdir()} >= {"page-collections.png", "page-search.png", "page-label.png"}


@pytest.fixture()
def file_server(shared_dir):
    """A plain HTTP server on another loopback port, serving the shared photos: where metadata URLs point."""
    handler = functools.partial(SimpleHTTPRequestHandler,
                                directory=str(shared_dir / "data" / "imagebind_assets"))
    handler.log_message = lambda *args: None
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


def test_without_kept_media_previews_come_from_metadata_urls(server, browser, file_server, shared_dir) -> None:
    photo = shared_dir / "data" / "imagebind_assets" / "bird_image.jpg"
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as client:
        client.delete("/v1/collections/linked")
        assert client.post("/v1/collections", json={"name": "linked"}).status_code == 201
        upserted = client.post("/v1/collections/linked/items", json={"items": [{
            "id": "bird", "input": {"modality": "image", "data": base64.b64encode(photo.read_bytes()).decode()},
            "metadata": {"image_url": f"{file_server}/bird_image.jpg"}}]})
        assert upserted.status_code == 200, upserted.text
    browser.get(f"{server.url}/")
    browser.find_element(By.ID, "key").send_keys(KEY, Keys.ENTER)
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#search-collection option[value=linked]"),
         "the collection list")
    Select(browser.find_element(By.ID, "search-collection")).select_by_value("linked")
    browser.find_element(By.ID, "search-text").send_keys("a bird")
    browser.find_element(By.ID, "search-go").click()
    wait(browser, previews_loaded, "the preview from the metadata URL")
    image = browser.find_element(By.CSS_SELECTOR, "#search-results img.preview")
    assert image.get_attribute("src") == f"{file_server}/bird_image.jpg"
    assert browser.execute_script("return arguments[0].naturalWidth", image) == Image.open(photo).width
