#!/usr/bin/env python3
"""Browser test of `attention viz` pages: opens them in headless Chromium as a person would.

For MiniLM (one sentence, a sentence pair, 256 tokens) and SmolLM2 (prompt + generated tokens) it writes a page with
the built binary, opens it from disk, and checks: no console errors, canvases not blank (pixels read back with
getImageData), the expected numbers of layers and heads, and that hovering / clicking / the step slider change the
picture. Screenshots and the pages go to --out (default .build/viewer-screenshots).

Needs Debian's `chromium` and `chromium-driver` and Python `selenium` (scripts/setup.sh installs them); the system
chromedriver is used, so nothing is downloaded at run time.

    python3 tools/test_viewer.py --binary .build/release/attention
"""
import argparse
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

HEAD_TOP, ROW = 40, 20  # the head view's layout constants (AttentionViewer+Script.swift)
LONG_TEXT = " ".join(
    "Attention lets every token look at every other token and decide how much each one matters for its meaning."
    .split() * 20)

failures = []


def check(condition, message):
    print(("  ok   " if condition else "  FAIL ") + message)
    if not condition:
        failures.append(message)


def make_page(binary, out, name, arguments):
    path = os.path.join(out, name + ".html")
    result = subprocess.run([binary, "viz", "-o", path] + arguments, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"attention viz {' '.join(arguments)} failed ({result.returncode}):\n{result.stderr}")
    return path


def browser(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


PIXELS = """
const c = document.getElementById(arguments[0]);
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let ink = 0; const colours = new Set();
for (let i = 0; i < d.length; i += 4) {
  if (d[i + 3] > 0 && (d[i] < 245 || d[i + 1] < 245 || d[i + 2] < 245)) ink++;  // transparent is blank
  if (colours.size < 500) colours.add(d[i] << 16 | d[i + 1] << 8 | d[i + 2]);
}
return [c.width, c.height, ink, colours.size, c.toDataURL().length, c.toDataURL()];
"""


def pixels(driver, canvas_id):
    width, height, ink, colours, _, url = driver.execute_script(PIXELS, canvas_id)
    return {"width": width, "height": height, "ink": ink, "colours": colours, "url": url}


def not_blank(driver, canvas_id, what):
    p = pixels(driver, canvas_id)
    check(p["width"] > 50 and p["height"] > 50 and p["ink"] > 500 and p["colours"] > 10,
          f"{what}: canvas drawn ({p['width']}x{p['height']}, {p['ink']} inked pixels, {p['colours']} colours)")
    return p


def console_errors(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def open_page(driver, path):
    start = time.time()
    driver.get("file://" + os.path.abspath(path))
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    return time.time() - start


def hover(driver, canvas_id, x, y):
    """Moves the real mouse to (x, y) in the canvas's CSS pixels, scrolling that point to the middle of the window."""
    canvas = driver.find_element(By.ID, canvas_id)
    left, top = driver.execute_script("""const c = arguments[0]; let r = c.getBoundingClientRect();
        window.scrollBy(0, r.top + arguments[1] - innerHeight / 2); r = c.getBoundingClientRect();
        return [r.left, r.top]""", canvas, y)
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(int(left + x), int(top + y))
    actions.perform()
    return canvas


def head_view_checks(driver, name, layers, heads, out):
    check(len(driver.find_elements(By.CSS_SELECTOR, "#heads button")) == heads, f"{name}: {heads} head buttons")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#layer option")) == layers, f"{name}: {layers} layers to pick")
    before = not_blank(driver, "head-canvas", f"{name} head view")
    driver.save_screenshot(os.path.join(out, f"{name}-head.png"))
    token = 3
    hover(driver, "head-canvas", 8, HEAD_TOP + token * ROW + ROW / 2)
    after = pixels(driver, "head-canvas")
    focus = driver.find_element(By.ID, "head-canvas").get_attribute("data-focus")
    check(focus == f"q{token}", f"{name}: hovering query token {token} focuses it (data-focus={focus!r})")
    check(after["url"] != before["url"], f"{name}: hovering a token redraws the head view")
    driver.save_screenshot(os.path.join(out, f"{name}-head-hover.png"))
    ActionChains(driver).move_to_element(driver.find_element(By.TAG_NAME, "h1")).perform()


def model_and_matrix_checks(driver, name, layers, heads, out):
    driver.find_element(By.CSS_SELECTOR, ".tabs button[data-view=model]").click()
    canvas = driver.find_element(By.ID, "model-canvas")
    check(canvas.get_attribute("data-rows") == str(layers) and canvas.get_attribute("data-cols") == str(heads),
          f"{name}: model view is {canvas.get_attribute('data-rows')} layers x {canvas.get_attribute('data-cols')} heads")
    not_blank(driver, "model-canvas", f"{name} model view")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(out, f"{name}-model.png"))
    layout = driver.execute_script("return [46, 26]")  # left and top margins of the grid
    cell = driver.execute_script("""const c = document.getElementById('model-canvas');
        return Math.floor((parseFloat(c.style.width) - 46) / arguments[0]) - 8""", heads)
    target_layer, target_head = min(1, layers - 1), min(2, heads - 1)
    canvas = hover(driver, "model-canvas", layout[0] + target_head * (cell + 8) + cell / 2,
                   layout[1] + target_layer * (cell + 8) + cell / 2)
    ActionChains(driver).click().perform()
    state = driver.execute_script("""const s = window.attentionViewer.state;
        return [document.body.dataset.view, s.layer, [...s.heads]]""")
    check(state == ["matrix", target_layer, [target_head]],
          f"{name}: clicking layer {target_layer} head {target_head} opens it in the matrix view (got {state})")
    before = not_blank(driver, "matrix-canvas", f"{name} matrix view")
    hover(driver, "matrix-canvas", 200, 200)
    after = pixels(driver, "matrix-canvas")
    tooltip = driver.find_element(By.ID, "tooltip")
    check(after["url"] != before["url"] and tooltip.is_displayed(),
          f"{name}: hovering a matrix cell highlights it and shows {tooltip.text.splitlines()[:1]}")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(out, f"{name}-matrix.png"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/attention")
    parser.add_argument("--out", default=".build/viewer-screenshots")
    parser.add_argument("--load-limit", type=float, default=20.0, help="seconds a 256-token page may take to load")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pages = {
        "minilm": (make_page(args.binary, args.out, "minilm",
                             ["--model", "minilm", "--layer", "2", "--head", "7",
                              "The animal didn't cross the street because it was too tired."]), 6, 12),
        "minilm-pair": (make_page(args.binary, args.out, "minilm-pair",
                                  ["--model", "minilm", "--pair", "It was raining.", "The cat stayed inside."]), 6, 12),
        "smollm2": (make_page(args.binary, args.out, "smollm2",
                              ["--model", "smollm2", "--generate", "10", "The capital of France is"]), 30, 9),
        "minilm-256": (make_page(args.binary, args.out, "minilm-256", ["--model", "minilm", LONG_TEXT]), 6, 12),
        "smollm2-long": (make_page(args.binary, args.out, "smollm2-long",
                                   ["--model", "smollm2", "--generate", "24", " ".join(LONG_TEXT.split()[:200])]), 30, 9),
    }
    driver = browser(1500, 1100)
    try:
        for name, (path, layers, heads) in pages.items():
            print(f"{name}: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
            seconds = open_page(driver, path)
            tokens = driver.execute_script("return window.attentionViewer.tokens")
            check(seconds < args.load_limit, f"{name}: {tokens} tokens loaded and drawn in {seconds:.2f} s")
            if name == "minilm":
                shown = driver.execute_script("""return [document.getElementById('layer').value,
                    [...window.attentionViewer.state.heads], document.querySelectorAll('#heads button.on').length]""")
                check(shown == ["2", [7], 1], f"{name}: --layer 2 --head 7 is what the page shows first (got {shown})")
            head_view_checks(driver, name, layers, heads, args.out)
            if name == "smollm2-long":
                bits = driver.execute_script("return JSON.parse(document.getElementById('attention-data').textContent).bits")
                check(tokens >= 220 and bits == 8, f"{name}: {tokens} tokens, stored in {bits} bits (8 above 6M weights)")
                worst = driver.execute_script("""const v = window.attentionViewer; let worst = 0;
                    for (let i = 0; i < v.tokens; i += 7) { let s = 0; for (let j = 0; j < v.tokens; j++) s += v.weight(5, 4, i, j);
                      worst = Math.max(worst, Math.abs(s - 1)); } return worst""")
                check(worst < 0.1, f"{name}: 8-bit rows decoded in the page sum to 1 within {worst:.4f}")
            if name == "minilm-256":
                check(tokens == 256, f"{name}: 256 tokens on the page")
                start = time.time()
                for token in (10, 100, 200):
                    hover(driver, "head-canvas", 8, HEAD_TOP + token * ROW + ROW / 2)
                check(time.time() - start < 6, f"{name}: three hovers at 256 tokens in {time.time() - start:.2f} s")
            if name == "minilm-pair":
                before = pixels(driver, "head-canvas")["url"]
                driver.execute_script("""const f = document.getElementById('filter'); f.value = 'AB';
                    f.dispatchEvent(new Event('change'))""")
                check(driver.find_element(By.ID, "filter").is_displayed() and pixels(driver, "head-canvas")["url"] != before,
                      f"{name}: the A → B sentence filter changes the head view")
            if name == "smollm2":
                slider = driver.find_element(By.ID, "step")
                check(slider.is_displayed() and slider.get_attribute("max") == "10", f"{name}: step slider over 10 generated tokens")
                before = pixels(driver, "head-canvas")["url"]
                driver.execute_script("""const s = document.getElementById('step'); s.value = '3';
                    s.dispatchEvent(new Event('input'))""")
                check(pixels(driver, "head-canvas")["url"] != before, f"{name}: moving the step slider redraws the head view")
                label = driver.find_element(By.ID, "step-label").text
                check(label.startswith("3/10"), f"{name}: step label reads {label!r}")
                driver.execute_script("window.scrollTo(0, 0)")
                driver.save_screenshot(os.path.join(args.out, f"{name}-step3.png"))
            model_and_matrix_checks(driver, name, layers, heads, args.out)
            errors = console_errors(driver)
            check(not errors, f"{name}: no console errors {errors[:3] if errors else ''}")
    finally:
        driver.quit()
    print(f"screenshots in {args.out}")
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("all viewer checks passed")


if __name__ == "__main__":
    main()
